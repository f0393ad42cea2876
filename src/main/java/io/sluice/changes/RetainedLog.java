package io.sluice.changes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
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
  /** The disk part; null for a log in memory only (until {@link #attachDisk}). Guarded by this. */
  private LogSegments disk;
  /** By commit position: a follower finds its place in O(log n), however far behind it is. */
  private final TreeMap<Long, Transaction> transactions = new TreeMap<>();
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
      transactions.put(transaction.commitLsn(), transaction);
      if (transactions.size() > capacity) {
        memoryStart = transactions.pollFirstEntry().getKey();
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
   * Forgets every transaction held and starts again at {@code newStart}, as a fresh log would:
   * for a node whose copy of the log has a hole it cannot fill, so that followers at a position
   * before it must refetch instead of skipping what the hole held.
   */
  void reset(long newStart) {
    synchronized (this) {
      transactions.clear();
      if (disk != null) {
        try {
          disk.reset(newStart);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      start = newStart;
      memoryStart = newStart - 1;
      passed = newStart - 1;
      durable = newStart - 1;
    }
    listeners.forEach(Runnable::run);
  }

  /**
   * Gives a copy of the log that was kept in memory (a cluster node's, fed by the node that read
   * the slot) a disk part in {@code dir} from now on: called on a worker by the node that takes
   * the slot over, before it reads, so that it confirms the slot only as far as its disk holds.
   * When the copy holds nothing yet and what an earlier run left on disk reaches where the copy
   * starts (this node held the slot before a restart), the log is that disk's: resumes from
   * before the restart go on; otherwise the disk starts again with what the copy holds.
   */
  void attachDisk(Path dir, long maxBytes, String source) throws IOException {
    synchronized (this) {
      if (disk != null) {
        return;
      }
    }
    LogSegments segments = LogSegments.open(dir, maxBytes, start, source);
    synchronized (this) {
      if (transactions.isEmpty() && segments.start() <= start && segments.last() >= passed) {
        LOG.info("follow: this node's log takes what {} holds: from {} to {}", dir, Lsn.text(segments.start()), Lsn.text(segments.last()));
        start = segments.start();
        passed = segments.last();
        memoryStart = passed;
      } else {
        segments.reset(start);
        for (Transaction transaction : transactions.values()) {
          segments.append(transaction);
        }
        segments.mark(passed);
        segments.force();
      }
      durable = passed;
      disk = segments;
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
    LogSegments forced;
    synchronized (this) {
      reached = passed;
      if (disk == null) {
        durable = reached;
        return reached;
      }
      disk.mark(reached);
      forced = disk;
    }
    forced.force();
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

  /**
   * Where a snapshot taken now should start reading the log: before the newest {@code back}
   * transactions held (never before {@link #start()}), not at {@link #passed()}. A commit is
   * written, and may reach the slot and this log, a moment before its transaction stops being
   * in progress for new snapshots (PostgreSQL ends it in the proc array after flushing the
   * record); a snapshot taken in that moment does not see it, so its follower must read it
   * again: what it did see, its visibility skips.
   */
  public synchronized long recent(int back) {
    long at = Math.max(start, passed);
    var newest = transactions.descendingKeySet().iterator();
    for (int i = 0; i < back && newest.hasNext(); i++) {
      at = newest.next() - 1;
    }
    return Math.max(start, at);
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
    LogSegments segments;
    synchronized (this) {
      segments = disk;
    }
    return segments == null ? 0 : segments.bytes();
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
    LogSegments segments;
    synchronized (this) {
      segments = disk;
      if (lsn < start) {
        return null;
      }
      if (lsn >= memoryStart) {
        List<Transaction> found = new ArrayList<>();
        for (Transaction transaction : transactions.tailMap(lsn, true).values()) {
          if (found.size() == max) {
            break;
          }
          found.add(transaction);
        }
        return found;
      }
    }
    try {
      return segments.read(lsn, max);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** All the transactions held in memory, oldest first, with the position they follow. */
  public synchronized Snapshot all() {
    return new Snapshot(memoryStart(), List.copyOf(transactions.values()));
  }

  /** What {@link #all()} returns. */
  public record Snapshot(long start, List<Transaction> transactions) {}

  /** The position before the oldest transaction held in memory: {@link #from(long, int)} there never reads the disk. */
  public synchronized long memoryStart() {
    return Math.max(start, memoryStart);
  }

  /** Calls {@code listener} (on the reader's thread) after every append; returns what removes it. */
  public Runnable listen(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Closes the disk part (forcing it), which another log may then open. */
  @Override
  public void close() throws IOException {
    LogSegments segments;
    synchronized (this) {
      segments = disk;
    }
    if (segments != null) {
      segments.close();
    }
  }
}
