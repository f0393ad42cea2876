package io.sluice;

import io.sluice.dataset.Position;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.sluice.resume.ResumeTokens;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.Sse;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every format parsed back with a real parser holds what NDJSON holds (which ExportIT and
 * TypeFidelityIT hold equal to the database), row for row and value for value.
 */
@DisplayName("Each format, read back by its own parser")
class FormatsIT extends ServiceTest {

  private static final ResumeTokens TOKENS = new ResumeTokens(TestSluice.RESUME_KEY, 60);

  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx);
  }

  private static String body(String path, String format) {
    HttpResponse<String> response = Http.get(port, path + (path.contains("?") ? "&" : "?") + "format=" + format);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  private static List<JsonNode> ndjson(String path) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    for (String line : body(path, "ndjson").split("\n")) {
      rows.add(JSON.readTree(line));
    }
    return rows;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/v1/datasets/types/rows", "/v1/datasets/transactions/rows?limit=1500"})
  @DisplayName("json is one array of the NDJSON objects, valid JSON, types included")
  void jsonArray(String path) throws Exception {
    JsonNode array = JSON.readTree(body(path, "json"));

    assertThat(array.isArray()).isTrue();
    List<JsonNode> rows = new ArrayList<>();
    array.forEach(rows::add);
    assertThat(rows).isEqualTo(ndjson(path));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/v1/datasets/types/rows", "/v1/datasets/transactions/rows?limit=1500"})
  @DisplayName("sse is one event per NDJSON object, each with the resume token after its row as id, then the end event")
  void sse(String path) throws Exception {
    List<Sse.Event> events = Sse.parse(body(path, "sse"));
    List<JsonNode> expected = ndjson(path);
    String dataset = path.split("/")[3];

    assertThat(events).hasSize(expected.size() + 1);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(events.get(i).type()).isEqualTo("message");
      assertThat(TOKENS.verify(events.get(i).lastEventId(), dataset, Map.of(), "anonymous")).as("the key in event %d's id", i + 1)
          .isEqualTo(Position.afterKey(List.of(expected.get(i).get("id").asText())));
      assertThat(JSON.readTree(events.get(i).data())).as("event %d", i + 1).isEqualTo(expected.get(i));
    }
    Sse.Event end = events.get(expected.size());
    assertThat(end.type()).isEqualTo("end");
    assertThat(end.lastEventId()).isEqualTo("end");
    assertThat(JSON.readTree(end.data())).isEqualTo(JSON.readTree("{\"status\":\"complete\",\"rows\":" + expected.size() + "}"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"/v1/datasets/types/rows", "/v1/datasets/transactions/rows?limit=1500"})
  @DisplayName("tsv holds the same cells as csv")
  void tsvEqualsCsv(String path) throws Exception {
    assertThat(cells(body(path, "tsv"), '\t')).isEqualTo(cells(body(path, "csv"), ','));
  }

  private static List<List<String>> cells(String text, char separator) throws IOException {
    CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
    List<List<String>> rows = new ArrayList<>();
    try (MappingIterator<String[]> it = mapper.readerFor(String[].class)
        .with(CsvSchema.emptySchema().withColumnSeparator(separator)).readValues(text)) {
      it.forEachRemaining(row -> rows.add(List.of(row)));
    }
    assertThat(rows).isNotEmpty();
    return rows;
  }

  @Test
  @DisplayName("an empty result is an empty JSON array, a header-only CSV and a lone end event")
  void emptyResult() throws Exception {
    assertThat(JSON.readTree(body("/v1/datasets/series/rows?count=0", "json")).size()).isZero();
    assertThat(body("/v1/datasets/series/rows?count=0", "csv")).isEqualTo("n,label\r\n");
    assertThat(Sse.parse(body("/v1/datasets/series/rows?count=0", "sse"))).extracting(Sse.Event::type).containsExactly("end");
  }

  @Test
  @DisplayName("an EventSource reconnecting resumes after the event it names, past the end gets 204, and with a bad id 400, which stops it")
  void sseReconnect() throws Exception {
    String path = "/v1/datasets/series/rows?count=5&format=sse";
    List<Sse.Event> first = Sse.parse(Http.get(port, path).body());

    HttpResponse<String> resumed = Http.get(port, path, "Last-Event-ID", first.get(1).lastEventId());
    HttpResponse<String> pastTheEnd = Http.get(port, path, "Last-Event-ID", "end");
    HttpResponse<String> forged = Http.get(port, path, "Last-Event-ID", "2");

    List<Sse.Event> rest = Sse.parse(resumed.body());
    assertThat(resumed.statusCode()).isEqualTo(200);
    assertThat(rest).extracting(Sse.Event::data).containsExactlyElementsOf(
        first.subList(2, first.size()).stream().map(Sse.Event::data).map(d -> d.replace("\"rows\":5", "\"rows\":3")).toList());
    assertThat(pastTheEnd.statusCode()).isEqualTo(204);
    assertThat(forged.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(forged.body()).getJsonObject("error").getString("parameter")).isEqualTo("resume");
  }
}
