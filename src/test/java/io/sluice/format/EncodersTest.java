package io.sluice.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.sluice.support.Csv;
import io.sluice.value.ChangeKey;
import io.sluice.value.Column;
import io.sluice.value.RawJson;
import io.sluice.value.SnapshotKey;
import io.sluice.value.ValueKind;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The encoders")
class EncodersTest {

  private static final List<Column> COLUMNS = List.of(
      Column.of("n", ValueKind.BIGINT), Column.of("d", ValueKind.NUMERIC), Column.of("s", ValueKind.TEXT), Column.of("j", ValueKind.JSON),
      Column.of("b", ValueKind.BYTES), new Column("a", ValueKind.TEXT, true, "text_array"), Column.of("f", ValueKind.DOUBLE));
  private static final List<String> NAMES = COLUMNS.stream().map(Column::name).toList();
  private static final List<Object[]> ROWS = List.of(
      new Object[] {Long.MAX_VALUE, new BigDecimal("1E+3"), "a,\"b\"\nc", new RawJson("{\"x\": [1]}"), new byte[] {0, -1}, Arrays.asList("p", null), 0.5},
      new Object[] {null, null, "", null, null, List.of(), Boolean.TRUE});

  @Test
  @DisplayName("A change's row is written as a snapshot row is, its object made once for every stream that writes that very row")
  void sharedChangeRows() {
    RowEncoder one = new NdjsonFormat().newEncoder(EncodingOptions.DEFAULTS);
    RowEncoder other = new SseFormat().newEncoder(EncodingOptions.DEFAULTS);
    RowEncoder snapshot = new NdjsonFormat().newEncoder(EncodingOptions.DEFAULTS);
    one.start(COLUMNS);
    other.start(COLUMNS);
    snapshot.start(COLUMNS);
    List<Object[]> keys = List.of(ChangeKey.of(ChangeKey.INSERT, "0/16B3748", 1), ChangeKey.of(ChangeKey.DELETE, "0/16B3748", Long.MAX_VALUE));
    String[] changes = one.encode(ROWS, keys).toString().split("\n");
    String[] rows = snapshot.encode(ROWS).toString().split("\n");
    for (int i = 0; i < ROWS.size(); i++) {
      JsonObject change = new JsonObject(changes[i]);
      assertThat(change.getJsonObject("_sluice").getString("op")).isEqualTo(ChangeKey.op(keys.get(i)));
      assertThat(change.getJsonObject("row")).isEqualTo(new JsonObject(rows[i]));
      assertThat(changes[i]).endsWith(",\"row\":" + rows[i] + "}");
    }
    assertThat(other.encode(ROWS, keys).toString()).contains("data: " + rows[0] + "\n");
    com.fasterxml.jackson.core.io.SerializedString[] names = NAMES.stream().map(com.fasterxml.jackson.core.io.SerializedString::new)
        .toArray(com.fasterxml.jackson.core.io.SerializedString[]::new);
    assertThat(SharedRowTexts.of(ROWS.get(0), names)).as("made once, kept").isSameAs(SharedRowTexts.of(ROWS.get(0), names.clone()));
    assertThat(SharedRowTexts.of(ROWS.get(0).clone(), names)).as("another row with equal values is its own").isNotSameAs(
        SharedRowTexts.of(ROWS.get(0), names));
  }

  @Test
  @DisplayName("NDJSON ends each batch of a followed stream's snapshot with a checkpoint naming the token after its last row")
  void snapshotCheckpoint() {
    RowEncoder encoder = new NdjsonFormat().newEncoder(EncodingOptions.DEFAULTS.withRowIds(key -> "token-after-" + SnapshotKey.key(key)[0]));
    encoder.start(COLUMNS);
    List<Object[]> keys = List.of(SnapshotKey.of("0/16B3748", "10:12:", new Object[] {1L}), SnapshotKey.of("0/16B3748", "10:12:", new Object[] {2L}));
    String[] lines = encoder.encode(ROWS, keys).toString().split("\n");
    assertThat(lines).hasSize(3);
    RowEncoder plain = new NdjsonFormat().newEncoder(EncodingOptions.DEFAULTS);
    plain.start(COLUMNS);
    assertThat(lines[0]).isEqualTo(plain.encode(ROWS.subList(0, 1)).toString().trim());
    assertThat(new JsonObject(lines[2])).isEqualTo(new JsonObject().put("_sluice", new JsonObject().put("status", "snapshot").put("resume", "token-after-2")));
    // a keyset export's batch has no checkpoint
    assertThat(encoder.encode(ROWS, List.of(new Object[] {1L}, new Object[] {2L})).toString().split("\n")).hasSize(2);
  }

