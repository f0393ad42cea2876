package io.sluice.cursor;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.dataset.StreamRequest;
import io.sluice.error.Failure;
import io.sluice.source.Source;
import io.sluice.source.SourceFactory;
import io.vertx.core.Future;

/**
 * The partition source: one partition of an export ({@link Position.Partition}), read by the
 * same {@link CursorStream} as the keyset source, admitted by the same gate, on a connection
 * of its own, but in a {@code REPEATABLE READ} transaction that imports the export's snapshot
 * first, and restricted to the partition's range of the first {@code orderBy} column; in key
 * order within it, from its start or after a key. A snapshot no longer held fails it as
 * {@code export-expired}.
 */
public final class PartitionSource implements SourceFactory<KeysetSource.Request> {

  private final KeysetSource cursor;

  /** Partitions read as {@code cursor}'s streams are: same gate, connections, breaker and configuration. */
  public PartitionSource(KeysetSource cursor) {
    this.cursor = cursor;
  }

  @Override
  public String name() {
    return Position.PARTITION;
  }

  @Override
  public KeysetSource.Request check(Dataset dataset, StreamRequest request) {
    if (!(request.position() instanceof Position.Partition)) {
      throw new IllegalArgumentException("the partition source reads partitions only, not " + request.position());
    }
    return cursor.check(dataset, request);
  }

  @Override
  public Failure unavailable(KeysetSource.Request request) {
    return cursor.unavailable(request);
  }

  @Override
  public Future<Long> estimate(KeysetSource.Request request) {
    return cursor.estimate(request);
  }

  @Override
  public Source open(KeysetSource.Request request, String streamId, String requestId) {
    return cursor.open(request, streamId, requestId);
  }
}
