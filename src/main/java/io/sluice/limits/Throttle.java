package io.sluice.limits;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * The rate cap of one stream, whatever its transport ({@code max_rate}, or its dataset's {@code
 * maxRowsPerSecond}): its {@link RateCap} takes each batch the stream passes on, and while the
 * cap is empty the stream's write queue counts as full, so the pipe feeding it pauses, no
 * credit goes upstream and the cursor fetches nothing until a timer finds the cap refilled and
 * the stream drains. The cap only empties when a batch is taken, so one timer at a time
 * suffices. Its waits are not the client's: HTTP never counts them towards the stall timeout
 * nor the blocked share that sampling measures. A stream without a cap is never held back.
 */
public final class Throttle {

  private final Vertx vertx;
  /** Null unless the stream's rate is capped. */
  private final RateCap cap;
  private Runnable refilled;
  private long timer = -1;
  private boolean stopped;

  public Throttle(Vertx vertx, RateCap cap) {
    this.vertx = vertx;
    this.cap = cap;
  }

  /**
   * The throttle of a stream capped at {@code rowsPerSecond} (null: not capped), in bursts of
   * about one batch of {@code batchRows}, never more than a second's worth.
   */
  public static Throttle of(Vertx vertx, Long rowsPerSecond, int batchRows) {
    return new Throttle(vertx, rowsPerSecond == null ? null
        : new RateCap(rowsPerSecond, Math.max(1, Math.min(rowsPerSecond, batchRows)), System::nanoTime));
  }

  /** {@code refilled} runs when the cap, empty, gives rows again. */
  public void start(Runnable refilled) {
    this.refilled = refilled;
  }

  /** Takes {@code rows} from the cap, into debt if need be. */
  public void take(int rows) {
    if (cap != null) {
      cap.take(rows);
      awaitRefill();
    }
  }

  /** True while the cap is empty: no more rows should be taken. */
  public boolean empty() {
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

  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
