package io.sluice.source;

import io.sluice.error.FailureException;
import io.sluice.value.RowBatch;
import io.vertx.core.Handler;

/**
 * The consumer side of a {@link Source}: its handlers, the demand it gave and not yet had, and a
 * failure that came before anyone listened (held for the first exception handler). A source
 * keeps one and says what happened (a batch, the end, a failure); the outlet keeps the count and
 * reaches whoever listens. Not thread-safe: a source uses it on its own context.
 */
public final class SourceOutlet {

  private Handler<RowBatch> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private FailureException unreported;
  /** Batches the consumer asked for and has not had; a source starts paused. */
  private long demand;

  public void handler(Handler<RowBatch> handler) {
    this.handler = handler;
  }

  public void endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
  }

  /** Sets the exception handler, and hands it the failure held until someone listened, if any. */
  public void exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    if (handler != null && unreported != null) {
      FailureException failed = unreported;
      unreported = null;
      handler.handle(failed);
    }
  }

  /** Batches asked for and not yet delivered. */
  public long demand() {
    return demand;
  }

  /** Takes back all demand. */
  public void pause() {
    demand = 0;
  }

  /** Adds {@code amount} batches of demand (saturating at unbounded). */
  public void fetch(long amount) {
    if (amount > 0) {
      demand = Long.MAX_VALUE - demand <= amount ? Long.MAX_VALUE : demand + amount;
    }
  }

  /** Delivers one batch against the demand. */
  public void emit(RowBatch batch) {
    if (demand != Long.MAX_VALUE) {
      demand--;
    }
    if (handler != null) {
      handler.handle(batch);
    }
  }

  /** Tells the end. */
  public void end() {
    if (endHandler != null) {
      endHandler.handle(null);
    }
  }

  /** Tells the failure, or holds it for the first exception handler. */
  public void fail(FailureException failed) {
    if (exceptionHandler != null) {
      exceptionHandler.handle(failed);
    } else {
      unreported = failed;
    }
  }
}
