package io.sluice.protocol;

import io.sluice.value.Values;
import java.util.ArrayList;
import java.util.List;

/**
 * A stream that failed or was cut, as its {@link StreamConsumer} reports it: why ({@link
 * #error()}, with its stable code) and where a new stream goes on: {@link #resumeToken()}, the
 * signed token after the last row delivered (open with it), and, for older callers, {@link
 * #resumeAfter()}, that row's key (a request with {@code after}); empty when no row was delivered.
 */
public final class StreamFailedException extends RuntimeException {

  private final transient StreamError error;
  private final List<String> resumeAfter;
  private final String resumeToken;

  public StreamFailedException(StreamError error, Object[] lastKey) {
    this(error, lastKey, null);
  }

  /** A failure after the row with {@code lastKey}, where {@code resumeToken} goes on (null: none was minted). */
  public StreamFailedException(StreamError error, Object[] lastKey, String resumeToken) {
    super(error.code() + ": " + error.message(), null, false, false);
    this.error = error;
    this.resumeToken = resumeToken;
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

  /**
   * The signed resume token after the last row delivered, to open the stream that goes on with
   * ({@code SluiceClient.open(request, token)}, or the open frame's {@code resumeToken}); null when
   * the stream was opened from its start by a client that received nothing, or its producer mints
   * no tokens (a stream the HTTP stage opened).
   */
  public String resumeToken() {
    return resumeToken;
  }

  /** The key of the last row delivered, as text: the {@code after} of the request that goes on (kept for older callers). */
  public List<String> resumeAfter() {
    return resumeAfter;
  }
}
