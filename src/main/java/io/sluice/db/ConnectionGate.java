package io.sluice.db;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongConsumer;

/**
 * Admission to the database: at most {@code permits} streams hold a connection at once;
 * up to {@code queueSize} more wait in arrival order for at most {@code queueTimeoutMs}, then
 * are refused with {@link BusyException}, as is a stream that finds the queue full. Shared by
 * every cursor verticle of a node; each waiter is answered on its own context. How long each
 * admitted stream waited goes to {@code admittedAfterNanos}.
 */
public final class ConnectionGate {

  private final Vertx vertx;
  private final int permits;
  private final int queueSize;
  private final long queueTimeoutMs;
  private final LongConsumer admittedAfterNanos;
  private final Deque<Ticket> waiting = new ArrayDeque<>();
  private int held;

  public ConnectionGate(Vertx vertx, int permits, int queueSize, long queueTimeoutMs, LongConsumer admittedAfterNanos) {
    this.vertx = vertx;
    this.permits = permits;
    this.queueSize = queueSize;
    this.queueTimeoutMs = queueTimeoutMs;
    this.admittedAfterNanos = admittedAfterNanos;
  }

  /** Asks for a permit; the ticket's {@link Ticket#admitted()} completes once it has one. */
  public Ticket enter() {
    Ticket ticket = new Ticket(vertx.getOrCreateContext());
    boolean admitted;
    synchronized (this) {
      admitted = held < permits;
      if (admitted) {
        held++;
        ticket.holding = true;
      } else if (waiting.size() < queueSize && queueTimeoutMs > 0) {
        waiting.addLast(ticket);
      } else {
        ticket.done = true;
      }
    }
    if (admitted) {
      admittedAfterNanos.accept(0);
      ticket.promise.complete();
    } else if (ticket.done) {
      ticket.promise.fail(new BusyException("all " + permits + " stream connections are taken and "
          + (queueTimeoutMs > 0 ? "the wait queue is full" : "streams do not wait"), retryAfterSeconds()));
    } else {
      ticket.timer = vertx.setTimer(queueTimeoutMs, id -> ticket.expire());
    }
    return ticket;
  }

  /** The most streams that hold a permit at once. */
  public int permits() {
    return permits;
  }

  /** Streams holding a permit now. */
  public synchronized int held() {
    return held;
  }

  /** Streams waiting for a permit now. */
  public synchronized int waiting() {
    return waiting.size();
  }

  /** How long a refused stream should wait before trying again, in whole seconds. */
  public int retryAfterSeconds() {
    return (int) Math.max(1, (queueTimeoutMs + 999) / 1000);
  }

  private void handOver() {
    Ticket next;
    synchronized (this) {
      next = waiting.pollFirst();
      if (next == null) {
        held--;
        return;
      }
      next.holding = true;
      next.done = true;
    }
    next.admit();
  }

  /** One stream's place: waiting, holding a permit, or done. */
  public final class Ticket {
    private final Context context;
    private final Promise<Void> promise = Promise.promise();
    private final long enteredNanos = System.nanoTime();
    private long timer = -1;
    private boolean holding;
    private boolean done;
    private boolean released;

    private Ticket(Context context) {
      this.context = context;
    }

    /** Completes once admitted; fails with {@link BusyException} when refused, or once left. */
    public Future<Void> admitted() {
      return promise.future();
    }

    private void admit() {
      admittedAfterNanos.accept(System.nanoTime() - enteredNanos);
      context.runOnContext(v -> {
        vertx.cancelTimer(timer);
        promise.tryComplete();
      });
    }

    private void expire() {
      synchronized (ConnectionGate.this) {
        if (done || !waiting.remove(this)) {
          return;
        }
        done = true;
      }
      promise.tryFail(new BusyException("no stream connection became free within " + queueTimeoutMs + " ms", retryAfterSeconds()));
    }

    /** The streams holding a permit of this ticket's gate now: what a stream's share of memory is divided by. */
    public int streams() {
      return held();
    }

    /** Leaves the queue if still waiting; a permit already held stays held until {@link #release()}. */
    public void leave() {
      synchronized (ConnectionGate.this) {
        if (holding) {
          return;
        }
      }
      release();
    }

    /** Gives the permit back, or leaves the queue; idempotent. */
    public void release() {
      boolean wasHolding;
      synchronized (ConnectionGate.this) {
        if (released) {
          return;
        }
        released = true;
        wasHolding = holding;
        if (!wasHolding) {
          waiting.remove(this);
          done = true;
        }
      }
      vertx.cancelTimer(timer);
      if (wasHolding) {
        handOver();
      } else {
        promise.tryFail(new BusyException("left the queue", retryAfterSeconds()));
      }
    }
  }
}
