package io.sluice.db;

import io.sluice.protocol.StreamError;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;

/** Maps a database failure to a {@link StreamError}, by SQLSTATE class, never by message text. */
public final class DatabaseErrors {

  /** How long a client should wait before trying again when the database cannot be reached. */
  static final int RETRY_AFTER_SECONDS = 5;

  private DatabaseErrors() {}

  /**
   * Whether {@code err} says the database cannot be reached (what the {@link DatabaseBreaker}
   * counts): a connection that could not be opened, was lost (closed, or an I/O error under a
   * statement) or stopped answering, or SQLSTATE
   * classes 08 (connection), 53 (insufficient resources) and 57P (operator intervention).
   * Refusals, bad requests, cancels and statement timeouts are not.
   */
  public static boolean isUnavailable(Throwable err) {
    if (err instanceof PgException pg) {
      String state = pg.getSqlState() == null ? "" : pg.getSqlState();
      return state.startsWith("08") || state.startsWith("53") || state.startsWith("57P");
    }
    // an I/O error is the connection failing under a statement (a reset, a broken pipe)
    return err instanceof DatabaseUnavailableException || err instanceof ClosedConnectionException || err instanceof IOException;
  }

  /**
   * The public error for {@code err}: a stable code, the SQLSTATE when PostgreSQL raised it, and
   * a message of Sluice's own. PostgreSQL's text (which may quote values, names or SQL) and the
   * driver's never go into it: whoever classifies a failure logs it, with the request id.
   */
  public static StreamError classify(Throwable err) {
    if (err instanceof PgException pg) {
      String state = pg.getSqlState() == null ? "" : pg.getSqlState();
      if (state.equals("57014")) {
        return new StreamError(StreamError.QUERY_TIMEOUT, 504, "the query was cancelled, normally by its statement timeout", null, state,
            null);
      }
      if (isUnavailable(pg)) {
        return new StreamError(StreamError.DATABASE_UNAVAILABLE, 503, "the database is unavailable", null, state, RETRY_AFTER_SECONDS);
      }
      if (state.startsWith("22")) {
        return new StreamError(StreamError.BAD_REQUEST, 400, "data exception: the query failed on a value (see sqlState)", null, state,
            null);
      }
      return new StreamError(StreamError.QUERY_FAILED, 500, "the query failed (see sqlState)", null, state, null);
    }
    if (err instanceof ClosedConnectionException || err instanceof IOException) {
      return StreamError.of(StreamError.DATABASE_UNAVAILABLE, 503, "database connection lost").withRetryAfter(RETRY_AFTER_SECONDS);
    }
    if (err instanceof BreakerOpenException open) {
      return StreamError.of(StreamError.DATABASE_UNAVAILABLE, 503, open.getMessage()).withRetryAfter(open.retryAfterSeconds());
    }
    if (err instanceof BusyException busy) {
      return StreamError.of(StreamError.BUSY, 503, "busy: " + busy.getMessage()).withRetryAfter(busy.retryAfterSeconds());
    }
    if (err instanceof DatabaseUnavailableException) {
      return StreamError.of(StreamError.DATABASE_UNAVAILABLE, 503, "cannot reach the database").withRetryAfter(RETRY_AFTER_SECONDS);
    }
    return StreamError.of(StreamError.INTERNAL, 500, "internal error");
  }
}
