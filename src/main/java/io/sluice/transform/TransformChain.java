package io.sluice.transform;

import io.sluice.value.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One stream's bound transforms, applied to a batch's rows in order, each row copied before the
 * first; {@code shared} (null: none) holds what chains bound alike made of rows that several
 * streams share.
 */
public record TransformChain(List<Column> columns, List<UnaryOperator<Object[]>> steps, SharedResults shared) {

  public TransformChain(List<Column> columns, List<UnaryOperator<Object[]>> steps) {
    this(columns, steps, null);
  }

  /**
   * {@link #apply} for rows that other streams get too (a followed stream's changes): a row
   * another stream with a chain like this one transformed already is taken as it made it,
   * the others are transformed and kept for them.
   */
  public List<Object[]> applyShared(List<Object[]> rows) {
    if (steps.isEmpty() || shared == null) {
      return apply(rows);
    }
    List<Object[]> out = new ArrayList<>(rows.size());
    for (Object[] row : rows) {
      Object[] made = shared.get(row);
      if (made == null) {
        made = transform(row);
        shared.put(row, made);
      }
      out.add(made);
    }
    return out;
  }

  public List<Object[]> apply(List<Object[]> rows) {
    if (steps.isEmpty()) {
      return rows;
    }
    List<Object[]> out = new ArrayList<>(rows.size());
    for (Object[] row : rows) {
      out.add(transform(row));
    }
    return out;
  }

  private Object[] transform(Object[] row) {
    // the steps own the row they get and may change it in place: never the batch's own, which a
    // followed stream's followers share
    Object[] current = row.clone();
    for (UnaryOperator<Object[]> step : steps) {
      current = step.apply(current);
    }
    return current;
  }
}
