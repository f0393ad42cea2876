package io.sluice.changes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed transactions that late followers and resumes read, in commit order: the newest
 * {@code capacity} in memory and, when the log has a disk part ({@link #open}), every one of
 * them also in append-only segment files bounded in bytes ({@link LogSegments}), which outlive
 * a restart. The slot reader appends from its thread; followers read from theirs. {@link
 * #start()} is the position before the oldest transaction still held: a follower that needs
 * anything at or before it must refetch. {@link #passed()} is the position up to which every
 * commit is held (or was evicted): the slot has been read that far. {@link #durable()} is how
 * far of it is on disk, forced ({@link #sync()}): the slot is confirmed no further.
 */
public final class RetainedLog implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RetainedLog.class);

  private final int capacity;
  private final LogSegments disk;
  private final Deque<Transaction> transactions = new ArrayDeque<>();
  private final Set<Runnable> listeners = new CopyOnWriteArraySet<>();
  private long start;
  /** The position before the oldest transaction in memory; older ones are read from disk. */
  private long memoryStart;
  private long passed;
  private long durable;

  /** A log in memory only, holding at most {@code capacity} transactions, whose reading starts at {@code start}. */
  public RetainedLog(int capacity, long start) {
    this(capacity, null, start, start - 1); // a transaction may commit right at the slot's confirmed position
  }

  private RetainedLog(int capacity, LogSegments disk, long start, long passed) {
    this.capacity = capacity;
    this.disk = disk;
    this.start = start;
    this.memoryStart = passed;
    this.passed = passed;
    this.durable = passed;
  }

  /**
   * A log whose disk part lives in {@code dir} (at most {@code maxBytes}), reloaded from what an
   * earlier run left there. {@code slotStart} is the slot's confirmed position: when the disk
   * holds nothing, or stops before it (the slot was recreated, the directory is another's), the
   * disk is cleared and the log starts there; otherwise reading the slot resumes after the last
   * transaction on disk, which the slot sends again and the reader skips. {@code source} names
   * the database and slot: a directory written for another is cleared.
   */
  public static RetainedLog open(int capacity, Path dir, long maxBytes, long slotStart, String source) throws IOException {
    LogSegments disk = LogSegments.open(dir, maxBytes, slotStart, source);
    if (disk.last() < slotStart - 1) {
      if (disk.last() >= disk.start()) {
        LOG.warn("follow: the log in {} ends at {}, before the slot's confirmed position {}: it is cleared", dir, Lsn.text(disk.last()),
            Lsn.text(slotStart));
      }
      disk.reset(slotStart);
    }
    long passed = disk.last();
    LOG.info("follow: retained log in {}: {} bytes, from {} to {}", dir, disk.bytes(), Lsn.text(disk.start()), Lsn.text(passed));
    return new RetainedLog(capacity, disk, disk.start(), passed);
  }

  /** Appends a committed transaction (to the disk part too: written, not yet forced). */
  void append(Transaction transaction) {
    synchronized (this) {
      if (disk != null) {
        disk.append(transaction);
        start = Math.max(start, disk.start());
      }
      transactions.addLast(transaction);
      if (transactions.size() > capacity) {
        memoryStart = transactions.removeFirst().commitLsn();
        if (disk == null) {
          start = memoryStart;
        }
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
   * Makes everything appended so far durable (records the passed position, forces the segment
   * to disk) and returns {@link #durable()}: how far the slot may be confirmed. Called by the
   * one thread that appends. Without a disk part, the position passed.
   */
  long sync() {
    long reached;
    synchronized (this) {
      reached = passed;
      if (disk == null) {
        durable = reached;
        return reached;
      }
      disk.mark(reached);
    }
    disk.force();
    synchronized (this) {
      durable = Math.max(durable, reached);
      return durable;
    }
  }

  /** The position before the oldest transaction held. */
  public synchronized long start() {
    return start;
  }

  /** Every commit up to this position has been appended. */
  public synchronized long passed() {
    return passed;
  }

  /** Every commit up to this position is on disk, forced (with no disk part: {@link #passed()}, as of the last sync). */
  public synchronized long durable() {
    return durable;
  }

  /** How many transactions are held in memory. */
  public synchronized int size() {
    return transactions.size();
  }

  /** The bytes of the disk part, 0 without one. */
  public long diskBytes() {
    return disk == null ? 0 : disk.bytes();
  }

  /** Whether {@link #from(long, int)} at {@code lsn} is answered from memory, without reading the disk. */
  public synchronized boolean inMemory(long lsn) {
    return lsn >= memoryStart || lsn < start;
  }

  /**
   * The transactions committed after {@code lsn}, and the one committed at it, in commit order;
   * null when some of them may have been evicted ({@code lsn} is before {@link #start()}). May
   * read the disk: prefer {@link #from(long, int)}.
   */
  public List<Transaction> from(long lsn) {
    return from(lsn, Integer.MAX_VALUE);
  }

  /**
   * At most {@code max} of the transactions committed at or after {@code lsn}, in commit order;
   * null when some of them may have been evicted. Reads the disk (blocking: not on an event
   * loop) unless {@link #inMemory(long)}.
   */
  public List<Transaction> from(long lsn, int max) {
    synchronized (this) {
      if (lsn < start) {
        return null;
      }
      if (lsn >= memoryStart) {
        List<Transaction> found = new ArrayList<>();
        var it = transactions.descendingIterator();
        while (it.hasNext()) {
          Transaction transaction = it.next();
          if (transaction.commitLsn() < lsn) {
            break;
          }
          found.add(transaction);
        }
        Collections.reverse(found);
        return found.size() > max ? List.copyOf(found.subList(0, max)) : found;
      }
    }
    try {
      return disk.read(lsn, max);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** All the transactions held in memory, oldest first, with the position they follow. */
  public synchronized Snapshot all() {
    return new Snapshot(Math.max(start, memoryStart), List.copyOf(transactions));
  }

  /** What {@link #all()} returns. */
  public record Snapshot(long start, List<Transaction> transactions) {}

  /** Calls {@code listener} (on the reader's thread) after every append; returns what removes it. */
  public Runnable listen(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Closes the disk part (forcing it), which another log may then open. */
  @Override
  public void close() throws IOException {
    if (disk != null) {
      disk.close();
    }
  }
}
