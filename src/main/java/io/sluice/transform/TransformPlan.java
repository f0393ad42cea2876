package io.sluice.transform;

import io.sluice.value.Column;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A dataset's transforms, checked and started, and its {@link Restriction}s, the transforms
 * that hide a column from a caller without a role; {@link #bind} makes one stream's chain.
 */
public record TransformPlan(List<RowTransform> transforms, List<Column> outputColumns, List<Restriction> restrictions,
    SharedResults.Chains chains) {

  /** A transform applied, after the others, to the streams of callers without {@code unlessRole}. */
  public record Restriction(String unlessRole, RowTransform transform) {}

  public TransformPlan(List<RowTransform> transforms, List<Column> outputColumns) {
    this(transforms, outputColumns, List.of());
  }

  public TransformPlan(List<RowTransform> transforms, List<Column> outputColumns, List<Restriction> restrictions) {
    this(transforms, outputColumns, restrictions, new SharedResults.Chains());
  }

  /** The same plan with {@code more} restrictions. */
  public TransformPlan restrictedBy(List<Restriction> more) {
    List<Restriction> all = new ArrayList<>(restrictions);
    all.addAll(more);
    return new TransformPlan(transforms, outputColumns, List.copyOf(all));
  }

  /**
   * Binds every step for one stream whose rows have {@code sourceColumns}, then keeps the
   * {@code selected} output columns in that order (all of them when it is empty). Throws
   * {@link IllegalArgumentException} for a selected column the chain does not output.
   */
  public TransformChain bind(List<Column> sourceColumns, List<String> selected) {
    return bind(sourceColumns, selected, role -> true);
  }

  /**
   * Binds the chain of one stream of a caller for whom {@code holds} tells which roles it has:
   * the dataset's transforms, then each restriction whose role it lacks, then the selection
   * (so a column hidden from the caller cannot be selected either).
   */
  public TransformChain bind(List<Column> sourceColumns, List<String> selected, Predicate<String> holds) {
    List<RowTransform> applied = new ArrayList<>(transforms);
    List<Boolean> restricted = new ArrayList<>(restrictions.size());
    for (Restriction restriction : restrictions) {
      restricted.add(!holds.test(restriction.unlessRole()));
      if (!holds.test(restriction.unlessRole())) {
        applied.add(restriction.transform());
      }
    }
    List<UnaryOperator<Object[]>> steps = new ArrayList<>(applied.size() + 1);
    List<Column> columns = sourceColumns;
    for (RowTransform transform : applied) {
      BoundTransform bound = transform.bind(columns);
      steps.add(bound.rows());
      columns = bound.columns();
    }
    if (!selected.isEmpty()) {
      BoundTransform projection = new SelectColumns(selected).bind(columns);
      steps.add(projection.rows());
      columns = projection.columns();
    }
    return new TransformChain(columns, List.copyOf(steps), chains.of(List.of(sourceColumns, List.copyOf(selected), restricted)));
  }

  public Future<Void> stop() {
    return Future.all(java.util.stream.Stream.concat(transforms.stream(), restrictions.stream().map(Restriction::transform))
        .map(RowTransform::stop).toList()).mapEmpty();
  }
}
