package io.sluice.cursor;

import io.sluice.error.Failure;
import io.sluice.error.Reason;

/** The node shuts down: a stream still running when the drain time is over ends, to go on elsewhere. */
final class ShuttingDownException extends StreamEndedException {

  /** Seconds a client should wait before it goes on, on another node. */
  static final int RETRY_AFTER_SECONDS = 1;

  ShuttingDownException() {
    super("the node is shutting down: go on with the resume token, another node takes the stream");
  }

  /** Why a new stream is refused while the node drains. */
  static Failure refusal() {
    return Failure.of(Reason.SHUTTING_DOWN, "this node is shutting down and takes no new streams: retry, another node serves it")
        .withRetryAfter(RETRY_AFTER_SECONDS);
  }

  @Override
  Failure error() {
    return Failure.of(Reason.SHUTTING_DOWN, getMessage()).withRetryAfter(RETRY_AFTER_SECONDS);
  }
}
