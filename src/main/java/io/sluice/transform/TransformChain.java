package io.sluice.transform;

import io.sluice.value.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** One stream's bound transforms, applied to a batch's rows in order. */
public record TransformChain(List<Column> columns, List<UnaryOperator<Object[]>> steps) {

  public List<Object[]> apply(List<Object[]> rows) {
    if (steps.isEmpty()) {
      return rows;
    }
    List<Object[]> out = new ArrayList<>(rows.size());
    for (Object[] row : rows) {
      Object[] current = row;
      for (UnaryOperator<Object[]> step : steps) {
        current = step.apply(current);
      }
      out.add(current);
    }
    return out;
  }
}
