package io.sluice.db;

/**
 * A stream was refused a database connection because every one is taken: the service is
 * busy, the database may be fine. {@link #retryAfterSeconds()} is when to try again.
 */
public final class BusyException extends RuntimeException {

  private final int retryAfterSeconds;

  public BusyException(String message, int retryAfterSeconds) {
    super(message, null, false, false);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
