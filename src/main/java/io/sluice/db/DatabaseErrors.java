package io.sluice.db;

import io.sluice.error.Failure;
import io.sluice.error.Reason;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;

/** Maps a database failure to a {@link Failure}, by SQLSTATE class, never by message text. */
public final class DatabaseErrors {

  /** How long a client should wait before trying again when the database cannot be reached. */
  static final int RETRY_AFTER_SECONDS = 5;
  private static final String TOO_MANY_CONNECTIONS = "53300";

  private DatabaseErrors() {}

  /**
   * Whether {@code err} says the database cannot be reached (what the {@link DatabaseBreaker}
   * counts): a connection that could not be opened, was lost (closed, or an I/O error under a
   * statement) or stopped answering, or SQLSTATE
   * classes 08 (connection), 53 (insufficient resources) and 57P (operator intervention).
   * Refusals, bad requests, cancels and statement timeouts are not, nor a server whose
   * connection slots are all taken (53300): it answers, it is only full, which is {@link #isFull}.
   */
  public static boolean isUnavailable(Throwable err) {
    if (isFull(err)) {
      return false;
    }
    if (err instanceof PgException pg) {
      String state = pg.getSqlState() == null ? "" : pg.getSqlState();
      return state.startsWith("08") || state.startsWith("53") || state.startsWith("57P");
    }
    // an I/O error is the connection failing under a statement (a reset, a broken pipe)
    return err instanceof DatabaseUnavailableException || err instanceof ClosedConnectionException || err instanceof IOException;
  }

  /** Whether {@code err} is the server refusing a connection because all its slots are taken ({@code too_many_connections}, 53300). */
  public static boolean isFull(Throwable err) {
    Throwable cause = err instanceof DatabaseUnavailableException ? err.getCause() : err; // a failed connection attempt wraps it
    return cause instanceof PgException pg && TOO_MANY_CONNECTIONS.equals(pg.getSqlState());
  }

  /**
   * The public error for {@code err}: a stable code, the SQLSTATE when PostgreSQL raised it, and
   * a message of Sluice's own. PostgreSQL's text (which may quote values, names or SQL) and the
   * driver's never go into it: whoever classifies a failure logs it, with the request id.
   */
  public static Failure classify(Throwable err) {
    if (isFull(err)) {
      return Failure.ofDatabase(Reason.BUSY, "busy: the database has no connection slot free for this stream (max_connections)", TOO_MANY_CONNECTIONS)
          .withRetryAfter(RETRY_AFTER_SECONDS);
    }
    if (err instanceof PgException pg) {
      String state = pg.getSqlState() == null ? "" : pg.getSqlState();
      if (state.equals("57014")) {
        return Failure.ofDatabase(Reason.QUERY_TIMEOUT, "the query was cancelled, normally by its statement timeout", state);
      }
      if (isUnavailable(pg)) {
        return Failure.ofDatabase(Reason.DATABASE_UNAVAILABLE, "the database is unavailable", state).withRetryAfter(RETRY_AFTER_SECONDS);
      }
      if (state.startsWith("22")) {
        return Failure.ofDatabase(Reason.BAD_REQUEST, "data exception: the query failed on a value (see sqlState)", state);
      }
      return Failure.ofDatabase(Reason.QUERY_FAILED, "the query failed (see sqlState)", state);
    }
    if (err instanceof ClosedConnectionException || err instanceof IOException) {
      return Failure.of(Reason.DATABASE_UNAVAILABLE, "database connection lost").withRetryAfter(RETRY_AFTER_SECONDS);
    }
    if (err instanceof BreakerOpenException open) {
      return Failure.of(Reason.DATABASE_UNAVAILABLE, open.getMessage()).withRetryAfter(open.retryAfterSeconds());
    }
    if (err instanceof BusyException busy) {
      return Failure.of(Reason.BUSY, "busy: " + busy.getMessage()).withRetryAfter(busy.retryAfterSeconds());
    }
    if (err instanceof DatabaseUnavailableException) {
      return Failure.of(Reason.DATABASE_UNAVAILABLE, "cannot reach the database").withRetryAfter(RETRY_AFTER_SECONDS);
    }
    return Failure.of(Reason.INTERNAL, "internal error");
  }
}
