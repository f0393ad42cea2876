package io.sluice.http;

import io.sluice.value.RowBatch;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The sampling of a stream that asked for {@code degrade=sample}: its {@link SamplingPolicy},
 * told when the response blocks on its socket, asked which rows of each batch to keep, and
 * whose measuring window a timer closes within a quarter of its length after its end. When its
 * client kept it blocked too long, the stream sends one row in 5, then in 10, of the rows it
 * receives (credits flow back per batch as before), and the response announces each rate
 * in-band before the rows it applies to. A stream that did not ask keeps every row.
 */
final class Sampler {

  private final Vertx vertx;
  /** Null unless the client asked for {@code degrade=sample}. */
  private final SamplingPolicy policy;
  private final long checkMs;
  private long timer = -1;
  private boolean stopped;

  /** Samples with {@code policy}, its windows {@code windowNanos} long; null for a stream that keeps every row. */
  Sampler(Vertx vertx, SamplingPolicy policy, long windowNanos) {
    this.vertx = vertx;
    this.policy = policy;
    this.checkMs = Math.max(50, TimeUnit.NANOSECONDS.toMillis(windowNanos) / 4);
  }

  /** Starts closing windows; {@code raised} hears of each new rate, to announce it before the next row. */
  void start(IntConsumer raised) {
    if (policy != null) {
      timer = vertx.setPeriodic(checkMs, id -> {
        if (!stopped && policy.check()) {
          raised.accept(policy.rate());
        }
      });
    }
  }

  /** The rows of {@code batch} to send: all of them unless sampling. */
  RowBatch sample(RowBatch batch) {
    return policy == null ? batch : policy.sample(batch);
  }

  /** The response blocked on its socket (true), or drained (false). */
  void blocked(boolean nowBlocked) {
    if (policy != null) {
      policy.blocked(nowBlocked);
    }
  }

  /** One row in this many is sent. */
  int rate() {
    return policy == null ? 1 : policy.rate();
  }

  void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
