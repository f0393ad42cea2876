package io.sluice.support;

import io.sluice.protocol.RowBatch;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** Records what a stream consumer hears, and lets a test react to each batch. */
public final class RecordingListener implements StreamListener {

  public final List<RowBatch> batches = new CopyOnWriteArrayList<>();
  public final List<StreamError> errors = new CopyOnWriteArrayList<>();
  public final AtomicInteger ends = new AtomicInteger();
  public final AtomicLong endRows = new AtomicLong(-1);
  private volatile Consumer<RowBatch> onBatch = b -> {};

  public RecordingListener onEachBatch(Consumer<RowBatch> reaction) {
    this.onBatch = reaction;
    return this;
  }

  @Override
  public void onBatch(RowBatch batch) {
    batches.add(batch);
    onBatch.accept(batch);
  }

  @Override
  public void onEnd(long rows) {
    ends.incrementAndGet();
    endRows.set(rows);
  }

  @Override
  public void onError(StreamError error) {
    errors.add(error);
  }

  public long rows() {
    return batches.stream().mapToLong(RowBatch::size).sum();
  }

  public boolean finished() {
    return ends.get() + errors.size() > 0;
  }
}
