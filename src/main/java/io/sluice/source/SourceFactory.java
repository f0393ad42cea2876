package io.sluice.source;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.StreamRequest;
import io.sluice.error.Failure;
import io.vertx.core.Future;

/**
 * One way of reading a dataset's rows: it checks requests, tells whether it takes new streams,
 * estimates and opens {@link Source}s. The source stage serves every factory registered in
 * {@link Sources}, choosing by the {@link io.sluice.dataset.Position#source() source} of the
 * position a request starts at. A new way of reading rows (a snapshot's partitions, a change
 * log, a replica) is one new factory and its source, nothing else.
 *
 * @param <R> what a checked request holds for this factory
 */
public interface SourceFactory<R extends SourceRequest> {

  /** The name positions use to pick this factory. */
  String name();

  /**
   * Checks a request in full (parameters, limit, columns, position), the one place a request
   * is validated; throws {@link io.sluice.error.InvalidRequestException} naming the first problem.
   */
  R check(Dataset dataset, StreamRequest request);

  /** Why no new stream can be opened now (the database is known to be down, say), or null. */
  Failure unavailable(R request);

  /** The estimate of the rows a checked request would read, without reading them; null when it cannot be had. */
  Future<Long> estimate(R request);

  /** Opens a source for a checked request, for stream {@code streamId}; {@code requestId} names its log lines. */
  Source open(R request, String streamId, String requestId);

  /**
   * Called on the event loop of each source stage instance as it starts, before it serves a
   * stream: a factory may get ready to open streams there (the keyset source opens its
   * connections ahead). Nothing by default.
   */
  default void servedHere() {}
}
