package io.sluice.protocol;

/** The producer refused an {@code open}: the request was invalid or the service unavailable. */
public class StreamRefusedException extends RuntimeException {

  private final StreamError error;

  public StreamRefusedException(StreamError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public StreamError error() {
    return error;
  }
}
