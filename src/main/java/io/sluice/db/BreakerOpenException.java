package io.sluice.db;

/** A stream refused without touching the database, because the {@link DatabaseBreaker} is open. */
public final class BreakerOpenException extends RuntimeException {

  private final int retryAfterSeconds;

  BreakerOpenException(String message, int retryAfterSeconds) {
    super(message, null, false, false);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
