package io.sluice.changes;

import java.util.List;

/**
 * What the node reading the slot tells the others, on the event bus: the committed
 * {@code transactions} read since its last batch and the position {@code passed} up to which
 * every commit has now been sent. A node may apply a batch only when its own log has passed
 * {@code after} (what the sender's previous batch brought it to); otherwise it missed one and
 * catches up. A {@code reset} batch (an answer to a catch-up the sender can no longer serve)
 * holds the sender's whole log from {@code start}. {@code lagBytes} is the slot's lag as the
 * reader last measured it.
 */
record ChangeBatch(long after, boolean reset, long start, List<Transaction> transactions, long passed, long lagBytes) {

  /** A batch that asks whoever receives it to catch up: its sender lost what came before. */
  static final long GAP = Long.MAX_VALUE;

  /** The position of a log that applied this batch: every commit up to it is held. */
  long reaches() {
    long reached = passed;
    for (Transaction transaction : transactions) {
      reached = Math.max(reached, transaction.commitLsn());
    }
    return reached;
  }
}
