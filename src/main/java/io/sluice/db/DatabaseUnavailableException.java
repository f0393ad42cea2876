package io.sluice.db;

/** The database cannot be reached: a connection could not be opened, or it stopped answering. */
public class DatabaseUnavailableException extends RuntimeException {

  public DatabaseUnavailableException(Throwable cause) {
    super(cause.getMessage(), cause, false, false);
  }

  public DatabaseUnavailableException(String message) {
    super(message, null, false, false);
  }
}
