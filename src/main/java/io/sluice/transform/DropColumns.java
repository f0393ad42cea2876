package io.sluice.transform;

import io.sluice.value.Column;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** {@code drop}: removes the listed columns. */
final class DropColumns implements RowTransform {

  private final List<String> dropped;

  DropColumns(JsonObject spec) {
    this.dropped = spec.getJsonArray("columns", new io.vertx.core.json.JsonArray()).stream().map(String::valueOf).toList();
    if (dropped.isEmpty()) {
      throw new IllegalArgumentException("'columns' lists what to drop");
    }
  }

  @Override
  public BoundTransform bind(List<Column> columns) {
    dropped.forEach(c -> ComputedField.column(columns, c));
    List<Column> kept = new ArrayList<>();
    List<Integer> keptIndexes = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      if (!dropped.contains(columns.get(i).name())) {
        kept.add(columns.get(i));
        keptIndexes.add(i);
      }
    }
    int[] indexes = keptIndexes.stream().mapToInt(Integer::intValue).toArray();
    return new BoundTransform(List.copyOf(kept), row -> {
      Object[] out = new Object[indexes.length];
      for (int i = 0; i < indexes.length; i++) {
        out[i] = row[indexes[i]];
      }
      return out;
    });
  }
}
