package io.sluice.client;

import io.sluice.protocol.StreamError;
import java.util.List;

/**
 * A dataset stream that failed or was cut: why ({@link #error()}, with its stable code), and
 * the key of the last row delivered, after which a new stream goes on ({@link
 * SluiceClient#open} with {@code after}); empty when no row was delivered.
 */
public final class StreamFailedException extends RuntimeException {

  private final transient StreamError error;
  private final List<String> resumeAfter;

  StreamFailedException(StreamError error, List<String> resumeAfter) {
    super(error.code() + ": " + error.message(), null, false, false);
    this.error = error;
    this.resumeAfter = List.copyOf(resumeAfter);
  }

  public StreamError error() {
    return error;
  }

  public List<String> resumeAfter() {
    return resumeAfter;
  }
}
