package io.sluice.cursor;

import io.sluice.changes.ChangeFeed;
import io.sluice.changes.Lsn;
import io.sluice.changes.RetainedLog;
import io.sluice.changes.Transaction;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/**
 * A followed stream's reading of the node's {@link RetainedLog}: what memory holds at once; what
 * only its disk part holds read ahead, {@link #READ_AHEAD} transactions at a time, on a worker
 * thread (never on the stream's event loop), {@link #READING} being returned meanwhile. On a
 * cluster node that does not hold the slot, what is older than the node's copy of the log is read
 * ahead the same way from the holder's log, over the event bus ({@link ChangeFeed#older}). One
 * read at a time; its end goes back to the stream through {@link Reader} on the stream's context.
 */
final class LogCursor {

  /** What {@link #from} returns while the disk is read. */
  static final List<Transaction> READING = List.of(new Transaction(-1, -1, List.of(), Set.of()));
  /** How many transactions one read of the disk part brings. */
  private static final int READ_AHEAD = 256;

  /** The stream the reads go back to. */
  interface Reader {
    /** A read came: read again. */
    void pump();

    /** The log no longer holds what was asked for. */
    void mustRefetch(String why);

    /** The read failed. */
    void fail(Throwable error);
  }

  private final Context context;
  private final ChangeFeed feed;
  private final Reader reader;
  private List<Transaction> ahead = List.of();
  /** How far the log had been read ({@link RetainedLog#passed()}) when a read of {@link #ahead} came back short (reached the end). */
  private long aheadPassed = Long.MIN_VALUE;
  private boolean reading;

  LogCursor(Context context, ChangeFeed feed, Reader reader) {
    this.context = context;
    this.feed = feed;
    this.reader = reader;
  }

  /**
   * The transaction committed at {@code lsn} (if held) and those after it, at most {@code max}
   * from memory; null when the log no longer holds them; {@link #READING} while the disk part is
   * read for them.
   */
  List<Transaction> from(RetainedLog log, long lsn, int max) {
    if (reading) {
      return READING;
    }
    boolean older = lsn < log.start() && feed.readsOlder();
    if (!older && log.inMemory(lsn)) {
      ahead = List.of();
      aheadPassed = Long.MIN_VALUE;
      return log.from(lsn, max);
    }
    List<Transaction> rest = ahead.stream().filter(t -> t.commitLsn() >= lsn).toList();
    if (rest.stream().anyMatch(t -> t.commitLsn() > lsn) || log.passed() <= aheadPassed) {
      return rest; // what comes next, or (the disk read had nothing after lsn and the log has not grown since) nothing yet
    }
    reading = true;
    long passed = log.passed();
    Future<List<Transaction>> read = older ? feed.older(lsn, READ_AHEAD) : context.executeBlocking(() -> log.from(lsn, READ_AHEAD), false);
    read.onComplete(ar -> context.runOnContext(v -> {
      reading = false;
      if (ar.failed()) {
        reader.fail(ar.cause());
      } else if (ar.result() == null) {
        reader.mustRefetch("the log no longer holds position " + Lsn.text(lsn));
      } else {
        ahead = ar.result();
        // a short read reached the end of what the log held then: no need to read again until it grows
        aheadPassed = ahead.size() < READ_AHEAD ? passed : Long.MIN_VALUE;
        reader.pump();
      }
    }));
    return READING;
  }
}
