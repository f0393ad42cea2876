package io.sluice.transform;

import io.sluice.value.Column;
import io.vertx.core.Future;
import java.util.List;

/**
 * A declarative step applied to every row of a dataset's stream, on the transform
 * verticle's event loop. Implement this (with a {@link TransformFactory}) to add your own.
 *
 * <p>{@link #bind} is called once per stream, so the returned function may keep state of its
 * own (formatters, caches) without synchronisation. It must not block.
 */
public interface RowTransform {

  /**
   * Binds to the incoming typed columns; the result declares the columns (and kinds) it
   * outputs. Throws {@link IllegalArgumentException} naming what is
   * wrong (a missing column, say); the dataset is then refused at start-up.
   */
  BoundTransform bind(List<Column> columns);

  /** Loads what the transform needs before the first stream (a lookup table, say). */
  default Future<Void> start() {
    return Future.succeededFuture();
  }

  /** Releases what {@link #start} took. */
  default Future<Void> stop() {
    return Future.succeededFuture();
  }
}