  @Test
  @DisplayName("NDJSON writes one object per line, exact numbers, embedded JSON, base64 and arrays")
  void ndjson() {
    RowEncoder encoder = new NdjsonFormat().newEncoder(EncodingOptions.DEFAULTS);
    assertThat(encoder.start(COLUMNS).length()).isZero();

    String text = encoder.encode(ROWS).toString();

    assertThat(text).isEqualTo(
        "{\"n\":9223372036854775807,\"d\":1000,\"s\":\"a,\\\"b\\\"\\nc\",\"j\":{\"x\": [1]},\"b\":\"AP8=\",\"a\":[\"p\",null],\"f\":0.5}\n"
        + "{\"n\":null,\"d\":null,\"s\":\"\",\"j\":null,\"b\":null,\"a\":[],\"f\":true}\n");
  }

  @Test
  @DisplayName("CSV follows RFC 4180: header, CRLF, quoting, NULL empty and empty string quoted")
  void csv() {
    RowEncoder encoder = new CsvFormat().newEncoder(EncodingOptions.DEFAULTS);

    String text = encoder.start(COLUMNS).toString() + encoder.encode(ROWS).toString();

    assertThat(text).endsWith("\r\n");
    List<List<String>> rows = Csv.parse(text);
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0)).isEqualTo(NAMES);
    assertThat(rows.get(1)).containsExactly("9223372036854775807", "1000", "a,\"b\"\nc", "{\"x\": [1]}", "AP8=", "[\"p\",null]", "0.5");
    assertThat(rows.get(2)).containsExactly(null, null, "", null, null, "[]", "true");
  }

  @Test
  @DisplayName("NDJSON ends a complete body with nothing, or with the summary line when asked")
  void ndjsonSummary() {
    StreamSummary complete = StreamSummary.complete(2);

    assertThat(new NdjsonFormat().newEncoder(EncodingOptions.DEFAULTS).end(complete).length()).isZero();
    assertThat(new NdjsonFormat().newEncoder(new EncodingOptions(true, true, true)).end(complete).toString())
        .isEqualTo("{\"_sluice\":{\"status\":\"complete\",\"rows\":2}}\n");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"})
  @DisplayName("CSV and TSV defuse a text cell that a spreadsheet would run as a formula, unless asked not to")
  void formulaInjection(String cell) throws IOException {
    List<Column> columns = List.of(Column.of("t", ValueKind.TEXT), Column.of("o", ValueKind.OTHER), Column.of("n", ValueKind.NUMERIC));
    List<Object[]> rows = List.<Object[]>of(new Object[] {cell, cell, "-Infinity"});

    for (OutputFormat format : List.of(new CsvFormat(), new TsvFormat())) {
      RowEncoder safe = format.newEncoder(new EncodingOptions(false, true, false));
      RowEncoder raw = format.newEncoder(new EncodingOptions(false, false, false));
      safe.start(columns);
      raw.start(columns);
      char separator = format instanceof TsvFormat ? '\t' : ',';

      assertThat(readRow(safe.encode(rows).toString(), separator)).as(format.name()).containsExactly("'" + cell, "'" + cell, "-Infinity");
      assertThat(readRow(raw.encode(rows).toString(), separator)).as(format.name()).containsExactly(cell, cell, "-Infinity");
    }
  }

  private static List<String> readRow(String text, char separator) throws IOException {
    CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
    try (MappingIterator<String[]> rows = mapper.readerFor(String[].class)
        .with(CsvSchema.emptySchema().withColumnSeparator(separator)).readValues(text)) {
      return List.of(rows.next());
    }
  }

  @Test
  @DisplayName("CSV leaves harmless text, numbers and arrays alone")
  void formulaLookalikesLeftAlone() {
    RowEncoder encoder = new CsvFormat().newEncoder(new EncodingOptions(false, true, false));
    encoder.start(COLUMNS);

    List<String> row = Csv.parse(encoder.encode(List.<Object[]>of(
        new Object[] {-5L, new BigDecimal("-1.5"), "a=b", null, null, List.of("=x"), -0.5})).toString()).get(0);

    assertThat(row).containsExactly("-5", "-1.5", "a=b", null, null, "[\"=x\"]", "-0.5");
  }

  @Test
  @DisplayName("TSV separates fields with tabs and quotes only what needs it")
  void tsv() {
    RowEncoder encoder = new TsvFormat().newEncoder(EncodingOptions.DEFAULTS);

    String text = encoder.start(COLUMNS).toString() + encoder.encode(ROWS);

    assertThat(text).startsWith("n\td\ts\tj\tb\ta\tf\r\n9223372036854775807\t1000\t");
  }
}
