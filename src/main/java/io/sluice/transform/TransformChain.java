package io.sluice.transform;

import io.sluice.value.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** One stream's bound transforms, applied to a batch's rows in order, each row copied before the first. */
public record TransformChain(List<Column> columns, List<UnaryOperator<Object[]>> steps) {

  public List<Object[]> apply(List<Object[]> rows) {
    if (steps.isEmpty()) {
      return rows;
    }
    List<Object[]> out = new ArrayList<>(rows.size());
    for (Object[] row : rows) {
      // the steps own the row they get and may change it in place: never the batch's own, which a
      // followed stream's followers share
      Object[] current = row.clone();
      for (UnaryOperator<Object[]> step : steps) {
        current = step.apply(current);
      }
      out.add(current);
    }
    return out;
  }
}
