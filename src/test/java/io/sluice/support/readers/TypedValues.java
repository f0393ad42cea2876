package io.sluice.support.readers;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sluice.value.Column;
import io.sluice.value.ValueKind;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what a format's parser gives back into Sluice's row values ({@link
 * io.sluice.value.Values}), by the column's kind, so that the rows a reader decodes compare
 * equal to the rows written. Strict: a value of the wrong family (a string where a number
 * belongs, a fraction in an integer column) fails with an {@link AssertionError}, never an
 * {@link IOException}, so it cannot pass for the detection of a cut. Arrays, bytea and JSON
 * columns are not read here.
 */
final class TypedValues {

  /** Strict JSON: exact decimals (trailing zeros kept), nothing after the value, no duplicate keys. */
  static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  /** The key of Sluice's in-band JSON records. */
  static final String RESERVED_KEY = "_sluice";

  private static final Set<String> NON_FINITE = Set.of("NaN", "Infinity", "-Infinity");
  /** What CSV, TSV and Arrow write after the rows of a cut body: {@code sluice: stream cut after N rows: <code>: <message> (request <id>)}. */
  private static final Pattern TEXT_RECORD = Pattern.compile(
      "sluice: stream cut after (\\d+) rows: ([a-z-]+): (.*?)(?: \\(request ([^()]*)\\))?", Pattern.DOTALL);

  private TypedValues() {}

  /** The body as UTF-8, refusing malformed bytes. */
  static String utf8(byte[] body) throws IOException {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      throw new IOException("the body is not UTF-8", e);
    }
  }

  /** One row object: exactly the columns' names, in order, each value of its column's kind. */
  static List<Object> row(JsonNode object, List<Column> columns) {
    if (!object.isObject()) {
      throw new AssertionError("a row is not a JSON object: " + object);
    }
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    if (!names.equals(columns.stream().map(Column::name).toList())) {
      throw new AssertionError("row keys " + names + " are not the columns " + columns.stream().map(Column::name).toList());
    }
    List<Object> row = new ArrayList<>(columns.size());
    Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
    for (Column column : columns) {
      row.add(fromJson(column, fields.next().getValue()));
    }
    return row;
  }

  static Object fromJson(Column column, JsonNode node) {
    if (node.isNull()) {
      return null;
    }
    requireScalar(column);
    Object value = switch (column.kind()) {
      case BOOLEAN -> node.isBoolean() ? node.booleanValue() : null;
      case SMALLINT, INTEGER, BIGINT -> node.isIntegralNumber() && node.canConvertToLong() ? node.longValue() : null;
      case REAL, NUMERIC -> node.isNumber() ? node.decimalValue() : nonFinite(node);
      case DOUBLE -> node.isNumber() ? (Object) node.doubleValue() : nonFinite(node);
      default -> node.isTextual() ? node.textValue() : null;
    };
    if (value == null) {
      throw new AssertionError("column '" + column.name() + "' (" + column.kind() + ") holds " + node);
    }
    return value;
  }

  private static String nonFinite(JsonNode node) {
    return node.isTextual() && NON_FINITE.contains(node.textValue()) ? node.textValue() : null;
  }

  /** A value as CSV and TSV write it, and as Arrow's Utf8 columns hold it; {@code null} stays null. */
  static Object fromText(Column column, String text) {
    if (text == null) {
      return null;
    }
    requireScalar(column);
    try {
      return switch (column.kind()) {
        case BOOLEAN -> switch (text) {
          case "true" -> Boolean.TRUE;
          case "false" -> Boolean.FALSE;
          default -> throw new AssertionError("not a boolean: " + text);
        };
        case SMALLINT, INTEGER, BIGINT -> Long.valueOf(text);
        case REAL, NUMERIC -> NON_FINITE.contains(text) ? text : new BigDecimal(text);
        case DOUBLE -> NON_FINITE.contains(text) ? text : Double.valueOf(text);
        default -> text;
      };
    } catch (NumberFormatException e) {
      throw new AssertionError("column '" + column.name() + "' (" + column.kind() + ") holds '" + text + "'", e);
    }
  }

  /** A value as Arrow Java's {@code getObject} gives it, for the type the encoder maps the column to. */
  static Object fromArrow(Column column, Object value) {
    if (value == null) {
      return null;
    }
    requireScalar(column);
    return switch (column.kind()) {
      case BOOLEAN -> (Boolean) value;
      case SMALLINT, INTEGER, BIGINT -> ((Number) value).longValue();
      case REAL -> nonFinite(((Float) value).doubleValue(), new BigDecimal(value.toString()));
      case DOUBLE -> nonFinite((Double) value, value);
      case NUMERIC -> value instanceof BigDecimal decimal ? decimal : fromText(column, value.toString());
      case DATE -> LocalDate.ofEpochDay((Integer) value).toString();
      // Arrow keeps the instant, not the offset: the value comes back in UTC, as PostgreSQL sends it
      case TIMESTAMPTZ -> Instant.EPOCH.plus((Long) value, ChronoUnit.MICROS)
          .atOffset(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
      case TIMESTAMP -> ((LocalDateTime) value).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
      default -> fromText(column, value.toString());
    };
  }

  private static Object nonFinite(double value, Object finite) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "Infinity" : "-Infinity";
    }
    return finite;
  }

  private static void requireScalar(Column column) {
    if (column.array() || column.kind() == ValueKind.BYTES || column.kind() == ValueKind.JSON) {
      throw new UnsupportedOperationException("the format readers do not read arrays, bytea or JSON: column '" + column.name() + "'");
    }
  }

  /**
   * The {@code _sluice} summary of a complete body, if {@code object} is one, checked against
   * the rows read; throws {@link IOException} if it is the record of a cut body.
   *
   * @return whether {@code object} was a summary record
   */
  static boolean summary(JsonNode object, long rowsRead) throws IOException {
    JsonNode record = object.get(RESERVED_KEY);
    if (record == null) {
      return false;
    }
    checkSummary(record, rowsRead);
    return true;
  }

  /** Checks a summary object ({@code {"status": ..., "rows": ...}}); the record of a cut body is an error. */
  static void checkSummary(JsonNode summary, long rowsRead) throws IOException {
    String status = summary.path("status").asText();
    if (status.equals("partial")) {
      throw new IOException("the body was cut: " + summary);
    }
    if (!status.equals("complete") || summary.path("rows").asLong(-1) != rowsRead) {
      throw new AssertionError("a summary that does not state " + rowsRead + " rows complete: " + summary);
    }
  }

  /** The record of a cut body as the JSON formats write it ({@code status} partial, {@code rows}, {@code error}, {@code resume}). */
  static FormatReader.CutRecord jsonRecord(JsonNode record) {
    if (!record.path("status").asText().equals("partial")) {
      throw new AssertionError("not the record of a cut body: " + record);
    }
    JsonNode error = record.path("error");
    return new FormatReader.CutRecord(record.path("rows").asLong(-1), error.path("code").textValue(), error.path("message").textValue(),
        error.path("requestId").textValue(), record.path("resume").textValue());
  }

  /** The record of a cut body as the text formats write it (CSV, TSV, Arrow), after its own prefix. */
  static FormatReader.CutRecord textRecord(String text) {
    Matcher matcher = TEXT_RECORD.matcher(text);
    if (!matcher.matches()) {
      throw new AssertionError("not a cut record: " + text);
    }
    return new FormatReader.CutRecord(Long.parseLong(matcher.group(1)), matcher.group(2), matcher.group(3), matcher.group(4), null);
  }
}
