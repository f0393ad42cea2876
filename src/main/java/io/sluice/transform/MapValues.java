package io.sluice.transform;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code map}: replaces a column's values through the {@code values} dictionary; a value not
 * listed becomes {@code default} if one is given, else stays as it is.
 */
final class MapValues extends ComputedField {

  private final String column;
  private final Map<String, Object> values = new HashMap<>();
  private final boolean hasDefault;
  private final Object defaultValue;

  MapValues(JsonObject spec) {
    super(asOrColumn(spec));
    this.column = required(spec, "column");
    spec.getJsonObject("values", new JsonObject()).forEach(e -> values.put(e.getKey(), configValue(e.getValue())));
    this.hasDefault = spec.containsKey("default");
    this.defaultValue = configValue(spec.getValue("default"));
  }

  @Override
  protected Function<Object[], Object> compile(List<String> columns) {
    int index = indexOf(columns, column);
    return row -> {
      Object value = row[index];
      String key = value == null ? null : text(value);
      if (key != null && values.containsKey(key)) {
        return values.get(key);
      }
      return hasDefault ? defaultValue : value;
    };
  }
}
