package io.sluice.dataset;

import io.sluice.value.Column;

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

  /** How to read {@code column}: its kind says whether the driver decodes it faithfully. */
  static ReadMode of(Column column) {
    boolean array = column.array();
    return switch (column.kind()) {
      case NUMERIC -> array ? NUMERIC_ARRAY : NUMERIC;
      case JSON -> array ? JSON_ARRAY : JSON;
      case OTHER -> array ? TEXT_ARRAY : TEXT;
      default -> NATIVE;
    };
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
