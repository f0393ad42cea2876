package io.sluice.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.Failure;
import io.sluice.error.Reason;
import io.sluice.support.readers.FormatReader;
import io.sluice.value.Column;
import io.sluice.value.ValueKind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The completion contract of docs/http.md, run over every format in {@link OutputFormats#ALL}
 * and read back by a strict reader of each ({@link FormatReader}): a complete body holds
 * exactly the rows written, a cut one is never taken for complete, a heartbeat changes
 * nothing a parser reads, and a value a format cannot hold is never written as another.
 */
@DisplayName("Every registered format")
class FormatContractTest {

  private static final List<Column> COLUMNS = List.of(
      new Column("id", ValueKind.BIGINT, false, "int8"), new Column("n", ValueKind.INTEGER, false, "int4"),
      new Column("label", ValueKind.TEXT, false, "text"), new Column("amount", ValueKind.NUMERIC, false, "numeric(12,2)"),
      new Column("exact", ValueKind.NUMERIC, false, "numeric"), new Column("ratio", ValueKind.DOUBLE, false, "float8"),
      new Column("flag", ValueKind.BOOLEAN, false, "bool"), new Column("at", ValueKind.TIMESTAMPTZ, false, "timestamptz"),
      new Column("local", ValueKind.TIMESTAMP, false, "timestamp"));

  /** Three batches: edge values of every kind, text that needs quoting or escaping, NULLs beside empty text. */
  private static final List<List<Object[]>> BATCHES = List.of(
      List.of(
          row(1L, 2147483647L, "plain", "12.50", "3.14159265358979323846264338327950288419716939937510", 0.5, true,
              "2024-02-29T13:45:01.123456Z", "2024-02-29T13:45:01.123456"),
          row(2L, -2147483648L, "comma, \"quoted\" and\nnew line\r\nand CRLF", "-0.01", "0.00000000000000000001", -1.25E300, false,
              "1969-12-31T23:59:59.9Z", "1999-12-31T23:59:59")),
      List.of(
          row(3L, null, null, null, null, null, null, null, null),
          row(4L, 0L, "", "0.00", "-12345678901234567890.123456789", "NaN", true, "2000-01-01T00:00:00Z", "2000-01-01T00:00:00")),
      List.of(
          row(Long.MAX_VALUE, 7L, "unicode: ünïcødé 日本語 🚀 \u2028 end", "9999999999.99", "1000", "-Infinity", false,
              "2262-04-11T23:47:16.854775Z", "0001-01-01T00:00:00"),
          row(Long.MIN_VALUE, -7L, "tab\there; 'single'; trailing space ", "-9999999999.99", "-0.5", "Infinity", null,
              "1900-01-01T00:00:00.000001Z", "9999-12-31T23:59:59.999999")));

  /**
   * One text column: a CSV reader cannot tell a row from the cut record by counting fields,
   * so only the quote that never closes gives the cut away.
   */
  private static final List<Column> ONE_TEXT_COLUMN = List.of(new Column("note", ValueKind.TEXT, false, "text"));
  private static final List<List<Object[]>> TEXT_BATCHES = List.of(
      List.<Object[]>of(new Object[] {"first"}, new Object[] {"a, b"}),
      List.<Object[]>of(new Object[] {"say \"hi\""}, new Object[] {"two\r\nlines"}));

  private static final String CODE = "query-failed";
  /** What no record may let through as is: quotes, line breaks, a tab, a comma, non-ASCII text. */
  private static final String MESSAGE = "the query failed: say \"why\", twice;\r\nthen\ta tab, ünï";
  private static final String REQUEST_ID = "req-42";

  /** The token of a stream cut before its first row. */
  private static final String FROM_START = "from-start";
  /** Rows are named by the token after them, as HTTP does for SSE. */
  private static final EncodingOptions DEFAULTS = EncodingOptions.DEFAULTS.withRowIds(FormatContractTest::tokenAfter);
  private static final EncodingOptions SUMMARY_NO_HEADER = new EncodingOptions(false, true, true).withRowIds(FormatContractTest::tokenAfter);

  private static Object[] row(long id, Long n, String label, String amount, String exact, Object ratio, Boolean flag, String at, String local) {
    return new Object[] {id, n, label, amount == null ? null : new BigDecimal(amount), exact == null ? null : new BigDecimal(exact),
        ratio, flag, at, local};
  }

  /** The summary of a body cut after {@code rows} rows: the one place that builds a stream's error. */
  private static StreamSummary cutAfter(long rows, String resume, String code, String message) {
    return StreamSummary.partial(rows, Failure.of(Reason.ofCode(code), message).withRequestId(REQUEST_ID), resume);
  }

  static Stream<Named<OutputFormat>> formats() {
    return OutputFormats.ALL.stream().map(format -> Named.of(format.name(), format));
  }

  static Stream<Arguments> formatsAndOptions() {
    return formats().flatMap(format -> Stream.of(
        Arguments.of(format, Named.of("defaults", DEFAULTS)),
        Arguments.of(format, Named.of("meta=true, header=false", SUMMARY_NO_HEADER))));
  }

  static Stream<Arguments> cuts() {
    return formats().flatMap(format -> Stream.of(
        Arguments.of(format, Named.of("after three batches", COLUMNS), BATCHES),
        Arguments.of(format, Named.of("before any row", COLUMNS), List.of()),
        Arguments.of(format, Named.of("after two batches of one text column", ONE_TEXT_COLUMN), TEXT_BATCHES)));
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("formatsAndOptions")
  @DisplayName("reads back exactly the typed rows written, from a complete body of several batches")
  void complete(OutputFormat format, EncodingOptions options) throws IOException {
    byte[] body = body(format, options, COLUMNS, BATCHES, false, (encoder, rows) -> encoder.end(StreamSummary.complete(rows)));

    assertThat(FormatReader.of(format).read(body, COLUMNS, options)).containsExactlyElementsOf(rows(BATCHES));
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("formatsAndOptions")
  @DisplayName("writes a result without rows as a valid complete body")
  void empty(OutputFormat format, EncodingOptions options) throws IOException {
    byte[] body = body(format, options, COLUMNS, List.of(), false, (encoder, rows) -> encoder.end(StreamSummary.complete(rows)));

    assertThat(FormatReader.of(format).read(body, COLUMNS, options)).isEmpty();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("cuts")
  @DisplayName("ends a cut body so that its strict reader fails, with the record naming the rows before it, the error and how to resume")
  void cut(OutputFormat format, List<Column> columns, List<List<Object[]>> batches) throws IOException {
    FormatReader reader = FormatReader.of(format);
    String resume = resumeAfter(batches);
    byte[] body = body(format, DEFAULTS, columns, batches, false, (encoder, rows) -> encoder.cut(cutAfter(rows, resume, CODE, MESSAGE)));

    assertThatThrownBy(() -> reader.read(body, columns, DEFAULTS)).as("a strict reader of the cut body").isInstanceOf(IOException.class);
    FormatReader.Cut cut = reader.readCut(body, columns, DEFAULTS);
    assertThat(cut.rows()).containsExactlyElementsOf(rows(batches));
    assertThat(cut.record()).isEqualTo(new FormatReader.CutRecord(rows(batches).size(), CODE, cut.record().message(), REQUEST_ID,
        reader.recordCarriesResume() ? resume : null));
    // a text record keeps to one line and never closes its quote: quotes and line breaks become ' and spaces
    assertThat(cut.record().message()).isIn(MESSAGE, MESSAGE.replace('"', '\'').replace('\r', ' ').replace('\n', ' '));
    if (reader.namesRows()) {
      assertThat(cut.lastEventId()).as("the id a reconnect names: the last row's, or the stream's start").isEqualTo(resume)
          .isEqualTo(batches.isEmpty() ? FROM_START : cut.lastRowId());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  @DisplayName("has no heartbeat, or one that leaves the rows a parser reads unchanged, in complete and cut bodies alike")
  void heartbeat(OutputFormat format) throws IOException {
    FormatReader reader = FormatReader.of(format);
    byte[] complete = body(format, DEFAULTS, COLUMNS, BATCHES, true, (encoder, rows) -> encoder.end(StreamSummary.complete(rows)));
    byte[] cut = body(format, DEFAULTS, COLUMNS, BATCHES, true,
        (encoder, rows) -> encoder.cut(cutAfter(rows, resumeAfter(BATCHES), CODE, MESSAGE)));

    assertThat(reader.read(complete, COLUMNS, DEFAULTS)).containsExactlyElementsOf(rows(BATCHES));
    assertThatThrownBy(() -> reader.read(cut, COLUMNS, DEFAULTS)).isInstanceOf(IOException.class);
    assertThat(reader.readCut(cut, COLUMNS, DEFAULTS).rows()).containsExactlyElementsOf(rows(BATCHES));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  @DisplayName("states a move to another server in-band when it has in-band records (NDJSON, JSON, SSE: event moved), else writes nothing")
  void moved(OutputFormat format) {
    RowEncoder encoder = format.newEncoder(DEFAULTS);
    try {
      encoder.start(COLUMNS);
      encoder.encode(BATCHES.get(0), keys(BATCHES.get(0)));
      Buffer record = encoder.moved(new MovedRecord("10.0.0.2:5432", "primary", "after-2"));
      if (!format.marksSampling()) {
        assertThat(record).as("a format without in-band records just goes on").isNull();
        return;
      }
      String text = record.toString(StandardCharsets.UTF_8);
      JsonObject expected = new JsonObject().put("status", "moved").put("from", "10.0.0.2:5432").put("to", "primary").put("resume", "after-2");
      if (format.name().equals("sse")) {
        assertThat(io.sluice.support.Sse.parse(text)).singleElement().satisfies(event -> {
          assertThat(event.type()).isEqualTo("moved");
          assertThat(new JsonObject(event.data())).isEqualTo(expected);
        });
      } else {
        assertThat(text).as("one record: a line of NDJSON, an element after a comma in JSON").startsWith(format.name().equals("json") ? ",\n{" : "{");
        assertThat(new JsonObject(text.substring(text.indexOf('{'))).getJsonObject("_sluice")).isEqualTo(expected);
      }
    } finally {
      encoder.close();
    }
  }

  /** Values some format's types cannot hold: Arrow's Decimal128(12, 2) and its timestamps. */
  static Stream<Arguments> unrepresentable() {
    return formats().flatMap(format -> Stream.of(
        Arguments.of(format, Named.of("NaN in numeric(12,2)", "amount"), "NaN"),
        Arguments.of(format, Named.of("-Infinity in numeric(12,2)", "amount"), "-Infinity"),
        Arguments.of(format, Named.of("a numeric over its declared precision", "amount"), new BigDecimal("12345678901.00")),
        Arguments.of(format, Named.of("infinity in a timestamptz", "at"), "infinity"),
        Arguments.of(format, Named.of("-infinity in a timestamp", "local"), "-infinity")));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("unrepresentable")
  @DisplayName("writes a value exactly or refuses it, naming row and column, and the cut then reads as one: never null or another value")
  void unrepresentableValue(OutputFormat format, String column, Object value) throws IOException {
    FormatReader reader = FormatReader.of(format);
    List<Object[]> before = BATCHES.get(0);
    Object[] row = BATCHES.get(1).get(1).clone();
    row[indexOf(column)] = value;
    RowEncoder encoder = format.newEncoder(DEFAULTS);
    try {
      Buffer body = encoder.start(COLUMNS).appendBuffer(encoder.encode(before, keys(before)));
      Buffer chunk;
      try {
        chunk = encoder.encode(List.<Object[]>of(row), keys(List.<Object[]>of(row)));
      } catch (UnrepresentableValueException e) {
        assertThat(e).hasMessageContaining("row " + (before.size() + 1) + ", column '" + column + "'");
        byte[] cut = body.appendBuffer(encoder.cut(cutAfter(before.size(), resumeAfter(List.of(before)), "unrepresentable-value", e.getMessage()))).getBytes();
        assertThatThrownBy(() -> reader.read(cut, COLUMNS, DEFAULTS)).isInstanceOf(IOException.class);
        assertThat(reader.readCut(cut, COLUMNS, DEFAULTS).rows()).containsExactlyElementsOf(rows(List.of(before)));
        return;
      }
      byte[] complete = body.appendBuffer(chunk).appendBuffer(encoder.end(StreamSummary.complete(before.size() + 1L))).getBytes();
      assertThat(reader.read(complete, COLUMNS, DEFAULTS)).containsExactlyElementsOf(rows(List.of(before, List.<Object[]>of(row))));
    } finally {
      encoder.close();
    }
  }

  /**
   * A body of one encoder: start, the batches (each row's key its first value), then {@code
   * ending}; with {@code heartbeats}, the format's heartbeat before, between and after them.
   */
  private static byte[] body(OutputFormat format, EncodingOptions options, List<Column> columns, List<List<Object[]>> batches,
      boolean heartbeats, BiFunction<RowEncoder, Long, Buffer> ending) {
    RowEncoder encoder = format.newEncoder(options);
    try {
      Buffer body = encoder.start(columns);
      long rows = 0;
      for (List<Object[]> batch : batches) {
        beat(encoder, body, heartbeats);
        body.appendBuffer(encoder.encode(batch, keys(batch)));
        rows += batch.size();
      }
      beat(encoder, body, heartbeats);
      return body.appendBuffer(ending.apply(encoder, rows)).getBytes();
    } finally {
      encoder.close();
    }
  }

  private static void beat(RowEncoder encoder, Buffer body, boolean heartbeats) {
    Buffer heartbeat = encoder.heartbeat();
    if (heartbeats && heartbeat != null) {
      body.appendBuffer(heartbeat).appendBuffer(heartbeat);
    }
  }

  private static List<Object[]> keys(List<Object[]> batch) {
    return batch.stream().map(row -> new Object[] {row[0]}).toList();
  }

  /** The token after the last row of {@code batches}, as the rows' ids name it. */
  private static String resumeAfter(List<List<Object[]>> batches) {
    List<List<Object>> rows = rows(batches);
    return rows.isEmpty() ? FROM_START : tokenAfter(new Object[] {rows.get(rows.size() - 1).get(0)});
  }

  /** A stand-in for a resume token: URL-safe, as the real ones are, whatever the key holds. */
  private static String tokenAfter(Object[] key) {
    return "after-" + Base64.getUrlEncoder().withoutPadding().encodeToString(String.valueOf(key[0]).getBytes(StandardCharsets.UTF_8));
  }

  private static List<List<Object>> rows(List<List<Object[]>> batches) {
    List<List<Object>> rows = new ArrayList<>();
    batches.forEach(batch -> batch.forEach(row -> rows.add(Arrays.asList(row))));
    return rows;
  }

  private static int indexOf(String column) {
    return COLUMNS.stream().map(Column::name).toList().indexOf(column);
  }
}
