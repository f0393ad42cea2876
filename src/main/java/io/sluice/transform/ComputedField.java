package io.sluice.transform;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

  /** Compiles the per-row computation against the input columns. */
  protected abstract Function<Object[], Object> compile(List<String> columns);

  @Override
  public final BoundTransform bind(List<String> columns) {
    Function<Object[], Object> compute = compile(columns);
    int existing = columns.indexOf(target);
    if (existing >= 0) {
      return new BoundTransform(columns, row -> {
        row[existing] = compute.apply(row);
        return row;
      });
    }
    int width = columns.size();
    List<String> output = new ArrayList<>(columns);
    output.add(target);
    return new BoundTransform(List.copyOf(output), row -> {
      Object[] wider = Arrays.copyOf(row, width + 1);
      wider[width] = compute.apply(row);
      return wider;
    });
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

  /** A value written in configuration, as a row value (see {@link io.sluice.protocol.RowBatch}). */
  static Object configValue(Object value) {
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float || value instanceof Double) {
      return new java.math.BigDecimal(value.toString());
    }
    if (value instanceof JsonObject || value instanceof io.vertx.core.json.JsonArray) {
      return new io.sluice.protocol.RawJson(value.toString());
    }
    return value;
  }

  /** The text form of a row value, as CSV would show it. */
  static String text(Object value) {
    if (value instanceof java.math.BigDecimal d) {
      return d.toPlainString();
    }
    return String.valueOf(value);
  }
}
