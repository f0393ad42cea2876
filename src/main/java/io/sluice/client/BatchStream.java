package io.sluice.client;

import io.sluice.protocol.RowBatch;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamListener;
import io.sluice.value.Column;
import io.sluice.value.Values;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A dataset stream as a Vert.x {@link ReadStream} of {@link RowBatch}es, so it pipes into any
 * {@code WriteStream}. Demand is credit: the producer sends a batch only for a credit, and
 * credits go out only while this stream has demand ({@link #fetch}, {@link #resume}), at most
 * {@code window} ahead, so a paused stream holds at most that many batches and the cursor
 * behind it stops reading. {@code handler(null)} cancels the stream. A stream that fails
 * reports a {@link StreamFailedException} carrying the key after which it can go on.
 */
public final class BatchStream implements ReadStream<RowBatch> {

  private final int window;
  private final Deque<RowBatch> queue = new ArrayDeque<>();
  private StreamConsumer consumer;
  private List<Column> columns = List.of();
  private Handler<RowBatch> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private long demand = Long.MAX_VALUE;
  /** Credits granted for batches not arrived yet. */
  private long outstanding;
  private boolean ended;
  private StreamError failure;
  private boolean done;
  private Object[] lastKey;
  private long rows;

  BatchStream(int window) {
    this.window = window;
  }

  void attach(StreamConsumer consumer, List<Column> columns) {
    this.consumer = consumer;
    this.columns = columns;
    pump();
  }

  /** The stream's columns, as the producer announced them. */
  public List<Column> columns() {
    return columns;
  }

  /** Rows handed to the handler so far. */
  public long rows() {
    return rows;
  }

  /** The key of the last row handed to the handler, as text, or empty before the first: where a new stream goes on ({@code after}). */
  public List<String> resumeAfter() {
    List<String> key = new ArrayList<>();
    if (lastKey != null) {
      for (Object value : lastKey) {
        key.add(Values.text(value));
      }
    }
    return key;
  }

  @Override
  public BatchStream handler(Handler<RowBatch> newHandler) {
    this.handler = newHandler;
    if (newHandler == null) {
      cancel();
    } else {
      pump();
    }
    return this;
  }

  @Override
  public BatchStream pause() {
    demand = 0;
    return this;
  }

  @Override
  public BatchStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public BatchStream fetch(long amount) {
    if (amount > 0) {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      pump();
    }
    return this;
  }

  @Override
  public BatchStream endHandler(Handler<Void> newEndHandler) {
    this.endHandler = newEndHandler;
    return this;
  }

  @Override
  public BatchStream exceptionHandler(Handler<Throwable> newExceptionHandler) {
    this.exceptionHandler = newExceptionHandler;
    return this;
  }

  /** What the protocol's consumer reports, queued for the handler. */
  StreamListener listener() {
    return new StreamListener() {
      @Override
      public void onBatch(RowBatch batch) {
        outstanding--;
        queue.add(batch);
        pump();
      }

      @Override
      public void onEnd(long total) {
        ended = true;
        pump();
      }

      @Override
      public void onError(StreamError error) {
        failure = error;
        pump();
      }
    };
  }

  /** Hands queued batches to the handler while there is demand, then credits what the demand leaves room for. */
  private void pump() {
    if (done || consumer == null || handler == null) {
      return;
    }
    while (demand > 0 && !queue.isEmpty()) {
      RowBatch batch = queue.poll();
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      rows += batch.size();
      if (batch.lastKey() != null) {
        lastKey = batch.lastKey();
      }
      handler.handle(batch);
      if (done) {
        return;
      }
    }
    if (failure != null) {
      finish();
      if (exceptionHandler != null) {
        exceptionHandler.handle(new StreamFailedException(failure, resumeAfter()));
      }
    } else if (ended && queue.isEmpty()) {
      finish();
      if (endHandler != null) {
        endHandler.handle(null);
      }
    } else if (!ended) {
      grantCredits();
    }
  }

  private void grantCredits() {
    long wanted = Math.min(demand, window) - outstanding - queue.size();
    if (wanted > 0) {
      outstanding += wanted;
      consumer.grant(wanted);
    }
  }

  private void cancel() {
    if (!done && consumer != null) {
      finish();
      consumer.cancel();
    }
  }

  private void finish() {
    done = true;
    queue.clear();
  }
}
