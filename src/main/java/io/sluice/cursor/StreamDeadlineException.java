package io.sluice.cursor;

/** A stream ran longer than the configured whole-stream deadline. */
final class StreamDeadlineException extends RuntimeException {

  StreamDeadlineException(long maxDurationMs) {
    super("the stream ran past its deadline of " + maxDurationMs + " ms", null, false, false);
  }
}
