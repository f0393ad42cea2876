package io.sluice.cursor;

import java.util.HashSet;
import java.util.Set;

/**
 * Which transactions a snapshot saw, from {@code pg_current_snapshot()}'s text {@code
 * xmin:xmax:xip,...}: those below {@code xmax} and not in progress ({@code xip}) when it was
 * taken. A followed stream delivers, after its snapshot's rows, the changes of exactly the
 * transactions it did not see. Transaction ids from pgoutput are 32-bit; they are widened with
 * the snapshot's epoch.
 */
record SnapshotVisibility(long xmin, long xmax, Set<Long> inProgress) {

  static SnapshotVisibility parse(String text) {
    String[] parts = text.split(":", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a snapshot's visibility: " + text);
    }
    Set<Long> xip = new HashSet<>();
    if (parts.length > 2 && !parts[2].isEmpty()) {
      for (String xid : parts[2].split(",")) {
        xip.add(Long.parseLong(xid));
      }
    }
    return new SnapshotVisibility(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Set.copyOf(xip));
  }

  /** Whether the snapshot saw the committed transaction {@code xid} (32-bit, as pgoutput gives it). */
  boolean saw(long xid) {
    long full = widen(xid);
    return full < xmax && !inProgress.contains(full);
  }

  private long widen(long xid) {
    long candidate = (xmax & ~0xFFFFFFFFL) | (xid & 0xFFFFFFFFL);
    if (candidate > xmax + (1L << 31)) {
      candidate -= 1L << 32;
    } else if (candidate < xmax - (1L << 31)) {
      candidate += 1L << 32;
    }
    return candidate;
  }
}
