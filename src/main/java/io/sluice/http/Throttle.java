package io.sluice.http;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * The rate cap of a stream ({@code max_rate}, or its dataset's {@code maxRowsPerSecond}): its
 * {@link RateCap} takes each batch the response receives, and while the cap is empty the
 * response's write queue counts as full: the pipe pauses the stream, which grants no credit,
 * so the cursor fetches nothing until a timer finds the cap refilled and the response drains.
 * The cap only empties when a batch is taken, so one timer at a time suffices. Its waits are
 * not the client's: they never count towards the stall timeout nor towards the blocked share
 * that sampling measures. A stream without a cap is never held back.
 */
final class Throttle {

  private final Vertx vertx;
  /** Null unless the stream's rate is capped. */
  private final RateCap cap;
  private Runnable refilled;
  private long timer = -1;
  private boolean stopped;

  Throttle(Vertx vertx, RateCap cap) {
    this.vertx = vertx;
    this.cap = cap;
  }

  /** {@code refilled} runs when the cap, empty, gives rows again. */
  void start(Runnable refilled) {
    this.refilled = refilled;
  }

  /** Takes {@code rows} from the cap, into debt if need be. */
  void take(int rows) {
    if (cap != null) {
      cap.take(rows);
      awaitRefill();
    }
  }

  /** True while the cap is empty: no more rows should be taken. */
  boolean empty() {
    return cap != null && cap.empty();
  }

  private void awaitRefill() {
    long waitNanos = cap.nanosUntilAvailable();
    if (stopped || timer >= 0 || waitNanos == 0) {
      return;
    }
    timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)), id -> {
      timer = -1;
      if (cap.empty()) {
        awaitRefill();
      } else {
        refilled.run();
      }
    });
  }

  void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
