package io.sluice.support;

import io.sluice.dataset.StreamRequest;
import io.sluice.value.RowBatch;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamFailedException;
import io.sluice.value.Column;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** A protocol consumer whose handlers record what it hears, and let a test react to each batch. */
public final class RecordingConsumer {

  public final StreamConsumer consumer;
  /** Where the consumer lives: its frames are handled there, and the test's calls run there too. */
  private final Context context;
  public final List<RowBatch> batches = new CopyOnWriteArrayList<>();
  public final List<StreamError> errors = new CopyOnWriteArrayList<>();
  public final List<Throwable> failures = new CopyOnWriteArrayList<>();
  public final AtomicInteger ends = new AtomicInteger();
  /** The rows handed over when the stream ended, or -1. */
  public final AtomicLong endRows = new AtomicLong(-1);
  /** When ({@link System#nanoTime}) the end or the failure was heard, or 0 while the stream runs. */
  public final AtomicLong finishedAt = new AtomicLong();
  private volatile Consumer<RowBatch> onBatch = b -> {};

  private RecordingConsumer(Vertx vertx, StreamConsumer consumer) {
    this.consumer = consumer;
    this.context = vertx.getOrCreateContext();
    consumer
        .handler(batch -> {
          batches.add(batch);
          onBatch.accept(batch);
        })
        .endHandler(v -> {
          finishedAt.compareAndSet(0, System.nanoTime());
          ends.incrementAndGet();
          endRows.set(consumer.rows());
        })
        .exceptionHandler(err -> {
          finishedAt.compareAndSet(0, System.nanoTime());
          failures.add(err);
          if (err instanceof StreamFailedException failed) {
            errors.add(failed.error());
          }
        });
  }

  /** A consumer in flowing mode, crediting up to {@code window} batches ahead. */
  public static RecordingConsumer flowing(Vertx vertx, int window) {
    return new RecordingConsumer(vertx, new StreamConsumer(vertx, 5_000, window));
  }

  /** A paused consumer that credits {@code credits} batches and no more until fetched. */
  public static RecordingConsumer paused(Vertx vertx, int credits) {
    return paused(vertx, credits, 5_000);
  }

  /** A paused consumer that credits {@code credits} batches and no more until fetched, and gives its producer {@code leaseMs}. */
  public static RecordingConsumer paused(Vertx vertx, int credits, long leaseMs) {
    StreamConsumer consumer = new StreamConsumer(vertx, leaseMs, 1_000).pause();
    consumer.fetch(credits);
    return new RecordingConsumer(vertx, consumer);
  }

  public RecordingConsumer onEachBatch(Consumer<RowBatch> reaction) {
    this.onBatch = reaction;
    return this;
  }

  /** Opens {@code dataset} with {@code params} at {@code address}, waiting for the producer's answer. */
  public RecordingConsumer open(String address, String dataset, java.util.Map<String, String> params) throws Exception {
    Future.<List<Column>>future(opened -> context.runOnContext(v ->
        consumer.open(address, new StreamRequest(dataset, params, null).toJson(), "it").onComplete(opened))).await(10, TimeUnit.SECONDS);
    return this;
  }

  /** Asks for {@code n} more batches, on the consumer's context. */
  public void fetch(long n) {
    context.runOnContext(v -> consumer.fetch(n));
  }

  /** Cancels the stream, on the consumer's context. */
  public void cancel() {
    context.runOnContext(v -> consumer.handler(null));
  }

  public long rows() {
    return batches.stream().mapToLong(RowBatch::size).sum();
  }

  public boolean finished() {
    return ends.get() + failures.size() > 0;
  }
}
