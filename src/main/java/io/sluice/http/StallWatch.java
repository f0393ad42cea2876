package io.sluice.http;

import io.sluice.protocol.StreamError;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Gives up a client that takes nothing: while the response waits on its socket (blocked), a
 * client that took no byte for {@code http.stallTimeoutSeconds} is stalled, whatever it sends
 * (an idle timeout counts reads too). Only the socket's waits count: a rate cap's never do.
 * Looked at four times per timeout, never more often than every 50 ms.
 */
final class StallWatch {

  private final Vertx vertx;
  private final long stallNanos;
  private final LongSupplier nanosSinceTaken;
  private long timer = -1;
  private boolean blocked;
  private boolean stopped;

  StallWatch(Vertx vertx, long stallNanos, LongSupplier nanosSinceTaken) {
    this.vertx = vertx;
    this.stallNanos = stallNanos;
    this.nanosSinceTaken = nanosSinceTaken;
  }

  /** Starts watching; {@code stalled} hears of a stalled client, with the error its stream ends with. */
  void start(Consumer<StreamError> stalled) {
    timer = vertx.setPeriodic(Math.max(50, TimeUnit.NANOSECONDS.toMillis(stallNanos) / 4), id -> check(stalled));
  }

  /** The response blocked on its socket (true), or drained (false). */
  void blocked(boolean nowBlocked) {
    blocked = nowBlocked;
  }

  private void check(Consumer<StreamError> stalled) {
    long idleNanos = nanosSinceTaken.getAsLong();
    if (stopped || !blocked || idleNanos < stallNanos) {
      return;
    }
    stalled.accept(StreamError.of(StreamError.CLIENT_STALLED, 408,
        "the client took nothing for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos) + " s"));
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
  }
}
