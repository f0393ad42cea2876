package io.sluice.dataset;

import java.util.Locale;
import java.util.Set;

/**
 * How a column is read from PostgreSQL. Types the driver decodes faithfully are read natively; numeric and
 * JSON are fetched as text (numeric so that {@code 'Infinity'} cannot break the driver's
 * decoder, see pitfalls; JSON so that it passes through as written), and every other type
 * (interval, money, time, inet, enums, ...) as PostgreSQL's own text form.
 */
public enum ReadMode {
  NATIVE,
  NUMERIC,
  NUMERIC_ARRAY,
  JSON,
  JSON_ARRAY,
  TEXT,
  TEXT_ARRAY;

  private static final Set<String> NATIVE_TYPES = Set.of(
      "BOOL", "INT2", "INT4", "INT8", "FLOAT4", "FLOAT8", "CHAR", "VARCHAR", "BPCHAR", "TEXT", "NAME",
      "DATE", "TIMESTAMP", "TIMESTAMPTZ", "BYTEA", "UUID");

  static ReadMode of(String typeName, boolean array) {
    String type = typeName.toUpperCase(Locale.ROOT);
    boolean isArray = array || type.endsWith("_ARRAY");
    String base = type.replace("_ARRAY", "");
    if (base.equals("NUMERIC")) {
      return isArray ? NUMERIC_ARRAY : NUMERIC;
    }
    if (base.startsWith("JSON")) {
      return isArray ? JSON_ARRAY : JSON;
    }
    if (NATIVE_TYPES.contains(base)) {
      return NATIVE;
    }
    return isArray ? TEXT_ARRAY : TEXT;
  }

  /** The SQL expression selecting column {@code quoted} of subquery {@code q}. */
  String selectExpression(String quoted) {
    return switch (this) {
      case NATIVE -> "q." + quoted;
      case NUMERIC, JSON, TEXT -> "q." + quoted + "::text AS " + quoted;
      case NUMERIC_ARRAY, JSON_ARRAY, TEXT_ARRAY -> "q." + quoted + "::text[] AS " + quoted;
    };
  }
}
