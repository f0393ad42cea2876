package io.sluice.transform;

import io.sluice.value.Column;
import io.sluice.value.RawJson;
import io.sluice.value.ValueKind;
import io.sluice.value.Values;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Base of the transforms that compute one field from a row: the field replaces the column of
 * the same name, or is appended as a new column.
 */
abstract class ComputedField implements RowTransform {

  protected final String target;

  ComputedField(String target) {
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException("'as' (the output column) is required");
    }
    this.target = target;
  }

  /** Compiles the per-row computation against the input columns' names. */
  protected abstract Function<Object[], Object> compile(List<String> columns);

  /** The kind of the computed values, given the input columns: text unless a transform says otherwise. */
  protected ValueKind outputKind(List<Column> columns) {
    return ValueKind.TEXT;
  }

  @Override
  public final BoundTransform bind(List<Column> columns) {
    List<String> names = columns.stream().map(Column::name).toList();
    Function<Object[], Object> compute = compile(names);
    Column computed = Column.of(target, outputKind(columns));
    int existing = names.indexOf(target);
    if (existing >= 0) {
      List<Column> output = new ArrayList<>(columns);
      output.set(existing, computed);
      return new BoundTransform(List.copyOf(output), row -> {
        row[existing] = compute.apply(row);
        return row;
      });
    }
    int width = columns.size();
    List<Column> output = new ArrayList<>(columns);
    output.add(computed);
    return new BoundTransform(List.copyOf(output), row -> {
      Object[] wider = Arrays.copyOf(row, width + 1);
      wider[width] = compute.apply(row);
      return wider;
    });
  }

  /** The column called {@code name} among {@code columns}. */
  static Column column(List<Column> columns, String name) {
    return columns.stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no column '" + name + "'"));
  }

  static int indexOf(List<String> columns, String column) {
    int index = columns.indexOf(column);
    if (index < 0) {
      throw new IllegalArgumentException("no column '" + column + "' (have " + columns + ")");
    }
    return index;
  }

  /** The output column: {@code as}, or else the {@code column} the field is computed from. */
  static String asOrColumn(JsonObject spec) {
    return spec.getString("as", required(spec, "column"));
  }

  static String required(JsonObject spec, String key) {
    String value = spec.getString(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("'" + key + "' is required");
    }
    return value;
  }

  /** A value written in configuration, as a row value (see {@link Values}). */
  static Object configValue(Object value) {
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float || value instanceof Double) {
      return new java.math.BigDecimal(value.toString());
    }
    if (value instanceof JsonObject || value instanceof io.vertx.core.json.JsonArray) {
      return new RawJson(value.toString());
    }
    return value;
  }

  /** The text form of a row value, as CSV would show it. */
  static String text(Object value) {
    return Values.text(value);
  }

  /** The one kind shared by configured values, or {@link ValueKind#OTHER} when they differ. */
  static ValueKind kindOf(Collection<Object> values) {
    Set<ValueKind> kinds = new HashSet<>();
    for (Object value : values) {
      if (value != null) {
        kinds.add(value instanceof String ? ValueKind.TEXT : value instanceof Long ? ValueKind.BIGINT
            : value instanceof java.math.BigDecimal ? ValueKind.NUMERIC : value instanceof Boolean ? ValueKind.BOOLEAN
            : value instanceof RawJson ? ValueKind.JSON : ValueKind.OTHER);
      }
    }
    return kinds.size() == 1 ? kinds.iterator().next() : ValueKind.OTHER;
  }
}
