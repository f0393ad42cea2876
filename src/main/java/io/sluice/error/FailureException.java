package io.sluice.error;

/** An exception that carries the {@link Failure} a client is told about. */
public class FailureException extends RuntimeException {

  private final transient Failure failure;

  public FailureException(Failure failure) {
    super(failure.message(), null, false, false);
    this.failure = failure;
  }

  public Failure failure() {
    return failure;
  }
}
