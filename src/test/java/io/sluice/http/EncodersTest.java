package io.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

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
    NdjsonEncoder encoder = new NdjsonEncoder();
    assertThat(encoder.start(COLUMNS).length()).isZero();

    String text = encoder.encode(ROWS).toString();

    assertThat(text).isEqualTo(
        "{\"n\":9223372036854775807,\"d\":1000,\"s\":\"a,\\\"b\\\"\\nc\",\"j\":{\"x\": [1]},\"b\":\"AP8=\",\"a\":[\"p\",null],\"f\":0.5}\n"
        + "{\"n\":null,\"d\":null,\"s\":\"\",\"j\":null,\"b\":null,\"a\":[],\"f\":true}\n");
  }

  @Test
  @DisplayName("CSV follows RFC 4180: header, CRLF, quoting, NULL empty and empty string quoted")
  void csv() {
    CsvEncoder encoder = new CsvEncoder();

    String text = encoder.start(COLUMNS).toString() + encoder.encode(ROWS).toString();

    assertThat(text).endsWith("\r\n");
    List<List<String>> rows = Csv.parse(text);
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0)).isEqualTo(COLUMNS);
    assertThat(rows.get(1)).containsExactly("9223372036854775807", "1000", "a,\"b\"\nc", "{\"x\": [1]}", "AP8=", "[\"p\",null]", "0.5");
    assertThat(rows.get(2)).containsExactly(null, null, "", null, null, "[]", "true");
  }
}
