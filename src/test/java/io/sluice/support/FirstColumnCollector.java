package io.sluice.support;

import io.sluice.value.RowBatch;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.streams.WriteStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@code WriteStream} of batches, as an application's own would take them: it keeps each row's first value, and whether it was ended. */
public final class FirstColumnCollector implements WriteStream<RowBatch> {

  public final List<Object> values = new CopyOnWriteArrayList<>();
  public volatile boolean ended;

  /** The first values as text, the way an id reads in NDJSON or {@code COPY}. */
  public List<String> texts() {
    return values.stream().map(String::valueOf).toList();
  }

  @Override
  public Future<Void> write(RowBatch batch) {
    batch.rows().forEach(row -> values.add(row[0]));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    ended = true;
    return Future.succeededFuture();
  }

  @Override
  public FirstColumnCollector exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public FirstColumnCollector setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public FirstColumnCollector drainHandler(Handler<Void> handler) {
    return this;
  }
}
