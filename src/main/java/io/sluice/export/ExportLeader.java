package io.sluice.export;

import io.sluice.dataset.Dataset;
import io.sluice.db.ConnectionGate;
import io.sluice.db.StreamConnections;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

/**
 * The connection that holds an export's snapshot: admitted by the node's gate like a stream
 * (it is one of {@code database.poolSize}), a connection of its own, {@code
 * idle_in_transaction_session_timeout = 0} so the server does not end it while it waits,
 * {@code BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY} and {@code pg_export_snapshot()}.
 * The snapshot lives as long as this transaction; {@link #release()} is the one way it ends,
 * closing the connection and then giving the permit back.
 */
final class ExportLeader {

  private final ConnectionGate.Ticket ticket;
  private final StreamConnections connections;
  private final long heldSinceNanos = System.nanoTime();
  private final Promise<Void> released = Promise.promise();
  private PgConnection connection;
  private String snapshot;
  private boolean releasing;

  private ExportLeader(ConnectionGate gate, StreamConnections connections) {
    this.ticket = gate.enter();
    this.connections = connections;
  }

  /**
   * Opens a leader for {@code dataset} (as its database role, if it has one), its snapshot
   * exported; {@code lost} runs if the connection ends by itself. On failure it has released.
   */
  static Future<ExportLeader> open(ConnectionGate gate, StreamConnections connections, Dataset dataset, long statementTimeoutMs,
      Runnable lost) {
    ExportLeader leader = new ExportLeader(gate, connections);
    String role = dataset.definition().databaseRole();
    // one round trip: the session's settings, the transaction, and its snapshot exported
    String begin = "SET idle_in_transaction_session_timeout = 0; SET statement_timeout = " + statementTimeoutMs
        + "; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        // a name checked against [a-z_][a-z0-9_]* when the configuration was read
        + (role == null ? "" : "; SET LOCAL ROLE \"" + role + "\"")
        + "; SELECT pg_export_snapshot()";
    return leader.ticket.admitted()
        .compose(v -> connections.open())
        .compose(conn -> {
          leader.connection = conn;
          conn.closeHandler(v -> lost.run());
          return conn.query(begin).execute();
        })
        .map(results -> {
          RowSet<Row> last = results;
          while (last.next() != null) {
            last = last.next();
          }
          leader.snapshot = last.iterator().next().getString(0);
          return leader;
        })
        .recover(err -> leader.release().transform(ar -> Future.failedFuture(err)));
  }

  /** The id of the snapshot its transaction exported, which partitions import with {@code SET TRANSACTION SNAPSHOT}. */
  String snapshot() {
    return snapshot;
  }

  PgConnection connection() {
    return connection;
  }

  /** Since when it holds its snapshot, by {@link System#nanoTime()}. */
  long heldSinceNanos() {
    return heldSinceNanos;
  }

  /** Ends the snapshot: closes the connection (which ends its transaction), then gives the permit back; idempotent. */
  synchronized Future<Void> release() {
    if (!releasing) {
      releasing = true;
      Future<Void> closed = Future.succeededFuture();
      if (connection != null) {
        connection.closeHandler(null);
        closed = connections.close(connection);
      }
      closed.onComplete(ar -> {
        ticket.release();
        released.complete();
      });
    }
    return released.future();
  }
}
