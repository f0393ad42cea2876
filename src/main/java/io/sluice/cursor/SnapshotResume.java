package io.sluice.cursor;

import io.sluice.changes.ChangeFeed;
import io.sluice.changes.Lsn;
import io.sluice.changes.RetainedLog;
import io.sluice.changes.Transaction;
import io.sluice.dataset.Position;
import io.sluice.value.ChangeKey;
import io.sluice.value.RowBatch;
import io.sluice.value.SnapshotKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What lets a followed stream go on inside its snapshot (docs/delivery.md, "Following a
 * dataset"). Its snapshot rows carry the cut they make ({@link SnapshotKey}: the row's key, the
 * log position the snapshot began after, the snapshot's visibility), so their tokens hold a
 * {@link Position.SnapshotCut}. A stream resumed at a cut takes a new snapshot, whose rows after
 * the cut's key it reads; before them, this catch-up brings the rows at or before that key,
 * which the follower holds as the cut's snapshot saw them (its {@code base}), to what the new
 * snapshot sees: from the log, the changes of the transactions the new snapshot saw and the base
 * did not, each kept only when its own row's key is at or before the cut's (PostgreSQL judges,
 * {@link ChangeRows#atOrBefore}). A cut made inside such a catch-up ({@code target}: the
 * snapshot it was bringing the rows to, and the last change delivered) first finishes that one,
 * then brings them on to the new snapshot. The follower then holds the new snapshot's rows up to
 * the key, and the stream goes on exactly as one that began at the new snapshot: its changes from
 * the log are those it did not see.
 *
 * <p>Transactions are taken out of commit order only across these steps, and only one that a
 * later snapshot saw ahead of one it did not: such two never change the same row (the later one
 * would have waited for the earlier's row lock, so any snapshot that saw it saw the earlier one).
 */
final class SnapshotResume implements LogCursor.Reader {

  /** The longest visibility text a token carries: beyond it (many transactions in progress) a snapshot's rows cannot be resumed inside. */
  static final int MAX_VISIBILITY = 1024;

  /** One step: the transactions {@code target} saw and {@code base} did not, from the position {@code lsn, delivered}. */
  private record Step(SnapshotVisibility base, String baseText, SnapshotVisibility target, String targetText, long lsn, long delivered) {}

  private final Context context;
  private final ChangeFeed feed;
  private final ChangeRows changeRows;
  private final Position.SnapshotCut cut;
  private final List<String> bound;
  private final Object[] key;
  private final long liveAt;
  private final LongSupplier demand;
  private final Consumer<RowBatch> emit;
  private final LogCursor.Reader stream;
  private final LogCursor reading;
  private final List<Step> steps = new ArrayList<>();
  private final AtomicBoolean pumpQueued = new AtomicBoolean();
  private final Promise<Void> done = Promise.promise();
  private Runnable unlisten;
  private long lsn;
  private long delivered;
  private boolean busy;
  private boolean stopped;

  /**
   * Resumes at {@code cut} ({@code bound}: its key, checked and canonical) up to the new snapshot
   * that saw {@code visibility} and noted {@code liveAt}, emitting through {@code emit} as {@code
   * demand} allows; refetches and failures go to {@code stream}.
   */
  SnapshotResume(Context context, ChangeFeed feed, ChangeRows changeRows, Position.SnapshotCut cut, List<String> bound, String visibility,
      long liveAt, LongSupplier demand, Consumer<RowBatch> emit, LogCursor.Reader stream) {
    this.context = context;
    this.feed = feed;
    this.changeRows = changeRows;
    this.cut = cut;
    this.bound = bound;
    this.key = cut.after().toArray();
    this.liveAt = liveAt;
    this.demand = demand;
    this.emit = emit;
    this.stream = stream;
    this.reading = new LogCursor(context, feed, this);
    SnapshotVisibility base = SnapshotVisibility.parse(cut.base());
    long start = Lsn.parse(cut.start());
    if (cut.target() != null) {
      SnapshotVisibility target = SnapshotVisibility.parse(cut.target());
      steps.add(new Step(base, cut.base(), target, cut.target(), Math.max(start, Lsn.parse(cut.lsn())), cut.delivered()));
      steps.add(new Step(target, cut.target(), SnapshotVisibility.parse(visibility), visibility, start, Position.Changes.ALL));
    } else {
      steps.add(new Step(base, cut.base(), SnapshotVisibility.parse(visibility), visibility, start, Position.Changes.ALL));
    }
  }

  /** Whether {@code visibility} can be carried in tokens: a cut is made only inside a snapshot whose visibility can. */
  static boolean carried(String visibility) {
    return visibility.length() <= MAX_VISIBILITY;
  }

  /** A snapshot's batch of rows with keys that carry the cut each row makes (when its visibility can be carried). */
  static RowBatch marked(RowBatch batch, String start, String visibility) {
    if (batch.keys().isEmpty() || !carried(visibility)) {
      return batch;
    }
    List<Object[]> keys = new ArrayList<>(batch.size());
    for (Object[] key : batch.keys()) {
      keys.add(SnapshotKey.of(start, visibility, key));
    }
    return new RowBatch(batch.seq(), batch.rows(), keys);
  }

  /** Starts; completes once the rows up to the key are brought to the new snapshot. */
  Future<Void> run() {
    Step first = steps.get(0);
    lsn = first.lsn();
    delivered = first.delivered();
    unlisten = feed.log().listen(() -> {
      if (pumpQueued.compareAndSet(false, true)) {
        context.runOnContext(v -> {
          pumpQueued.set(false);
          pump();
        });
      }
    });
    pump();
    return done.future();
  }

  void stop() {
    stopped = true;
    if (unlisten != null) {
      unlisten.run();
    }
  }

  @Override
  public void pump() {
    while (!stopped && !busy && !steps.isEmpty() && demand.getAsLong() > 0) {
      RetainedLog retained = feed.log();
      long passed = retained.passed();
      List<Transaction> held = reading.from(retained, lsn, FollowStream.BATCH_TRANSACTIONS + 1);
      if (held == LogCursor.READING) {
        return;
      } else if (held == null) {
        mustRefetch("the log no longer holds position " + Lsn.text(lsn));
        return;
      }
      Step step = steps.get(0);
      List<Transaction> batch = new ArrayList<>();
      int changes = 0;
      boolean reachedLive = false;
      long scanned = lsn;
      for (Transaction next : held) {
        if (next.commitLsn() < lsn || (next.commitLsn() == lsn && delivered == Position.Changes.ALL)) {
          continue;
        }
        if (next.commitLsn() >= liveAt) {
          reachedLive = true; // the new snapshot saw nothing committed from here on
          break;
        }
        if (batch.size() >= FollowStream.BATCH_TRANSACTIONS || changes >= FollowStream.BATCH_CHANGES) {
          break;
        }
        scanned = next.commitLsn();
        if (step.target().saw(next.xid()) && !step.base().saw(next.xid())) {
          if (changeRows.truncates(next)) {
            mustRefetch("the followed table was truncated");
            return;
          }
          batch.add(next);
          changes += changeRows.changesOf(next);
        }
      }
      if (batch.isEmpty()) {
        if (scanned != lsn) {
          lsn = scanned;
          delivered = Position.Changes.ALL;
        } else if (reachedLive || passed >= liveAt) {
          nextStep();
        } else {
          feed.nudge();
          return;
        }
        continue;
      }
      busy = true;
      long through = scanned;
      changeRows.atOrBefore(batch, bound).onComplete(ar -> context.runOnContext(v -> {
        busy = false;
        if (stopped) {
          return;
        }
        if (ar.failed()) {
          fail(ar.cause());
          return;
        }
        deliver(step, batch, ar.result(), through);
        pump();
      }));
      return;
    }
  }

  private void nextStep() {
    steps.remove(0);
    if (steps.isEmpty()) {
      stop();
      done.tryComplete();
    } else {
      lsn = steps.get(0).lsn();
      delivered = steps.get(0).delivered();
    }
  }

  /** A batch's changes, each with the cut that a token from it goes on at; the position moves on to {@code scanned}. */
  private void deliver(Step step, List<Transaction> transactions, List<List<ChangeRows.Emitted>> seen, long scanned) {
    List<Object[]> rows = new ArrayList<>();
    List<Object[]> keys = new ArrayList<>();
    for (int t = 0; t < transactions.size(); t++) {
      Transaction transaction = transactions.get(t);
      List<ChangeRows.Emitted> emitted = seen.get(t);
      long skip = transaction.commitLsn() == lsn ? delivered : 0;
      String at = Lsn.text(transaction.commitLsn());
      for (int i = (int) Math.min(skip, emitted.size()); i < emitted.size(); i++) {
        long count = i + 1 == emitted.size() ? Position.Changes.ALL : i + 1;
        rows.add(emitted.get(i).row());
        keys.add(ChangeKey.ofCut(emitted.get(i).op(), at, count, cut.start(), step.baseText(), step.targetText(), key));
      }
    }
    lsn = scanned;
    delivered = Position.Changes.ALL;
    if (!rows.isEmpty()) {
      emit.accept(new RowBatch(0, rows, keys));
    }
  }

  @Override
  public void mustRefetch(String why) {
    stop();
    stream.mustRefetch(why);
  }

  @Override
  public void fail(Throwable error) {
    stop();
    stream.fail(error);
  }
}
