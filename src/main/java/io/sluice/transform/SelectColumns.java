package io.sluice.transform;

import io.sluice.value.Column;
import java.util.ArrayList;
import java.util.List;

/** Keeps the named columns, in the order given: a client's {@code columns=} selection. */
final class SelectColumns implements RowTransform {

  private final List<String> selected;

  SelectColumns(List<String> selected) {
    this.selected = List.copyOf(selected);
  }

  @Override
  public BoundTransform bind(List<Column> columns) {
    List<Column> kept = new ArrayList<>(selected.size());
    int[] indexes = new int[selected.size()];
    for (int i = 0; i < selected.size(); i++) {
      Column column = ComputedField.column(columns, selected.get(i));
      kept.add(column);
      indexes[i] = columns.indexOf(column);
    }
    return new BoundTransform(List.copyOf(kept), row -> {
      Object[] out = new Object[indexes.length];
      for (int i = 0; i < indexes.length; i++) {
        out[i] = row[indexes[i]];
      }
      return out;
    });
  }
}
