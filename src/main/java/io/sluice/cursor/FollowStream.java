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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A followed dataset: its snapshot (a {@link CursorStream} in {@code REPEATABLE READ} that notes
 * {@code pg_current_snapshot()}), then, from the {@link RetainedLog}, the changes of every
 * transaction that snapshot did not see and that committed before the WAL position it noted, in
 * commit order; then a {@code live} record, and from then on every committed change, and a
 * {@code live} record again when quiet for {@code heartbeatMs}. A stream resumed at a change position starts
 * right after it; one whose position is no longer retained (or whose table was truncated) gets a
 * {@code must-refetch} record and ends. Records after the snapshot carry a {@link ChangeKey}.
 */
final class FollowStream implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(FollowStream.class);

  private final Vertx vertx;
  private final Context context;
  private final RequestLog log;
  private final Dataset dataset;
  private final ChangeFeed feed;
  private final ChangeRows changeRows;
  private final long heartbeatMs;
  private final Promise<Long> started = Promise.promise();
  private final Promise<Void> released = Promise.promise();
  /** Its consumer: handlers, demand, and a failure that came before anyone listened. */
  private final SourceOutlet outlet = new SourceOutlet();
  private CursorStream snapshot;
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
  /** Transactions read from the log's disk part, for a stream behind its memory part. */
  private List<Transaction> ahead = List.of();
  /** How many transactions one read of the disk part brings. */
  private static final int READ_AHEAD = 256;
  /** What {@link #held} returns while the disk is read. */
  private static final List<Transaction> READING = List.of(new Transaction(-1, -1, List.of(), java.util.Set.of()));
  private long heartbeatTimer = -1;

  FollowStream(Vertx vertx, String requestId, Dataset dataset, ChangeFeed feed, ChangeRows changeRows, long heartbeatMs) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.log = RequestLog.of(LOG, requestId);
    this.dataset = dataset;
    this.feed = feed;
    this.changeRows = changeRows;
    this.heartbeatMs = heartbeatMs;
  }

  /** From the start: the snapshot that {@code cursor} reads (with {@code mark} its view), then the changes. */
  FollowStream fromSnapshot(java.util.function.Function<Promise<Row>, CursorStream> cursor) {
    Promise<Row> mark = Promise.promise();
    // every transaction appended before the snapshot begins committed before it, so the snapshot saw it
    long start = Math.max(feed.log().start(), feed.log().passed());
    mark.future().onSuccess(row -> {
      visibility = SnapshotVisibility.parse(row.getString(0));
      liveAt = Lsn.parse(row.getString(1));
      lsn = start;
      delivered = Position.Changes.ALL;
    });
    snapshot = cursor.apply(mark);
    snapshot.handler(batch -> {
      outlet.emit(batch);
    });
    snapshot.exceptionHandler(this::fail);
    snapshot.endHandler(v -> {
      if (lsn < feed.log().start()) {
        mustRefetch("the changes since the snapshot are no longer retained");
      } else {
        startChanges();
      }
    });
    snapshot.started().onComplete(ar -> {
      if (ar.succeeded()) {
        started.tryComplete(ar.result());
      }
    });
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
      if (lsn < retained.start() || (lsn == retained.start() && delivered != Position.Changes.ALL)) {
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
    unlisten = feed.log().listen(() -> context.runOnContext(v -> pump()));
    heartbeatTimer = vertx.setPeriodic(Math.max(100, heartbeatMs / 2), id -> beat());
    pump();
  }

  private void pump() {
    while (!stopped && changing && !busy && outlet.demand() > 0) {
      RetainedLog retained = feed.log();
      long passed = retained.passed();
      List<Transaction> held = held(retained);
      if (held == READING) {
        return;
      }
      if (held == null) {
        mustRefetch("the log no longer holds position " + Lsn.text(lsn));
        return;
      }
      Transaction next = held.stream()
          .filter(t -> t.commitLsn() > lsn || delivered != Position.Changes.ALL)
          .findFirst().orElse(null);
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
      busy = true;
      changeRows.of(next).onComplete(ar -> {
        busy = false;
        if (stopped) {
          return;
        }
        if (ar.failed()) {
          fail(ar.cause());
          return;
        }
        deliver(next, ar.result());
        pump();
      });
      return;
    }
  }

  /**
   * The transaction at {@link #lsn} (if held) and the next ones: from memory, or read ahead from
   * the log's disk part on a worker thread ({@link #READING} meanwhile; the pump goes on when it
   * is read); null when the log no longer holds them.
   */
  private List<Transaction> held(RetainedLog retained) {
    if (retained.inMemory(lsn)) {
      ahead = List.of();
      return retained.from(lsn, 2);
    }
    List<Transaction> rest = ahead.stream().filter(t -> t.commitLsn() >= lsn).toList();
    if (rest.stream().anyMatch(t -> t.commitLsn() > lsn)) {
      return rest;
    }
    busy = true;
    long at = lsn;
    context.executeBlocking(() -> retained.from(at, READ_AHEAD), false).onComplete(ar -> {
      busy = false;
      if (stopped) {
        return;
      }
      if (ar.failed()) {
        fail(ar.cause());
      } else if (ar.result() == null) {
        mustRefetch("the log no longer holds position " + Lsn.text(at));
      } else {
        ahead = ar.result();
        pump();
      }
    });
    return READING;
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

  private void deliver(Transaction transaction, List<ChangeRows.Emitted> emitted) {
    long skip = transaction.commitLsn() == lsn ? delivered : 0;
    lsn = transaction.commitLsn();
    delivered = Position.Changes.ALL;
    String at = Lsn.text(transaction.commitLsn());
    List<Object[]> rows = new ArrayList<>();
    List<Object[]> keys = new ArrayList<>();
    for (int i = (int) Math.min(skip, emitted.size()); i < emitted.size(); i++) {
      long count = i + 1 == emitted.size() ? Position.Changes.ALL : i + 1;
      rows.add(emitted.get(i).row());
      keys.add(ChangeKey.of(emitted.get(i).op(), at, count));
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

  private void mustRefetch(String why) {
    if (stopped) {
      return;
    }
    log.info("dataset '{}': follower must refetch: {}", dataset.name(), why);
    emitStatus(ChangeKey.MUST_REFETCH);
    halt();
    outlet.end();
  }

  private void fail(Throwable error) {
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
    } else {
      fail(new FailureException(why));
    }
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
