package io.sluice.cursor;

import io.sluice.config.StreamConfig;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.db.ConnectionGate;
import io.sluice.db.DatabaseErrors;
import io.sluice.db.DatabaseUnavailableException;
import io.sluice.db.FetchTurns;
import io.sluice.db.ReadServers;
import io.sluice.error.Failure;
import io.sluice.error.FailureException;
import io.sluice.logging.RequestLog;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.source.Source;
import io.sluice.source.SourceOutlet;
import io.sluice.value.Column;
import io.sluice.value.RowBatch;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.PreparedStatement;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dataset stream read from PostgreSQL, in its phases: waiting for admission at the
 * {@link ConnectionGate}, connecting, {@code BEGIN READ ONLY} ({@link Transactions}: a partition's in its export's snapshot;
 * as the dataset's database role, if it has one) with the dataset's statement
 * timeout, prepare, {@code EXPLAIN}, then one {@link Cursor#read} per unit of demand, each
 * sized by the {@link BatchSizer} so a batch is bounded in bytes: the keyset {@link Source}.
 * A {@code resumed} stream starts after a key: a row comparison on the key, never {@code OFFSET}.
 *
 * <p>A stop (the consumer cancels or goes silent, Sluice ends it, the connection dies)
 * reaches every phase: it leaves the queue, or sends PostgreSQL a cancel request for the
 * statement running and waits for it to end. There is one release path: the connection,
 * which is the stream's own, is closed (never handed on, so a late cancel can hit nothing
 * else), bounded by a deadline, and only then the permit goes back to the gate.
 */
final class CursorStream implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(CursorStream.class);
  /** How long the database may take past a statement's timeout before it counts as gone. */
  private static final long ANSWER_GRACE_MS = 5_000;
  /** The most a stop waits for a cancelled statement to end, and a close to finish. */
  static final long RELEASE_TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final String streamId;
  /** This stream's lines, with the request id of its {@code open} frame. */
  private final RequestLog log;
  private final Dataset dataset;
  private final Tuple arguments;
  private final Position position;
  private final int[] keyIndexes;
  private final StreamConfig config;
  private final long statementTimeoutMs;
  private final SluiceMetrics metrics;
  private final RowConverter converter;
  private final BatchSizer sizer;
  /** Completes when reading is over and nothing runs on the connection any more. */
  private final Promise<Void> finished = Promise.promise();
  private final Promise<Long> started = Promise.promise();
  private final Promise<Void> released = Promise.promise();
  /** Its consumer: handlers, demand, and a failure that came before anyone listened (admission refused at once, say). */
  private final SourceOutlet outlet = new SourceOutlet();
  private ConnectionGate.Ticket ticket;
  /** The server the connection comes from, and goes back to be closed with its socket. */
  private ReadServers.Server server;
  private PgConnection connection;
  private Cursor cursor;
  private boolean statementRunning, reading, stopped, awaitingCredit;
  /** Whether the connection may serve another stream: not after a cancel request (a late one would hit the next stream), a failure, a close. */
  private boolean reusable = true;
  private boolean fetched;
  private long sent;
  private final Promise<Row> snapshotMark;

  /**
   * A stream of {@code dataset} with checked {@code arguments}, read from {@code position} (a key, a partition, the start). With
   * a {@code snapshotMark} (a followed stream's snapshot) it reads in {@code REPEATABLE READ}, first telling the mark {@code
   * pg_current_snapshot()} and {@code pg_current_wal_insert_lsn()}.
   */
  CursorStream(Vertx vertx, String streamId, String requestId, Dataset dataset, Tuple arguments, Position position, StreamConfig config,
      SluiceMetrics metrics, Promise<Row> snapshotMark) {
    this.vertx = vertx;
    this.streamId = streamId;
    this.log = RequestLog.of(LOG, requestId);
    this.dataset = dataset;
    this.arguments = arguments;
    this.position = position;
    this.keyIndexes = dataset.keyIndexes();
    this.config = config;
    this.statementTimeoutMs = dataset.statementTimeoutMs(config.statementTimeoutMs());
    this.metrics = metrics;
    this.snapshotMark = snapshotMark;
    this.converter = new RowConverter(dataset.sourceColumns());
    this.sizer = new BatchSizer(config.fetchSize(), () -> config.batchBytesAmong(ticket == null ? 1 : ticket.streams()));
  }

  /**
   * Starts the stream's work: admission, then connecting to {@code server} and {@code BEGIN} through its
   * breaker, which counts a database that cannot be reached; it reads as demand comes, and
   * {@link #released()} completes once everything is let go.
   */
  CursorStream run(ConnectionGate gate, ReadServers.Server server) {
    log.debug("dataset '{}': stream {} opened on {}", dataset.name(), streamId, server.name());
    metrics.cursorOpened();
    this.server = server;
    ticket = gate.enter();
    ticket.admitted()
        .compose(v -> stopped ? finished.future() : server.breaker().guard(() -> server.connections().open().compose(this::begin))
            .compose(this::openCursor))
        .onFailure(this::halt)
        .eventually(this::release)
        .onComplete(ar -> released.complete());
    return this;
  }

  @Override
  public List<Column> columns() {
    return dataset.columns();
  }

  @Override
  public Future<Long> started() {
    return started.future();
  }

  @Override
  public Future<Void> released() {
    return released.future();
  }

  @Override
  public CursorStream handler(Handler<RowBatch> handler) {
    outlet.handler(handler);
    return this;
  }

  @Override
  public CursorStream endHandler(Handler<Void> endHandler) {
    outlet.endHandler(endHandler);
    return this;
  }

  @Override
  public CursorStream exceptionHandler(Handler<Throwable> handler) {
    outlet.exceptionHandler(handler);
    return this;
  }

  @Override
  public CursorStream pause() {
    outlet.pause();
    return this;
  }

  @Override
  public CursorStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public CursorStream fetch(long amount) {
    if (amount > 0) {
      outlet.fetch(amount);
      readNext();
    }
    return this;
  }

  @Override
  public void cancel() {
    if (!stopped) {
      log.debug("dataset '{}': stream {} stopped: its consumer left", dataset.name(), streamId);
    }
    halt(null);
  }

  @Override
  public void stop(Failure why) {
    halt(why == null ? null : new FailureException(why));
  }

  /**
   * Takes the stream's connection and gets its statement ready: {@code BEGIN READ ONLY} (and a followed snapshot's mark),
   * prepare and {@code EXPLAIN}, sent at once, so the set-up costs one round trip (under load each waits for the server's and
   * this event loop's turn). Judged in the order sent: the first failure is the stream's error, not a later "transaction aborted".
   */
  private Future<PreparedStatement> begin(PgConnection conn) {
    connection = conn;
    // a paused stream learns of a dead connection only through it: see pitfalls
    conn.closeHandler(v -> halt(ClosedConnectionException.INSTANCE));
    // without a handler the client prints the error to stderr; it is the first word of why the connection ends
    // (PostgreSQL's FATAL, a reset), logged here with the stream's id while the close handler ends the stream
    conn.exceptionHandler(err -> log.info("dataset '{}': stream {}: the database connection failed: {}", dataset.name(), streamId,
        err.toString()));
    String begin = Transactions.begin(dataset, position, statementTimeoutMs, snapshotMark != null);
    return statement(() -> {
      Future<?> begun = conn.query(begin).execute();
      Future<?> marked = snapshotMark == null ? Future.succeededFuture() : conn
          .query("SELECT pg_current_snapshot()::text, pg_current_wal_insert_lsn()::text").execute()
          .map(rows -> snapshotMark.tryComplete(rows.iterator().next()));
      Future<PreparedStatement> prepared = conn.prepare(dataset.streamSql(position));
      Future<Long> estimate = conn.preparedQuery(dataset.explainSql(position)).execute(arguments)
          .map(plan -> Dataset.estimatedRows(plan.iterator().next().getValue(0)));
      // all answered (nothing left running on the connection), then judged in the order sent
      return Future.join(begun, marked, prepared, estimate).transform(all -> begun
          .recover(err -> Future.failedFuture(Transactions.beginFailed(position, err)))
          .compose(v -> marked)
          .compose(v -> prepared)
          .compose(statement -> announceStart(estimate).map(statement)));
    });
  }

  /**
   * Tells the consumer the statement is about to run, with the planner's estimate of its rows
   * ({@code EXPLAIN}, which plans but does not run it); an estimate that cannot be had is left
   * out, but a statement PostgreSQL refuses fails the stream.
   */
  private Future<Void> announceStart(Future<Long> explained) {
    return explained
        // PostgreSQL refusing the statement with these arguments has aborted the transaction: the
        // stream fails with that error, not with the "transaction aborted" of the statement after
        .recover(err -> err instanceof PgException ? Future.failedFuture(err) : Future.succeededFuture(null))
        .map(estimate -> {
          if (!stopped) {
            started.tryComplete(estimate);
          }
          return null;
        });
  }

  private Future<Void> openCursor(PreparedStatement prepared) {
    if (!stopped) {
      cursor = prepared.cursor(arguments);
      readNext();
    }
    return finished.future();
  }

  /** Reads the next batch if the consumer asked for one and no read is under way. */
  private void readNext() {
    if (stopped || cursor == null || reading) {
      return;
    }
    if (outlet.demand() == 0) {
      setAwaitingCredit(true);
      return;
    }
    setAwaitingCredit(false);
    reading = true;
    int rows = sizer.nextFetch();
    // the first fetch is part of the set-up: it takes no turn, so the first row never waits behind other streams' batches
    FetchTurns turns = fetched ? server.connections().turns() : null;
    fetched = true;
    Future<Void> turn = turns == null ? Future.succeededFuture() : turns.take();
    turn.compose(v -> statement(() -> cursor.read(rows))).onComplete(ar -> {
      reading = false;
      if (turns != null) {
        turns.done();
      }
      if (ar.failed()) {
        halt(ar.cause());
      } else if (!stopped) {
        deliver(ar.result());
      }
    });
  }

  private void deliver(RowSet<Row> rows) {
    if (rows.size() > 0) {
      List<Object[]> batch = new ArrayList<>(rows.size());
      List<Object[]> keys = new ArrayList<>(rows.size());
      for (Row row : rows) {
        Object[] values = converter.convert(row);
        batch.add(values);
        keys.add(keyOf(values));
      }
      metrics.rowsRead(batch.size());
      sizer.observe(batch);
      sent += batch.size();
      outlet.emit(new RowBatch(0, batch, keys));
    }
    if (stopped) {
      return; // the handler stopped it
    }
    if (cursor.hasMore()) {
      readNext();
    } else {
      halt(null);
      outlet.end();
    }
  }

  private Object[] keyOf(Object[] values) {
    Object[] key = new Object[keyIndexes.length];
    for (int i = 0; i < key.length; i++) {
      key[i] = values[keyIndexes[i]];
    }
    return key;
  }

  /**
   * Runs one statement on the stream's connection, unless the stream has stopped: a stop
   * while it runs cancels it. A database that does not answer within the statement timeout
   * and a grace counts as gone: the stream fails and its connection is closed.
   */
  private <T> Future<T> statement(Supplier<Future<T>> operation) {
    if (stopped) {
      return Future.failedFuture(new StreamStoppedException());
    }
    statementRunning = true;
    long guard = statementTimeoutMs > 0
        ? vertx.setTimer(statementTimeoutMs + ANSWER_GRACE_MS, id -> unanswered())
        : -1;
    return operation.get().andThen(ar -> {
      vertx.cancelTimer(guard);
      statementRunning = false;
      if (stopped) {
        finished.tryComplete();
      }
    });
  }

  private void unanswered() {
    reusable = false;
    halt(new DatabaseUnavailableException(new IllegalStateException(
        "no answer within " + (statementTimeoutMs + ANSWER_GRACE_MS) + " ms")));
    finished.tryComplete();
  }

  /** Stops reading, in whatever phase; the failure, if any, is reported to the consumer. */
  private void halt(Throwable failure) {
    if (stopped) {
      return;
    }
    stopped = true;
    reusable = reusable && failure == null && !statementRunning; // a closed connection fails the stream: never reused
    setAwaitingCredit(false);
    if (failure != null && !(failure instanceof StreamStoppedException)) {
      log.warn("dataset '{}' failed after {} rows: {}", dataset.name(), sent, failure.toString());
      FailureException failed = failure instanceof FailureException known ? known : new FailureException(DatabaseErrors.classify(failure));
      started.tryFail(failed);
      outlet.fail(failed);
    } else {
      started.tryFail(new StreamStoppedException());
    }
    if (ticket != null) {
      ticket.leave(); // a permit already held goes back only once the connection is closed
    }
    if (statementRunning && connection != null) {
      connection.cancelRequest();
      vertx.setTimer(RELEASE_TIMEOUT_MS, id -> finished.tryComplete());
    } else {
      finished.tryComplete();
    }
  }

  /** The one release path: close the stream's own connection, then give its permit back. */
  private Future<Void> release() {
    halt(null);
    Promise<Void> closed = Promise.promise();
    if (connection == null) {
      closed.complete();
    } else {
      connection.closeHandler(null);
      long guard = vertx.setTimer(RELEASE_TIMEOUT_MS, id -> closed.tryComplete());
      server.connections().release(connection, reusable).onComplete(ar -> {
        vertx.cancelTimer(guard);
        closed.tryComplete();
      });
    }
    return closed.future().onComplete(ar -> {
      metrics.cursorClosed();
      ticket.release();
      log.debug("dataset '{}': stream {} closed after {} rows", dataset.name(), streamId, sent);
    });
  }

  private void setAwaitingCredit(boolean waiting) {
    if (waiting != awaitingCredit) {
      awaitingCredit = waiting;
      metrics.awaitingCredit(waiting);
    }
  }
}
