package io.sluice.format;

import io.sluice.error.Reason;
import io.sluice.error.Failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.support.Sse;
import io.sluice.value.Column;
import io.sluice.value.ValueKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The in-band sampling records")
class SamplingRecordsTest {

  private static final List<Column> COLUMNS = List.of(Column.of("id", ValueKind.BIGINT), Column.of("amount", ValueKind.NUMERIC));
  private static final List<Object[]> ROWS = List.of(new Object[] {1L, new BigDecimal("1.50")}, new Object[] {2L, new BigDecimal("2")});
  private static final List<Object[]> KEYS = List.of(new Object[] {1L}, new Object[] {2L});
  private static final SamplingChange TO_FIVE = new SamplingChange(5, "v1.after-2", new Object[] {2L});
  private static final StreamSummary SAMPLED = StreamSummary.sampled(3, new StreamSummary.Sampled(12, 5));
  private static final JsonObject SAMPLING = new JsonObject().put("rate", 5).put("after", "v1.after-2").put("key", new JsonArray().add(2));

  @Test
  @DisplayName("are offered by NDJSON, JSON and SSE only")
  void whichFormatsMarkSampling() {
    assertThat(OutputFormats.ALL.stream().filter(OutputFormat::marksSampling).map(OutputFormat::name)).containsExactly("ndjson", "json", "sse");
    assertThatThrownBy(() -> new CsvFormat().newEncoder(EncodingOptions.DEFAULTS).samplingChange(TO_FIVE))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  @DisplayName("NDJSON: one _sluice line naming the rate, the token and the key, and a sampled body always ends with its summary")
  void ndjson() {
    RowEncoder encoder = new NdjsonFormat().newEncoder(EncodingOptions.DEFAULTS);
    String body = encoder.start(COLUMNS).toString() + encoder.encode(ROWS, KEYS) + encoder.samplingChange(TO_FIVE)
        + encoder.encode(ROWS.subList(0, 1), KEYS.subList(0, 1)) + encoder.end(SAMPLED);

    String[] lines = body.split("\n", -1);
    assertThat(lines).hasSize(6).endsWith("");
    assertThat(lines[2]).isEqualTo("{\"_sluice\":{\"sampling\":{\"rate\":5,\"after\":\"v1.after-2\",\"key\":[2]}}}");
    assertThat(new JsonObject(lines[4]).getJsonObject("_sluice"))
        .isEqualTo(new JsonObject().put("status", "sampled").put("rows", 3).put("read", 12).put("rate", 5));
  }

  @Test
  @DisplayName("JSON: an element of the array, which stays valid JSON, and a sampled array always ends with its summary")
  void jsonArray() {
    RowEncoder encoder = new JsonArrayFormat().newEncoder(EncodingOptions.DEFAULTS);
    String body = encoder.start(COLUMNS).toString() + encoder.encode(ROWS, KEYS) + encoder.samplingChange(TO_FIVE)
        + encoder.encode(ROWS.subList(0, 1), KEYS.subList(0, 1)) + encoder.end(SAMPLED);

    JsonArray array = new JsonArray(body);
    assertThat(array).hasSize(5);
    assertThat(array.getJsonObject(2)).isEqualTo(new JsonObject().put("_sluice", new JsonObject().put("sampling", SAMPLING)));
    assertThat(array.getJsonObject(3).getLong("id")).isEqualTo(1L);
    assertThat(array.getJsonObject(4).getJsonObject("_sluice").getString("status")).isEqualTo("sampled");
  }

  @Test
  @DisplayName("JSON: a record before any row still gives a valid array")
  void jsonArrayRecordFirst() {
    RowEncoder encoder = new JsonArrayFormat().newEncoder(EncodingOptions.DEFAULTS);
    SamplingChange fromStart = new SamplingChange(5, "v1.start", null);
    String body = encoder.start(COLUMNS).toString() + encoder.samplingChange(fromStart) + encoder.encode(ROWS, KEYS) + encoder.end(SAMPLED);

    JsonArray array = new JsonArray(body);
    assertThat(array.getJsonObject(0).getJsonObject("_sluice").getJsonObject("sampling"))
        .isEqualTo(new JsonObject().put("rate", 5).put("after", "v1.start"));
    assertThat(array).hasSize(4);
  }

  @Test
  @DisplayName("SSE: a sampling event without an id, so the browser's last event id stays the last row's")
  void sse() {
    RowEncoder encoder = new SseFormat().newEncoder(EncodingOptions.DEFAULTS.withRowIds(key -> "t" + key[0]));
    String body = encoder.start(COLUMNS).toString() + encoder.encode(ROWS, KEYS) + encoder.samplingChange(TO_FIVE)
        + encoder.end(SAMPLED);

    List<Sse.Event> events = Sse.parse(body);
    assertThat(events).extracting(Sse.Event::type).containsExactly("message", "message", SseFormat.SAMPLING, SseFormat.END);
    assertThat(new JsonObject(events.get(2).data())).isEqualTo(SAMPLING);
    assertThat(events.get(2).lastEventId()).isEqualTo("t2");
    assertThat(new JsonObject(events.get(3).data()).getString("status")).isEqualTo("sampled");
  }

  @Test
  @DisplayName("a cut sampled stream's error record says partial, with the rows read and the rate")
  void partialSampled() {
    StreamSummary cut = StreamSummary.partial(3, Failure.of(Reason.QUERY_FAILED, "boom"), "v1.t", new StreamSummary.Sampled(40, 10));

    String line = new NdjsonFormat().newEncoder(EncodingOptions.DEFAULTS).cut(cut).toString();

    JsonObject record = new JsonObject(line.strip()).getJsonObject("_sluice");
    assertThat(record.getString("status")).isEqualTo("partial");
    assertThat(record.getLong("rows")).isEqualTo(3);
    assertThat(record.getLong("read")).isEqualTo(40);
    assertThat(record.getInteger("rate")).isEqualTo(10);
    assertThat(record.getString("resume")).isEqualTo("v1.t");
  }
}
