package io.sluice.http;

import java.util.OptionalDouble;
import java.util.function.LongSupplier;

/**
 * The share of time a response spent blocked on its client's socket (its write queue full),
 * over consecutive windows of a fixed length, on a monotonic clock in nanoseconds. It is told
 * when the response blocks and unblocks, and asked at the end of each window.
 */
final class BlockedShareMeter {

  private final long windowNanos;
  private final LongSupplier clock;
  private long windowStart;
  private long blockedInWindow;
  private boolean blocked;
  private long blockedSince;

  BlockedShareMeter(long windowNanos, LongSupplier clock) {
    if (windowNanos <= 0) {
      throw new IllegalArgumentException("a window of " + windowNanos + " ns");
    }
    this.windowNanos = windowNanos;
    this.clock = clock;
    this.windowStart = clock.getAsLong();
  }

  /** The response blocked (true) or drained (false); repeating the current state changes nothing. */
  void blocked(boolean nowBlocked) {
    if (nowBlocked == blocked) {
      return;
    }
    long now = clock.getAsLong();
    if (nowBlocked) {
      blockedSince = now;
    } else {
      blockedInWindow += now - blockedSince;
    }
    blocked = nowBlocked;
  }

  /**
   * Empty while the current window lasts; once it is over, the share of it (0 to 1) spent
   * blocked, and a new window starts now. A late call closes a longer window, measured as long
   * as it really was.
   */
  OptionalDouble windowEnded() {
    long now = clock.getAsLong();
    long elapsed = now - windowStart;
    if (elapsed < windowNanos) {
      return OptionalDouble.empty();
    }
    long blockedNanos = blockedInWindow + (blocked ? now - blockedSince : 0);
    windowStart = now;
    blockedInWindow = 0;
    blockedSince = now;
    return OptionalDouble.of((double) blockedNanos / elapsed);
  }
}
