package io.sluice.cursor;

import io.sluice.changes.ChangeFeed;
import io.sluice.changes.Lsn;
import io.sluice.changes.RetainedLog;
import io.sluice.changes.Transaction;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.db.DatabaseErrors;
import io.sluice.error.Failure;
import io.sluice.error.FailureException;
import io.sluice.logging.RequestLog;
import io.sluice.source.Source;
import io.sluice.source.SourceOutlet;
import io.sluice.value.ChangeKey;
import io.sluice.value.Column;
import io.sluice.value.RowBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A followed dataset: its snapshot (a {@link CursorStream} in {@code REPEATABLE READ} noting
 * {@code pg_current_snapshot()}), then, from the {@link RetainedLog} ({@link LogCursor}), the
 * changes of every transaction it did not see that committed before the WAL position it noted, in
 * commit order; then a {@code live} record, every committed change, and {@code live} again when
 * quiet for {@code heartbeatMs}. Resumed at a change position, it starts right after it; inside
 * its snapshot, at a new one ({@link FollowSnapshot}); at a position no longer retained (or if the
 * table was truncated) it gets {@code must-refetch} and ends. Records after the snapshot carry a {@link ChangeKey}.
 */
final class FollowStream implements Source, LogCursor.Reader {

  private static final Logger LOG = LoggerFactory.getLogger(FollowStream.class);
  /** The most transactions, and about the most changes, one statement runs through the query for a stream. */
  static final int BATCH_TRANSACTIONS = 256;
  static final int BATCH_CHANGES = 2000;
  static final int RECHECKED = 64; // the newest transactions of the log a snapshot's follower reads again, its visibility judging them

  private final Vertx vertx;
  private final Context context;
  private final RequestLog log;
  private final Dataset dataset;
  private final ChangeFeed feed;
  private final ChangeRows changeRows;
  private final Runnable leave;
  /** A run of {@link #pump()} is queued: the log's appends (on the reader's thread) queue at most one. */
  private final AtomicBoolean pumpQueued = new AtomicBoolean();
  private final long heartbeatMs;
  private final Promise<Long> started = Promise.promise();
  private final Promise<Void> released = Promise.promise();
  /** Its consumer: handlers, demand, and a failure that came before anyone listened. */
  private final SourceOutlet outlet = new SourceOutlet();
  private FollowSnapshot snapshot;
  /** Where the changes go on: after {@code delivered} changes of the transaction committed at {@code lsn}. */
  private long lsn;
  private long delivered;
  /** The snapshot's view while changes it saw may still come; null once live or when resumed. */
  private SnapshotVisibility visibility;
  /** The slot must be read this far before the stream is live. */
  private long liveAt;
  private boolean changing;
  private boolean live;
  private boolean busy;
  private boolean stopped;
  private long lastEmitNanos = System.nanoTime();
  private Runnable unlisten;
  private long heartbeatTimer = -1;
  private final LogCursor reading;

