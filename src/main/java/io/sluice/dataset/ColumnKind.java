package io.sluice.dataset;

import java.util.Locale;

/**
 * How a column is read. Numeric and JSON columns are fetched as text: numeric so that
 * {@code 'Infinity'} cannot break the driver's decoder (see pitfalls), JSON so that it is
 * passed through as written instead of being parsed and re-encoded.
 */
public enum ColumnKind {
  NATIVE,
  NUMERIC,
  NUMERIC_ARRAY,
  JSON,
  JSON_ARRAY;

  static ColumnKind of(String typeName, boolean array) {
    String type = typeName.toUpperCase(Locale.ROOT);
    if (type.startsWith("NUMERIC")) {
      return array ? NUMERIC_ARRAY : NUMERIC;
    }
    if (type.startsWith("JSON")) {
      return array ? JSON_ARRAY : JSON;
    }
    return NATIVE;
  }

  /** The SQL expression selecting column {@code quoted} of subquery {@code q}. */
  String selectExpression(String quoted) {
    return switch (this) {
      case NATIVE -> "q." + quoted;
      case NUMERIC, JSON -> "q." + quoted + "::text AS " + quoted;
      case NUMERIC_ARRAY, JSON_ARRAY -> "q." + quoted + "::text[] AS " + quoted;
    };
  }
}
