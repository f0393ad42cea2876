package io.sluice.cursor;

import io.sluice.dataset.Dataset;
import io.sluice.db.DatabaseErrors;
import io.sluice.db.DatabaseUnavailableException;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.protocol.StreamProducer;
import io.sluice.protocol.StreamStart;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PreparedStatement;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowStream;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dataset stream read from PostgreSQL: connection, read-only transaction, prepared
 * statement and {@link RowStream}, paused whenever the consumer has no credit left.
 *
 * <p>Every resource has one release path: {@link #run} closes the row stream, then the
 * prepared statement, rolls the transaction back and returns the connection, whether the
 * stream ended, failed, lost its connection or was cancelled.
 */
final class CursorStream {

  private static final Logger LOG = LoggerFactory.getLogger(CursorStream.class);

  private final StreamProducer producer;
  private final Dataset dataset;
  private final Tuple arguments;
  private final int fetchSize;
  private final SluiceMetrics metrics;
  private final RowConverter converter;
  private final Promise<Void> finished = Promise.promise();
  private List<Object[]> buffer;
  private RowStream<Row> rows;
  private PgConnection connection;
  private boolean firstRowSeen;
  private boolean ended;
  private boolean stopped;
  private boolean awaitingCredit;
  private long sent;
  private long read;
  private long readReported;

  CursorStream(StreamProducer producer, Dataset dataset, Tuple arguments, int fetchSize, SluiceMetrics metrics) {
    this.producer = producer;
    this.dataset = dataset;
    this.arguments = arguments;
    this.fetchSize = fetchSize;
    this.metrics = metrics;
    this.converter = new RowConverter(dataset.sourceColumns());
    this.buffer = new ArrayList<>(fetchSize);
  }

  /** Runs the stream to its end; the future completes once everything is released. */
  Future<Void> run(Pool pool) {
    producer.closedHandler(reason -> {
      LOG.debug("[{}] cursor stopped: {}", producer.requestId(), reason);
      stop(null);
    });
    producer.demandHandler(v -> onDemand());
    metrics.cursorOpened();
    return pool.getConnection()
        .recover(err -> Future.failedFuture(new DatabaseUnavailableException(err)))
        .compose(this::inTransaction)
        .onFailure(this::reportFailure)
        .eventually(() -> {
          setAwaitingCredit(false);
          metrics.cursorClosed();
          return Future.succeededFuture();
        })
        .recover(err -> Future.succeededFuture());
  }

  private Future<Void> inTransaction(SqlConnection conn) {
    connection = PgConnection.cast(conn);
    conn.closeHandler(v -> stop(ClosedConnectionException.INSTANCE));
    return conn.begin()
        .compose(tx -> conn.query("SET TRANSACTION READ ONLY").execute()
            .compose(v -> conn.prepare(dataset.streamSql()))
            .compose(statement -> announceStart(conn).transform(ar -> stream(statement)).eventually(statement::close))
            .eventually(tx::rollback))
        .eventually(() -> {
          conn.closeHandler(null);
          return conn.close();
        });
  }

  /**
   * Tells the consumer the statement is about to run, with the planner's estimate of its rows
   * ({@code EXPLAIN}, which plans but does not run it); an estimate that cannot be had is left out.
   */
  private Future<Void> announceStart(SqlConnection conn) {
    if (stopped) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(dataset.explainSql()).execute(arguments)
        .map(plan -> Dataset.estimatedRows(plan.iterator().next().getValue(0)))
        .otherwise(err -> null)
        .map(estimate -> {
          producer.started(new StreamStart(estimate));
          return null;
        });
  }

  private Future<Void> stream(PreparedStatement statement) {
    if (stopped) {
      return finished.future();
    }
    rows = statement.createStream(fetchSize, arguments);
    rows.exceptionHandler(err -> stop(err));
    rows.endHandler(v -> {
      ended = true;
      flush();
    });
    rows.handler(this::onRow);
    return finished.future();
  }

  private void onRow(Row row) {
    if (stopped) {
      return; // rows still arrive after close(): see pitfalls
    }
    firstRowSeen = true;
    read++;
    buffer.add(converter.convert(row));
    if (buffer.size() >= fetchSize) {
      flush();
    }
    if (!producer.hasCredit() && !stopped) {
      rows.pause();
      setAwaitingCredit(true);
    }
  }

  private void onDemand() {
    if (stopped) {
      return;
    }
    setAwaitingCredit(false);
    flush();
    if (rows != null && !ended && producer.hasCredit()) {
      rows.resume();
    }
  }

  private void flush() {
    if (stopped) {
      return;
    }
    boolean batchReady = buffer.size() >= fetchSize || (ended && !buffer.isEmpty());
    if (batchReady && producer.hasCredit()) {
      reportRowsRead();
      sent += buffer.size();
      producer.send(buffer);
      buffer = new ArrayList<>(fetchSize);
    }
    if (ended && buffer.isEmpty()) {
      producer.end(sent);
      stop(null);
    }
  }

  /** Stops reading; the failure, if any, is reported to the consumer. */
  private void stop(Throwable failure) {
    if (stopped) {
      return;
    }
    stopped = true;
    reportRowsRead();
    if (failure != null) {
      reportFailure(failure);
    } else if (rows != null && !firstRowSeen && !ended) {
      // the first fetch runs the whole query (a sort, say): cancel it rather than wait for it
      connection.cancelRequest();
    }
    Future<Void> closed = rows == null ? Future.succeededFuture() : rows.close();
    closed.onComplete(ar -> finished.tryComplete());
  }

  private void reportFailure(Throwable failure) {
    LOG.warn("[{}] dataset '{}' failed after {} rows: {}", producer.requestId(), dataset.name(), sent, failure.toString());
    producer.fail(DatabaseErrors.classify(failure));
  }

  private void reportRowsRead() {
    metrics.rowsRead(read - readReported);
    readReported = read;
  }

  private void setAwaitingCredit(boolean waiting) {
    if (waiting != awaitingCredit) {
      awaitingCredit = waiting;
      metrics.awaitingCredit(waiting);
    }
  }
}
