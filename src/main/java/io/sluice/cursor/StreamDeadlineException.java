package io.sluice.cursor;

import io.sluice.protocol.StreamError;

/** A stream ran longer than the configured whole-stream deadline. */
final class StreamDeadlineException extends StreamEndedException {

  StreamDeadlineException(long maxDurationMs) {
    super("the stream ran past its deadline of " + maxDurationMs + " ms");
  }

  @Override
  StreamError error() {
    return StreamError.of(StreamError.DEADLINE_EXCEEDED, 504, getMessage());
  }
}
