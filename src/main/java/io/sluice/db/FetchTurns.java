package io.sluice.db;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Turns to fetch from one server: at most {@code turns} of its streams' bulk fetches run at once,
 * the others wait in arrival order. A stream's set-up and its first fetch take no turn, so a new
 * stream's statements meet a handful of running fetches on the server's CPU and on the event
 * loops that carry their batches, not one per stream: its first row comes soon, however many
 * streams already read. The server's CPU is busy all the same with a few fetches at a time.
 * Shared by every event loop of a node; each waiter is answered on its own context.
 */
public final class FetchTurns {

  private final Vertx vertx;
  private final int turns;
  private final Deque<Waiter> waiting = new ArrayDeque<>();
  private int running;

  private record Waiter(Context context, Promise<Void> promise) {}

  /** At most {@code turns} fetches at once; 0: no bound. */
  public FetchTurns(Vertx vertx, int turns) {
    this.vertx = vertx;
    this.turns = turns;
  }

  /** Completes, on the caller's context, once the caller may fetch; give the turn back with {@link #done()}. */
  public Future<Void> take() {
    Context context = vertx.getOrCreateContext();
    synchronized (this) {
      if (turns <= 0 || running < turns) {
        running++;
        return Future.succeededFuture();
      }
      Waiter waiter = new Waiter(context, Promise.promise());
      waiting.addLast(waiter);
      return waiter.promise().future();
    }
  }

  /** A fetch taken with {@link #take()} ended: the next waiter's turn. */
  public void done() {
    Waiter next;
    synchronized (this) {
      next = waiting.pollFirst();
      if (next == null) {
        running--;
        return;
      }
    }
    next.context().runOnContext(v -> next.promise().complete());
  }

  /** Fetches running now. */
  public synchronized int running() {
    return running;
  }

  /** Fetches waiting for a turn now. */
  public synchronized int waiting() {
    return waiting.size();
  }
}
