package io.sluice.db;

import io.sluice.protocol.StreamError;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/** Maps a database failure to a {@link StreamError}, by SQLSTATE class, never by message text. */
public final class DatabaseErrors {

  private DatabaseErrors() {}

  public static StreamError classify(Throwable err) {
    if (err instanceof PgException pg) {
      String state = pg.getSqlState() == null ? "" : pg.getSqlState();
      String message = pg.getErrorMessage();
      if (state.equals("57014")) {
        return new StreamError(StreamError.QUERY_TIMEOUT, 504, "query cancelled: " + message, null, state);
      }
      if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")) {
        return new StreamError(StreamError.DATABASE_UNAVAILABLE, 503, "database unavailable: " + message, null, state);
      }
      if (state.startsWith("22")) {
        return new StreamError(StreamError.BAD_REQUEST, 400, "data exception: " + message, null, state);
      }
      return new StreamError(StreamError.QUERY_FAILED, 500, "query failed: " + message, null, state);
    }
    if (err instanceof ClosedConnectionException) {
      return StreamError.of(StreamError.DATABASE_UNAVAILABLE, 503, "database connection lost");
    }
    if (err instanceof DatabaseUnavailableException) {
      return StreamError.of(StreamError.DATABASE_UNAVAILABLE, 503, "no database connection available: " + err.getMessage());
    }
    return StreamError.of(StreamError.INTERNAL, 500, "internal error: " + err.getMessage());
  }
}
