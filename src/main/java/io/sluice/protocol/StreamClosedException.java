package io.sluice.protocol;

/** The other end of a stream is gone (it cancelled, or was silent past the lease): the stream carries nothing more. */
public final class StreamClosedException extends RuntimeException {

  public StreamClosedException(String reason) {
    super(reason, null, false, false);
  }
}
