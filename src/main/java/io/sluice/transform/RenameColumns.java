package io.sluice.transform;

import io.sluice.value.Column;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** {@code rename}: renames columns, given as {@code columns: {old: new}}. */
final class RenameColumns implements RowTransform {

  private final Map<String, String> renames = new TreeMap<>();

  RenameColumns(JsonObject spec) {
    spec.getJsonObject("columns", new JsonObject()).forEach(e -> renames.put(e.getKey(), String.valueOf(e.getValue())));
    if (renames.isEmpty()) {
      throw new IllegalArgumentException("'columns' maps old names to new ones");
    }
  }

  @Override
  public BoundTransform bind(List<Column> columns) {
    renames.keySet().forEach(c -> ComputedField.column(columns, c));
    List<Column> renamed = new ArrayList<>();
    for (Column column : columns) {
      renamed.add(column.withName(renames.getOrDefault(column.name(), column.name())));
    }
    if (renamed.stream().map(Column::name).distinct().count() != renamed.size()) {
      throw new IllegalArgumentException("renaming would repeat a column name: " + renamed);
    }
    return new BoundTransform(List.copyOf(renamed), UnaryOperator.identity());
  }
}
