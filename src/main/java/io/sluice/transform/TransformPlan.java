package io.sluice.transform;

import io.sluice.value.Column;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A dataset's transforms, checked and started; {@link #bind} makes one stream's chain. */
public record TransformPlan(List<RowTransform> transforms, List<Column> outputColumns) {

  /**
   * Binds every step for one stream whose rows have {@code sourceColumns}, then keeps the
   * {@code selected} output columns in that order (all of them when it is empty). Throws
   * {@link IllegalArgumentException} for a selected column the chain does not output.
   */
  public TransformChain bind(List<Column> sourceColumns, List<String> selected) {
    List<UnaryOperator<Object[]>> steps = new ArrayList<>(transforms.size() + 1);
    List<Column> columns = sourceColumns;
    for (RowTransform transform : transforms) {
      BoundTransform bound = transform.bind(columns);
      steps.add(bound.rows());
      columns = bound.columns();
    }
    if (!selected.isEmpty()) {
      BoundTransform projection = new SelectColumns(selected).bind(columns);
      steps.add(projection.rows());
      columns = projection.columns();
    }
    return new TransformChain(columns, List.copyOf(steps));
  }

  public Future<Void> stop() {
    return Future.all(transforms.stream().map(RowTransform::stop).toList()).mapEmpty();
  }
}
