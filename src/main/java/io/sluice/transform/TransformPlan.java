package io.sluice.transform;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A dataset's transforms, checked and started; {@link #bind} makes one stream's chain. */
public record TransformPlan(List<RowTransform> transforms, List<String> outputColumns) {

  /** Binds every step for one stream whose rows have {@code sourceColumns}. */
  public TransformChain bind(List<String> sourceColumns) {
    List<UnaryOperator<Object[]>> steps = new ArrayList<>(transforms.size());
    List<String> columns = sourceColumns;
    for (RowTransform transform : transforms) {
      BoundTransform bound = transform.bind(columns);
      steps.add(bound.rows());
      columns = bound.columns();
    }
    return new TransformChain(columns, List.copyOf(steps));
  }

  public Future<Void> stop() {
    return Future.all(transforms.stream().map(RowTransform::stop).toList()).mapEmpty();
  }
}
