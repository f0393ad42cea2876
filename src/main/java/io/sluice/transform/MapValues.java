package io.sluice.transform;

import io.sluice.value.Column;
import io.sluice.value.ValueKind;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

  /** The kind the mapped values share, with the input's when unlisted values pass through. */
  @Override
  protected ValueKind outputKind(List<Column> columns) {
    List<Object> produced = new ArrayList<>(values.values());
    if (hasDefault) {
      produced.add(defaultValue);
      return kindOf(produced);
    }
    ValueKind input = column(columns, column).kind();
    ValueKind mapped = kindOf(produced);
    return produced.stream().allMatch(Objects::isNull) || mapped == input ? input : ValueKind.OTHER;
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
