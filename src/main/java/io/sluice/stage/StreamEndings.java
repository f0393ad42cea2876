package io.sluice.stage;

import io.sluice.error.Failure;
import io.sluice.error.Reason;

/** The ways Sluice itself ends or refuses a stream, not its source: the failure the consumer gets says why. */
final class StreamEndings {

  /** Seconds a client should wait before it goes on, on another node, when one shuts down. */
  static final int SHUTTING_DOWN_RETRY_AFTER_SECONDS = 1;

  private StreamEndings() {}

  /** The node shuts down: a stream still running when the drain time is over ends, to go on elsewhere. */
  static Failure shuttingDown() {
    return Failure.of(Reason.SHUTTING_DOWN, "the node is shutting down: go on with the resume token, another node takes the stream")
        .withRetryAfter(SHUTTING_DOWN_RETRY_AFTER_SECONDS);
  }

  /** Why a new stream is refused while the node drains. */
  static Failure shuttingDownRefusal() {
    return Failure.of(Reason.SHUTTING_DOWN, "this node is shutting down and takes no new streams: retry, another node serves it")
        .withRetryAfter(SHUTTING_DOWN_RETRY_AFTER_SECONDS);
  }

  /** A stream ran longer than the configured whole-stream deadline. */
  static Failure deadline(long maxDurationMs) {
    return Failure.of(Reason.DEADLINE_EXCEEDED, "the stream ran past its deadline of " + maxDurationMs + " ms");
  }
}
