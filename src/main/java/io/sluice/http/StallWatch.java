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
 *
 * <p>While blocked, the socket is looked at every {@value #LOOK_MS} ms, because the kernel
 * taking part of a write is seen only by looking (see {@link SocketProgress}), and the last look
 * is timed for the exact moment the timeout runs out: a stalled client is cut at most a look
 * late after it last took a byte, never early. Nothing runs while the response is not blocked.
 */
final class StallWatch {

  /** How often a blocked response's socket is looked at for bytes the client took. */
  static final long LOOK_MS = 100;

  private final Vertx vertx;
  private final long stallNanos;
  private final LongSupplier nanosSinceTaken;
  private Consumer<StreamError> stalled;
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
    this.stalled = stalled;
    if (blocked) {
      look();
    }
  }

  /** The response blocked on its socket (true), or drained (false). */
  void blocked(boolean nowBlocked) {
    if (nowBlocked == blocked) {
      return;
    }
    blocked = nowBlocked;
    cancelTimer();
    if (nowBlocked) {
      look();
    }
  }

  private void look() {
    timer = -1;
    if (stopped || !blocked || stalled == null) {
      return;
    }
    long idleNanos = nanosSinceTaken.getAsLong();
    if (idleNanos >= stallNanos) {
      stopped = true;
      stalled.accept(StreamError.of(StreamError.CLIENT_STALLED, 408,
          "the client took nothing for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos) + " s"));
      return;
    }
    long untilStalled = stallNanos - idleNanos;
    long nextLook = Math.min(untilStalled, TimeUnit.MILLISECONDS.toNanos(LOOK_MS));
    timer = vertx.setTimer(Math.max(1, (nextLook + 999_999) / 1_000_000), id -> look());
  }

  private void cancelTimer() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  void stop() {
    stopped = true;
    cancelTimer();
  }
}
