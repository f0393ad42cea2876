package io.sluice.http;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The heartbeats of a quiet stream ({@code http.heartbeatSeconds}, 0 for none): once its
 * statement runs, a response that wrote nothing for the interval sends its format's heartbeat,
 * which keeps proxies from giving up on it without changing what parsers read. The first beat
 * commits the 200, so a failure after it is a cut, as after rows. Looked at twice per interval.
 */
final class Heartbeat {

  private final Vertx vertx;
  private final long intervalNanos;
  private final LongSupplier nanosSinceWrite;
  private long timer = -1;
  private boolean stopped;

  Heartbeat(Vertx vertx, long intervalNanos, LongSupplier nanosSinceWrite) {
    this.vertx = vertx;
    this.intervalNanos = intervalNanos;
    this.nanosSinceWrite = nanosSinceWrite;
  }

  /** Starts beating, once, unless heartbeats are off or the format has none ({@code formatBeats}); {@code beat} sends one. */
  void start(BooleanSupplier formatBeats, Runnable beat) {
    if (!stopped && intervalNanos > 0 && timer < 0 && formatBeats.getAsBoolean()) {
      long periodMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(intervalNanos) / 2);
      timer = vertx.setPeriodic(periodMs, id -> {
        if (!stopped && nanosSinceWrite.getAsLong() >= intervalNanos) {
          beat.run();
        }
      });
    }
  }

  void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