  /** Reads {@code shared}'s changes (those of the followers with the same dataset and parameters), leaving it when done. */
  FollowStream(Vertx vertx, String requestId, Dataset dataset, ChangeFeed feed, FollowGroups.Joined shared, long heartbeatMs) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.log = RequestLog.of(LOG, requestId);
    this.dataset = dataset;
    this.feed = feed;
    this.changeRows = shared.rows();
    this.leave = shared.leave();
    this.heartbeatMs = heartbeatMs;
    this.reading = new LogCursor(context, feed, this);
  }

  /** From the start ({@code cut} null) or inside a snapshot at {@code cut} (its key canonical as {@code bound}): the snapshot {@code cursor} reads, then the changes. */
  FollowStream fromSnapshot(Position.SnapshotCut cut, List<String> bound, java.util.function.Function<Promise<Row>, CursorStream> cursor) {
    long start = feed.log().recent(RECHECKED); // the log before the snapshot began, less the newest few it may not see yet
    if (cut != null && feed.gone(Lsn.parse(cut.start()))) {
      return fromChange(new Position.Changes(cut.start(), 0)); // the changes since the cut's snapshot are gone: must-refetch
    }
    snapshot = new FollowSnapshot(context, feed, changeRows, outlet, this, start).open(cut, bound, cursor, (seen, noted) -> {
      visibility = seen;
      liveAt = noted;
      lsn = start;
      delivered = Position.Changes.ALL;
    });
    snapshot.endHandler(v -> {
      if (feed.gone(lsn)) {
        mustRefetch("the changes since the snapshot are no longer retained");
      } else {
        startChanges();
      }
    });
    snapshot.started().onSuccess(started::tryComplete);
    snapshot.released().onComplete(ar -> {
      if (stopped) {
        released.tryComplete();
      }
    });
    return this;
  }

  /** Resumed right after {@code position}'s change. */
  FollowStream fromChange(Position.Changes position) {
    lsn = Lsn.parse(position.lsn());
    delivered = position.delivered();
    liveAt = lsn;
    started.tryComplete(null);
    context.runOnContext(v -> {
      RetainedLog retained = feed.log();
      if (feed.gone(lsn) || (lsn == retained.start() && delivered != Position.Changes.ALL)) {
        mustRefetch("position " + position.lsn() + " is no longer retained (the log starts after " + Lsn.text(retained.start()) + ")");
      } else {
        startChanges();
      }
    });
    return this;
  }

  private void startChanges() {
    if (stopped) {
      return;
    }
    changing = true;
    unlisten = feed.log().listen(() -> {
      if (pumpQueued.compareAndSet(false, true)) {
        context.runOnContext(v -> {
          pumpQueued.set(false);
          pump();
        });
      }
    });
    heartbeatTimer = vertx.setPeriodic(Math.max(100, heartbeatMs / 2), id -> beat());
    pump();
  }

  @Override
  public void pump() {
    while (!stopped && changing && !busy && outlet.demand() > 0) {
      RetainedLog retained = feed.log();
      long passed = retained.passed();
      List<Transaction> held = reading.from(retained, lsn, BATCH_TRANSACTIONS + 1);
      if (held == LogCursor.READING) {
        return;
      } else if (held == null) {
        mustRefetch("the log no longer holds position " + Lsn.text(lsn));
        return;
      }
      int first = 0;
      while (first < held.size() && !(held.get(first).commitLsn() > lsn || delivered != Position.Changes.ALL)) {
        first++;
      }
      Transaction next = first < held.size() ? held.get(first) : null;
      if (!live && (next != null ? next.commitLsn() >= liveAt : passed >= liveAt)) {
        goLive();
        continue;
      }
      if (next == null) {
        if (!live) {
          feed.nudge();
        }
        return;
      }
      if (visibility != null && visibility.saw(next.xid())) {
        lsn = next.commitLsn();
        delivered = Position.Changes.ALL;
        continue;
      }
      if (changeRows.truncates(next)) {
        mustRefetch("table " + dataset.follow().qualifiedTable() + " was truncated");
        return;
      }
      List<Transaction> batch = batchFrom(held, first);
      busy = true;
      changeRows.of(batch).onComplete(ar -> context.runOnContext(v -> {
        busy = false;
        if (stopped) {
          return;
        }
        if (ar.failed()) {
          fail(ar.cause());
          return;
        }
        deliver(batch, ar.result());
        pump();
      }));
      return;
    }
  }

  /**
   * The transactions from {@code held[first]} on that one statement can evaluate for this stream:
   * consecutive, at most {@link #BATCH_TRANSACTIONS} of them and about {@link #BATCH_CHANGES}
   * changes, none the snapshot saw or that truncated the table (those are handled one by one),
   * none past the point where the stream goes live.
   */
  private List<Transaction> batchFrom(List<Transaction> held, int first) {
    List<Transaction> batch = new ArrayList<>();
    batch.add(held.get(first));
    int changes = changeRows.changesOf(held.get(first));
    for (int i = first + 1; i < held.size() && batch.size() < BATCH_TRANSACTIONS && changes < BATCH_CHANGES; i++) {
      Transaction next = held.get(i);
      if ((!live && next.commitLsn() >= liveAt) || (visibility != null && visibility.saw(next.xid())) || changeRows.truncates(next)) {
        break;
      }
      changes += changeRows.changesOf(next);
      batch.add(next);
    }
    return batch;
  }

  /**
   * Every transaction committed before the slot position the snapshot noted has been seen (and
   * delivered unless the snapshot saw it); every later one is after the snapshot: from here the
   * stream is live, its position right before that point.
   */
  private void goLive() {
    live = true;
    if (visibility != null && lsn < liveAt - 1) {
      lsn = liveAt - 1;
      delivered = Position.Changes.ALL;
    }
    visibility = null;
    emitStatus(ChangeKey.LIVE);
  }

  /** The changes of a batch of transactions, in one batch of rows: each transaction's together, each change with its own position. */
  private void deliver(List<Transaction> transactions, List<List<ChangeRows.Emitted>> seen) {
    List<Object[]> rows = new ArrayList<>();
    List<Object[]> keys = new ArrayList<>();
    for (int t = 0; t < transactions.size(); t++) {
      Transaction transaction = transactions.get(t);
      List<ChangeRows.Emitted> emitted = seen.get(t);
      long skip = transaction.commitLsn() == lsn ? delivered : 0;
      lsn = transaction.commitLsn();
      delivered = Position.Changes.ALL;
      String at = Lsn.text(transaction.commitLsn());
      for (int i = (int) Math.min(skip, emitted.size()); i < emitted.size(); i++) {
        long count = i + 1 == emitted.size() ? Position.Changes.ALL : i + 1;
        rows.add(emitted.get(i).row());
        keys.add(ChangeKey.of(emitted.get(i).op(), at, count));
      }
    }
    if (!rows.isEmpty()) {
      emit(new RowBatch(0, rows, keys));
    }
  }

  private void beat() {
    if (live && !busy && outlet.demand() > 0 && System.nanoTime() - lastEmitNanos >= heartbeatMs * 1_000_000L) {
      RetainedLog retained = feed.log();
      long passed = retained.passed();
      List<Transaction> held = retained.inMemory(lsn) ? retained.from(lsn, 2) : null;
      if (held != null && held.stream().noneMatch(t -> t.commitLsn() > lsn) && delivered == Position.Changes.ALL) {
        lsn = Math.max(lsn, passed);
        emitStatus(ChangeKey.LIVE);
      }
    }
  }

  private void emitStatus(String status) {
    emit(new RowBatch(0, List.<Object[]>of(new Object[dataset.columns().size()]),
        List.<Object[]>of(ChangeKey.of(status, status.equals(ChangeKey.MUST_REFETCH) ? null : Lsn.text(lsn), delivered))));
  }

  private void emit(RowBatch batch) {
    lastEmitNanos = System.nanoTime();
    outlet.emit(batch);
  }

  @Override
  public void mustRefetch(String why) {
    if (stopped) {
      return;
    }
    log.info("dataset '{}': follower must refetch: {}", dataset.name(), why);
    emitStatus(ChangeKey.MUST_REFETCH);
    halt();
    outlet.end();
  }

  @Override
  public void fail(Throwable error) {
    if (stopped) {
      return;
    }
    FailureException failed = error instanceof FailureException known ? known : new FailureException(DatabaseErrors.classify(error));
    log.warn("dataset '{}': following failed: {}", dataset.name(), error.toString());
    started.tryFail(failed);
    halt();
    outlet.fail(failed);
  }

  private void halt() {
    stopped = true;
    leave.run();
    if (unlisten != null) {
      unlisten.run();
    }
    vertx.cancelTimer(heartbeatTimer);
    if (snapshot == null) {
      released.tryComplete();
    } else {
      snapshot.cancel();
      snapshot.released().onComplete(ar -> released.tryComplete());
    }
  }

  @Override
  public List<Column> columns() {
    return dataset.columns();
  }

  @Override
  public Future<Long> started() {
    return started.future();
  }

  @Override
  public void cancel() {
    if (!stopped) {
      halt();
    }
  }

  @Override
  public void stop(Failure why) {
    if (why == null) {
      cancel();
      return;
    }
    fail(new FailureException(why));
  }

  @Override
  public Future<Void> released() {
    return released.future();
  }

  @Override
  public FollowStream handler(Handler<RowBatch> handler) {
    outlet.handler(handler);
    return this;
  }

  @Override
  public FollowStream endHandler(Handler<Void> endHandler) {
    outlet.endHandler(endHandler);
    return this;
  }

  @Override
  public FollowStream exceptionHandler(Handler<Throwable> handler) {
    outlet.exceptionHandler(handler);
    return this;
  }

  @Override
  public FollowStream pause() {
    outlet.pause();
    if (snapshot != null && !changing) {
      snapshot.pause();
    }
    return this;
  }

  @Override
  public FollowStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public FollowStream fetch(long amount) {
    if (amount > 0) {
      outlet.fetch(amount);
      if (snapshot != null && !changing) {
        snapshot.fetch(amount);
      } else {
        pump();
      }
    }
    return this;
  }
}
