package io.sluice.protocol;

import io.sluice.value.Values;
import java.util.ArrayList;
import java.util.List;

/**
 * A stream that failed or was cut, as its {@link StreamConsumer} reports it: why ({@link
 * #error()}, with its stable code), and the key of the last row delivered, after which a new
 * stream goes on (a request with {@code after}); empty when no row was delivered.
 */
public final class StreamFailedException extends RuntimeException {

  private final transient StreamError error;
  private final List<String> resumeAfter;

  public StreamFailedException(StreamError error, Object[] lastKey) {
    super(error.code() + ": " + error.message(), null, false, false);
    this.error = error;
    List<String> key = new ArrayList<>();
    if (lastKey != null) {
      for (Object value : lastKey) {
        key.add(Values.text(value));
      }
    }
    this.resumeAfter = List.copyOf(key);
  }

  public StreamError error() {
    return error;
  }

  /** The key of the last row delivered, as text: the {@code after} of the request that goes on. */
  public List<String> resumeAfter() {
    return resumeAfter;
  }
}
