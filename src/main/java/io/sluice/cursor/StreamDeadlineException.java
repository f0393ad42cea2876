package io.sluice.cursor;

import io.sluice.error.Failure;
import io.sluice.error.Reason;

/** A stream ran longer than the configured whole-stream deadline. */
final class StreamDeadlineException extends StreamEndedException {

  StreamDeadlineException(long maxDurationMs) {
    super("the stream ran past its deadline of " + maxDurationMs + " ms");
  }

  @Override
  Failure error() {
    return Failure.of(Reason.DEADLINE_EXCEEDED, getMessage());
  }
}
