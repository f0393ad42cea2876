package io.sluice.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.sluice.protocol.StreamError;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

import io.sluice.protocol.RawJson;
import io.sluice.support.Csv;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The encoders")
class EncodersTest {

  private static final List<String> COLUMNS = List.of("n", "d", "s", "j", "b", "a", "f");
  private static final List<Object[]> ROWS = List.of(
      new Object[] {Long.MAX_VALUE, new BigDecimal("1E+3"), "a,\"b\"\nc", new RawJson("{\"x\": [1]}"), new byte[] {0, -1}, Arrays.asList("p", null), 0.5},
      new Object[] {null, null, "", null, null, List.of(), Boolean.TRUE});

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
    assertThat(rows.get(0)).isEqualTo(COLUMNS);
    assertThat(rows.get(1)).containsExactly("9223372036854775807", "1000", "a,\"b\"\nc", "{\"x\": [1]}", "AP8=", "[\"p\",null]", "0.5");
    assertThat(rows.get(2)).containsExactly(null, null, "", null, null, "[]", "true");
  }

  @Test
  @DisplayName("NDJSON ends a complete body with a summary only when asked, and a cut one always with an error record")
  void ndjsonSummaryAndCut() throws Exception {
    StreamSummary complete = StreamSummary.complete(2);
    StreamSummary cut = StreamSummary.failed(2, StreamError.of("query-failed", 500, "boom \"quoted\"\nline"));

    assertThat(new NdjsonFormat().newEncoder(EncodingOptions.DEFAULTS).end(complete).length()).isZero();
    String summary = new NdjsonFormat().newEncoder(new EncodingOptions(true, true, true)).end(complete).toString();
    String error = new NdjsonFormat().newEncoder(EncodingOptions.DEFAULTS).cut(cut).toString();

    assertThat(summary).isEqualTo("{\"_sluice\":{\"status\":\"complete\",\"rows\":2}}\n");
    assertThat(error).endsWith("\n").doesNotContain("\nline");
    assertThat(new JsonObject(error.strip()).getJsonObject("_sluice"))
        .isEqualTo(new JsonObject().put("status", "error").put("rows", 2)
            .put("error", new JsonObject().put("code", "query-failed").put("message", "boom \"quoted\"\nline")));
  }

  @Test
  @DisplayName("CSV without a header starts with the first row")
  void csvWithoutHeader() {
    RowEncoder encoder = new CsvFormat().newEncoder(new EncodingOptions(false, true, false));

    assertThat(encoder.start(COLUMNS).length()).isZero();
    assertThat(Csv.parse(encoder.encode(ROWS).toString())).hasSize(2);
  }

  @Test
  @DisplayName("a cut CSV body ends in a record that a strict CSV reader rejects, while the complete part reads")
  void csvCutIsRejected() throws Exception {
    RowEncoder encoder = new CsvFormat().newEncoder(EncodingOptions.DEFAULTS);
    String complete = encoder.start(COLUMNS).toString() + encoder.encode(ROWS);
    String cut = complete + encoder.cut(StreamSummary.failed(2, StreamError.of("query-failed", 500, "say \"why\"\r\n")));
    CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);

    assertThat(readAll(mapper, complete)).hasSize(3);
    assertThat(cut.substring(complete.length())).startsWith("\"#sluice: stream cut after 2 rows: query-failed: say 'why'")
        .doesNotContain("\n");
    assertThatThrownBy(() -> readAll(mapper, cut)).isInstanceOf(IOException.class).hasMessageContaining("Missing closing quote");
  }

  private static List<String[]> readAll(CsvMapper mapper, String text) throws IOException {
    try (MappingIterator<String[]> rows = mapper.readerFor(String[].class).readValues(text)) {
      return rows.readAll();
    }
  }
}
