package io.sluice.limits;

import java.util.function.LongSupplier;

/**
 * A token bucket in rows per second on a monotonic clock in nanoseconds, kept as the time at
 * which the rows taken so far are paid for (a generic cell rate algorithm): taking rows
 * moves that time forward by their cost, idle time never counts for more than {@code burst}
 * rows. Rows arrive a batch at a time and a batch already read must be written, so {@link
 * #take} always succeeds and may leave the bucket in debt; it is then {@link #empty} until
 * the debt is paid, {@link #nanosUntilAvailable} from now. Over any interval of {@code t}
 * seconds, the rows taken while it was not empty are at most {@code rate * t + burst}, plus
 * the one batch that emptied it.
 */
public final class RateCap {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final long rowsPerSecond;
  /** How far ahead of now the paid-up time may be while the bucket still gives rows: the burst's cost. */
  private final long toleranceNanos;
  private final LongSupplier clock;
  /** When the rows taken so far are paid for. */
  private long paidUntil;

  public RateCap(long rowsPerSecond, long burst, LongSupplier clock) {
    if (rowsPerSecond < 1 || burst < 1) {
      throw new IllegalArgumentException("a rate of " + rowsPerSecond + " rows/s with a burst of " + burst);
    }
    this.rowsPerSecond = rowsPerSecond;
    this.toleranceNanos = cost(burst);
    this.clock = clock;
    this.paidUntil = clock.getAsLong();
  }

  public long rowsPerSecond() {
    return rowsPerSecond;
  }

  /** Takes {@code rows}, into debt if need be. */
  public void take(long rows) {
    paidUntil = Math.max(paidUntil, clock.getAsLong()) + cost(rows);
  }

  /** True while rows taken are not yet paid for beyond the burst: no more should be taken. */
  public boolean empty() {
    return nanosUntilAvailable() > 0;
  }

  /** How long until the bucket gives rows again; 0 when it does now. */
  public long nanosUntilAvailable() {
    return Math.max(0, paidUntil - toleranceNanos - clock.getAsLong());
  }

  /** The nanoseconds {@code rows} rows cost, rounded up. */
  private long cost(long rows) {
    return -Math.floorDiv(-Math.multiplyExact(rows, NANOS_PER_SECOND), rowsPerSecond);
  }
}
