package io.sluice.changes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The committed transactions kept in memory, in commit order, at most {@code capacity} of them:
 * what late followers and resumes read. The slot reader appends from its thread; followers read
 * from theirs. {@link #start()} is the position before the oldest transaction still held: a
 * follower that needs anything at or before it must refetch. {@link #passed()} is the position
 * up to which every commit is held (or was evicted): the slot has been read that far.
 */
public final class RetainedLog {

  private final int capacity;
  private final Deque<Transaction> transactions = new ArrayDeque<>();
  private final Set<Runnable> listeners = new CopyOnWriteArraySet<>();
  private long start;
  private long passed;

  /** A log holding at most {@code capacity} transactions, whose reading starts at {@code start}. */
  public RetainedLog(int capacity, long start) {
    this.capacity = capacity;
    this.start = start;
    this.passed = start - 1; // a transaction may commit right at the slot's confirmed position
  }

  void append(Transaction transaction) {
    synchronized (this) {
      transactions.addLast(transaction);
      if (transactions.size() > capacity) {
        start = transactions.removeFirst().commitLsn();
      }
      passed = Math.max(passed, transaction.commitLsn());
    }
    listeners.forEach(Runnable::run);
  }

  void passed(long lsn) {
    synchronized (this) {
      passed = Math.max(passed, lsn);
    }
    listeners.forEach(Runnable::run);
  }

  /**
   * Forgets every transaction held and starts again at {@code newStart}, as a fresh log would:
   * for a node whose copy of the log has a hole it cannot fill, so that followers at a position
   * before it must refetch instead of skipping what the hole held.
   */
  void reset(long newStart) {
    synchronized (this) {
      transactions.clear();
      start = newStart;
      passed = newStart - 1;
    }
    listeners.forEach(Runnable::run);
  }

  /** The position before the oldest transaction held. */
  public synchronized long start() {
    return start;
  }

  /** Every commit up to this position has been appended. */
  public synchronized long passed() {
    return passed;
  }

  /** How many transactions are held. */
  public synchronized int size() {
    return transactions.size();
  }

  /**
   * The transactions committed after {@code lsn}, and the one committed at it, in commit order;
   * null when some of them may have been evicted ({@code lsn} is before {@link #start()}).
   */
  public synchronized List<Transaction> from(long lsn) {
    if (lsn < start) {
      return null;
    }
    List<Transaction> found = new ArrayList<>();
    var it = transactions.descendingIterator();
    while (it.hasNext()) {
      Transaction transaction = it.next();
      if (transaction.commitLsn() < lsn) {
        break;
      }
      found.add(transaction);
    }
    java.util.Collections.reverse(found);
    return found;
  }

  /** All the transactions held, oldest first, with the {@link #start()} they follow. */
  public synchronized Snapshot all() {
    return new Snapshot(start, List.copyOf(transactions));
  }

  /** What {@link #all()} returns. */
  public record Snapshot(long start, List<Transaction> transactions) {}

  /** Calls {@code listener} (on the reader's thread) after every append; returns what removes it. */
  public Runnable listen(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
