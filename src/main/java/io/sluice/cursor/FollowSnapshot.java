package io.sluice.cursor;

import io.sluice.changes.ChangeFeed;
import io.sluice.changes.Lsn;
import io.sluice.dataset.Position;
import io.sluice.source.SourceOutlet;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Row;
import java.util.List;
import java.util.function.Function;

/**
 * A followed stream's snapshot side: its {@link CursorStream} in {@code REPEATABLE READ}, whose
 * mark (its visibility and live point) goes to the stream, and whose rows go out with keys that
 * carry the cut each makes ({@link SnapshotResume#marked}). Resumed inside a snapshot, it holds
 * the new snapshot's rows back until the {@link SnapshotResume} catch-up has brought the rows
 * before the cut's key to that snapshot.
 */
final class FollowSnapshot {

  /** What the stream learns from the snapshot's mark: what it saw, and the WAL position from which it saw nothing. */
  interface Marked {
    void marked(SnapshotVisibility visibility, long liveAt);
  }

  private final Context context;
  private final ChangeFeed feed;
  private final ChangeRows changeRows;
  private final SourceOutlet outlet;
  private final LogCursor.Reader stream;
  private final long start;
  private CursorStream cursor;
  private SnapshotResume catchUp;
  private boolean holding;

  /** The snapshot of {@code stream}, which began when the log had passed {@code start}, emitting into {@code outlet}. */
  FollowSnapshot(Context context, ChangeFeed feed, ChangeRows changeRows, SourceOutlet outlet, LogCursor.Reader stream, long start) {
    this.context = context;
    this.feed = feed;
    this.changeRows = changeRows;
    this.outlet = outlet;
    this.stream = stream;
    this.start = start;
  }

  /**
   * Opens the snapshot {@code open} reads (after the key of {@code cut}, canonical as {@code bound}, when resumed
   * inside one), telling {@code marked} its mark; failures go to the stream.
   */
  FollowSnapshot open(Position.SnapshotCut cut, List<String> bound, Function<Promise<Row>, CursorStream> open, Marked marked) {
    Promise<Row> mark = Promise.promise();
    holding = cut != null;
    String[] seen = new String[1];
    mark.future().onSuccess(row -> {
      seen[0] = row.getString(0);
      long liveAt = Lsn.parse(row.getString(1));
      marked.marked(SnapshotVisibility.parse(seen[0]), liveAt);
      if (cut != null && !SnapshotResume.carried(seen[0])) {
        stream.mustRefetch("the new snapshot's visibility (" + seen[0].length() + " characters) is too long to carry in tokens");
      } else if (cut != null) {
        catchUp = new SnapshotResume(context, feed, changeRows, cut, bound, seen[0], liveAt, outlet::demand, outlet::emit, stream);
        catchUp.run().onSuccess(v -> {
          holding = false;
          cursor.fetch(outlet.demand());
        });
      }
    });
    cursor = open.apply(mark);
    cursor.handler(batch -> outlet.emit(SnapshotResume.marked(batch, Lsn.text(start), seen[0])));
    cursor.exceptionHandler(stream::fail);
    return this;
  }

  void endHandler(Handler<Void> handler) {
    cursor.endHandler(handler);
  }

  Future<Long> started() {
    return cursor.started();
  }

  Future<Void> released() {
    return cursor.released();
  }

  void fetch(long amount) {
    if (!holding) {
      cursor.fetch(amount);
    } else if (catchUp != null) {
      catchUp.pump();
    }
  }

  void pause() {
    cursor.pause();
  }

  void cancel() {
    if (catchUp != null) {
      catchUp.stop();
    }
    cursor.cancel();
  }
}
