package io.sluice.cursor;

import io.sluice.value.RowBatch;
import io.sluice.dataset.ReadMode;
import io.sluice.dataset.SourceColumn;
import io.sluice.value.RawJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a PostgreSQL {@link Row} into the value array a {@link io.sluice.protocol.RowBatch}
 * carries, keeping type fidelity: integers and numerics exact, timestamps ISO-8601 with
 * offset, JSON verbatim, bytea as bytes, arrays as lists, and non-finite values
 * ({@code NaN}, {@code ±Infinity}, {@code ±infinity}) as strings.
 */
final class RowConverter {

  private static final int MAX_PG_YEAR = 294276;
  private static final int MIN_PG_YEAR = -4713;

  private final ReadMode[] modes;

  RowConverter(List<SourceColumn> columns) {
    this.modes = columns.stream().map(SourceColumn::readMode).toArray(ReadMode[]::new);
  }

  /** How many of a row's columns it converts, from the first. */
  int width() {
    return modes.length;
  }

  Object[] convert(Row row) {
    Object[] values = new Object[modes.length];
    for (int i = 0; i < modes.length; i++) {
      Object raw = row.getValue(i);
      values[i] =
          raw == null
              ? null
              : switch (modes[i]) {
                case NATIVE -> nativeValue(raw);
                case NUMERIC -> numeric((String) raw);
                case JSON -> json((String) raw);
                case TEXT -> raw;
                case TEXT_ARRAY -> list((Object[]) raw, e -> e);
                case NUMERIC_ARRAY -> list((Object[]) raw, e -> numeric((String) e));
                case JSON_ARRAY -> list((Object[]) raw, e -> json((String) e));
              };
    }
    return values;
  }

  /**
   * A JSON value, on one line: {@code json} (unlike {@code jsonb}) keeps its input's line
   * breaks, and a raw CR or LF can only stand between tokens, where a space means the same.
   */
  static RawJson json(String text) {
    if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
      return new RawJson(text);
    }
    return new RawJson(text.replace('\n', ' ').replace('\r', ' '));
  }

  /** A numeric read as text: exact as a BigDecimal, or NaN/Infinity/-Infinity as a string. */
  static Object numeric(String text) {
    char first = text.charAt(0);
    if (first == 'N' || first == 'I' || (first == '-' && text.charAt(1) == 'I')) {
      return text;
    }
    return new BigDecimal(text);
  }

  static Object nativeValue(Object raw) {
    if (raw instanceof String || raw instanceof Boolean || raw instanceof Long) {
      return raw;
    }
    if (raw instanceof Integer || raw instanceof Short) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof Double d) {
      return Double.isFinite(d) ? d : nonFinite(d);
    }
    if (raw instanceof Float f) {
      return Float.isFinite(f) ? new BigDecimal(Float.toString(f)) : nonFinite(f);
    }
    if (raw instanceof Temporal t) {
      return temporal(t);
    }
    if (raw instanceof Buffer b) {
      return b.getBytes();
    }
    if (raw instanceof JsonObject || raw instanceof JsonArray) {
      return new RawJson(raw.toString());
    }
    if (raw instanceof Object[] array) {
      return list(array, RowConverter::nativeValue);
    }
    return raw.toString();
  }

  private static String nonFinite(double d) {
    return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
  }

  private static String temporal(Temporal t) {
    // the driver decodes ±infinity as sentinels (MAX, or a year far before PostgreSQL's 4713 BC)
    if (t instanceof OffsetDateTime odt) {
      if (odt.getYear() > MAX_PG_YEAR) return "infinity";
      if (odt.getYear() < MIN_PG_YEAR) return "-infinity";
      return IsoText.of(odt);
    }
    if (t instanceof LocalDateTime ldt) {
      if (ldt.getYear() > MAX_PG_YEAR) return "infinity";
      if (ldt.getYear() < MIN_PG_YEAR) return "-infinity";
      return IsoText.of(ldt);
    }
    if (t instanceof LocalDate date) {
      if (date.getYear() > MAX_PG_YEAR * 20) return "infinity";
      if (date.getYear() < MIN_PG_YEAR) return "-infinity";
    }
    return t.toString();
  }

  private static List<Object> list(Object[] array, java.util.function.Function<Object, Object> element) {
    List<Object> values = new ArrayList<>(array.length);
    for (Object e : array) {
      values.add(e == null ? null : element.apply(e));
    }
    return values;
  }
}
