package io.sluice.db;

/** No connection could be had: the pool is full or timed out, or the server cannot be reached. */
public class DatabaseUnavailableException extends RuntimeException {

  public DatabaseUnavailableException(Throwable cause) {
    super(cause.getMessage(), cause, false, false);
  }
}
