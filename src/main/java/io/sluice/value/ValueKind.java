package io.sluice.value;

import java.util.Locale;

/**
 * The family of a column's values, and so the Java form they travel in (see {@link Values}):
 * what typed formats (CSV safety, Arrow) decide on, never the runtime class of one value.
 */
public enum ValueKind {
  /** {@link Boolean}. */
  BOOLEAN,
  /** {@link Long}, from {@code int2}. */
  SMALLINT,
  /** {@link Long}, from {@code int4}. */
  INTEGER,
  /** {@link Long}, from {@code int8}. */
  BIGINT,
  /** {@link java.math.BigDecimal} (shortest decimal form), or {@code "NaN"}/{@code "Infinity"}/{@code "-Infinity"}. */
  REAL,
  /** {@link Double}, or {@code "NaN"}/{@code "Infinity"}/{@code "-Infinity"}. */
  DOUBLE,
  /** {@link java.math.BigDecimal}, or {@code "NaN"}/{@code "Infinity"}/{@code "-Infinity"}. */
  NUMERIC,
  /** {@link String}. */
  TEXT,
  /** {@link RawJson}. */
  JSON,
  /** {@code byte[]}. */
  BYTES,
  /** {@link String}, ISO-8601 ({@code 2024-01-31}), or {@code "infinity"}/{@code "-infinity"}. */
  DATE,
  /** {@link String}, ISO-8601 without offset, or {@code "infinity"}/{@code "-infinity"}. */
  TIMESTAMP,
  /** {@link String}, ISO-8601 with offset, or {@code "infinity"}/{@code "-infinity"}. */
  TIMESTAMPTZ,
  /** {@link String}, the canonical form. */
  UUID,
  /** {@link String}: PostgreSQL's text form of any other type (interval, money, enums, ...) or a computed value. */
  OTHER;

  /** The kind of PostgreSQL type {@code typeName} (as the driver names it: {@code INT4}, {@code JSONB}, ...). */
  public static ValueKind ofPostgres(String typeName) {
    return switch (typeName.toUpperCase(Locale.ROOT).replace("_ARRAY", "")) {
      case "BOOL" -> BOOLEAN;
      case "INT2" -> SMALLINT;
      case "INT4" -> INTEGER;
      case "INT8" -> BIGINT;
      case "FLOAT4" -> REAL;
      case "FLOAT8" -> DOUBLE;
      case "NUMERIC" -> NUMERIC;
      case "CHAR", "VARCHAR", "BPCHAR", "TEXT", "NAME" -> TEXT;
      case "JSON", "JSONB" -> JSON;
      case "BYTEA" -> BYTES;
      case "DATE" -> DATE;
      case "TIMESTAMP" -> TIMESTAMP;
      case "TIMESTAMPTZ" -> TIMESTAMPTZ;
      case "UUID" -> UUID;
      default -> OTHER;
    };
  }

  /** Whether values are numbers (or their non-finite names), which are never treated as text. */
  public boolean isNumeric() {
    return switch (this) {
      case SMALLINT, INTEGER, BIGINT, REAL, DOUBLE, NUMERIC -> true;
      default -> false;
    };
  }

  /** Whether values are free text, which a spreadsheet could take for a formula. */
  public boolean isText() {
    return this == TEXT || this == OTHER;
  }
}
