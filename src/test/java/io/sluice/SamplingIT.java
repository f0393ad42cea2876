package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code degrade=sample}: a client that keeps its stream blocked gets one row in 5, then in 10,
 * each rate announced in-band, and an end that says {@code sampled}; a client that keeps up
 * gets every row; formats that cannot mark it refuse it.
 */
@DisplayName("Sampling (degrade=sample)")
class SamplingIT extends ServiceTest {

  private static final String ROWS = "/v1/datasets/transactions/rows";
  private static List<JsonObject> everyRow;
  private static Map<Long, Integer> positionOfId;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.getJsonObject("http").put("sampleWindowSeconds", 1).put("sendBufferSize", 32 * 1024));
    HttpResponse<String> all = Http.get(port, ROWS);
    assertThat(all.statusCode()).isEqualTo(200);
    everyRow = all.body().lines().map(JsonObject::new).toList();
    assertThat(everyRow).hasSize(TestDatabase.DEMO_ROWS);
    positionOfId = new HashMap<>();
    for (int i = 0; i < everyRow.size(); i++) {
      positionOfId.put(everyRow.get(i).getLong("id"), i);
    }
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
    assertThat(sluice.metrics().blockedResponses()).isZero();
  }

  /** Opens a sampled stream with a client that reads nothing until the stream has raised its rate to 10, then reads it all. */
  private static RawHttpClient.Chunked stalledThenRead(String pathAndQuery) throws Exception {
    double raisedBefore = sluice.metrics().samplingRateChanges();
    try (RawHttpClient client = RawHttpClient.get(port, pathAndQuery)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> sluice.metrics().blockedResponses() == 1);
      // blocked all along: each window over the share raises the rate, 1 -> 5 -> 10
      await().atMost(Duration.ofSeconds(20)).until(() -> sluice.metrics().samplingRateChanges() - raisedBefore >= 2);
      return RawHttpClient.Chunked.decode(client.readToEnd());
    }
  }

  @Test
  @DisplayName("gives a client that keeps the stream blocked every 5th, then every 10th row, each rate announced before its rows, and ends sampled")
  void blockedClientGetsASample() throws Exception {
    double sampledOutBefore = sluice.metrics().rowsSampledOut();

    RawHttpClient.Chunked response = stalledThenRead(ROWS + "?degrade=sample");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.complete()).as("a sampled body ends cleanly").isTrue();
    List<JsonObject> lines = response.body().lines().map(JsonObject::new).toList();
    Body body = Body.check(lines);
    JsonObject summary = lines.get(lines.size() - 1).getJsonObject("_sluice");

    assertThat(body.rates).containsExactly(5, 10);
    assertThat(body.rows).isLessThan(TestDatabase.DEMO_ROWS / 5);
    assertThat(summary).isEqualTo(new JsonObject().put("status", "sampled").put("rows", body.rows)
        .put("read", TestDatabase.DEMO_ROWS).put("rate", 10));
    assertThat(response.trailers()).contains("Sluice-Status: sampled").contains("Sluice-Row-Count: " + body.rows);
    assertThat(sluice.metrics().rowsSampledOut() - sampledOutBefore).isEqualTo(TestDatabase.DEMO_ROWS - body.rows);

    // the token of a rate record goes on with the row after its key
    JsonObject lastChange = body.changes.get(body.changes.size() - 1);
    HttpResponse<String> resumed = Http.get(port, ROWS + "?limit=1&resume=" + URLEncoder.encode(lastChange.getString("after"), StandardCharsets.UTF_8));
    long keyId = lastChange.getJsonArray("key").getLong(0);
    assertThat(new JsonObject(resumed.body().strip())).isEqualTo(everyRow.get(positionOfId.get(keyId) + 1));
  }

  @Test
  @DisplayName("as a JSON array stays valid JSON, the rate records and the summary among its elements")
  void jsonArray() throws Exception {
    RawHttpClient.Chunked response = stalledThenRead(ROWS + "?degrade=sample&format=json");

    assertThat(response.complete()).isTrue();
    JsonArray array = new JsonArray(response.body());
    List<JsonObject> elements = array.stream().map(JsonObject.class::cast).toList();
    Body body = Body.check(elements);

    assertThat(body.rates).containsExactly(5, 10);
    assertThat(elements.get(elements.size() - 1).getJsonObject("_sluice").getString("status")).isEqualTo("sampled");
    assertThat(response.trailers()).contains("Sluice-Status: sampled").contains("Sluice-Row-Count: " + body.rows);
  }

  @Test
  @DisplayName("cut after it sampled ends partial, with its rows read and rate beside its token")
  void sampledThenCut() throws Exception {
    int failAt = 40_000;

    RawHttpClient.Chunked response = stalledThenRead("/v1/datasets/failing/rows?fail_at=" + failAt + "&degrade=sample");

    assertThat(response.complete()).as("a cut body never ends cleanly").isFalse();
    List<JsonObject> lines = response.body().lines().map(JsonObject::new).toList();
    JsonObject last = lines.get(lines.size() - 1).getJsonObject("_sluice");
    long rowsSent = lines.stream().filter(line -> !line.containsKey("_sluice")).count();
    List<Integer> rates = lines.stream().filter(line -> line.containsKey("_sluice") && line.getJsonObject("_sluice").containsKey("sampling"))
        .map(line -> line.getJsonObject("_sluice").getJsonObject("sampling").getInteger("rate")).toList();

    assertThat(rates).containsExactly(5, 10);
    assertThat(last.getString("status")).isEqualTo("partial");
    assertThat(last.getLong("rows")).isEqualTo(rowsSent);
    assertThat(last.getLong("read")).isGreaterThan(rowsSent).isLessThan(failAt);
    assertThat(last.getInteger("rate")).isEqualTo(10);
    assertThat(last.getString("resume")).startsWith("v1.");
    assertThat(last.getJsonObject("error").getString("code")).isNotBlank();
  }

  @Test
  @DisplayName("leaves a client that keeps up alone: every row, status complete, no rate record")
  void fastClientGetsEveryRow() {
    double raisedBefore = sluice.metrics().samplingRateChanges();

    HttpResponse<String> response = Http.get(port, "/v1/datasets/series/rows?count=10000&degrade=sample&meta=true");

    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonObject> lines = response.body().lines().map(JsonObject::new).toList();
    assertThat(lines).hasSize(10_001);
    for (int i = 0; i < 10_000; i++) {
      assertThat(lines.get(i).getLong("n")).isEqualTo(i + 1L);
    }
    assertThat(lines.get(10_000)).isEqualTo(new JsonObject().put("_sluice", new JsonObject().put("status", "complete").put("rows", 10_000)));
    assertThat(sluice.metrics().samplingRateChanges()).isEqualTo(raisedBefore);
  }

  @ParameterizedTest(name = "{0} -> 400 naming degrade")
  @CsvSource(delimiter = '|', value = {
      "format=csv&degrade=sample     | cannot mark",
      "format=tsv&degrade=sample     | cannot mark",
      "format=arrow&degrade=sample   | cannot mark",
      "format=ndjson&degrade=bogus   | must be sample",
      "degrade=sample&degrade=sample | more than once",
  })
  @DisplayName("is refused, before any database work, by formats that cannot mark it and for any other degrade= value")
  void refused(String query, String why) {
    double opened = sluice.metrics().streamsOpened();

    HttpResponse<String> response = Http.get(port, ROWS + "?" + query);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("parameter")).isEqualTo("degrade");
    assertThat(error.getString("message")).contains(why);
    assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
  }

  @Test
  @DisplayName("is refused for a format chosen by Accept that cannot mark it")
  void refusedByNegotiatedFormat() {
    HttpResponse<String> response = Http.get(port, ROWS + "?degrade=sample", "Accept", "text/csv");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("parameter")).isEqualTo("degrade");
  }

  /**
   * A sampled body checked row by row against the unsampled one: rows in order, each a real
   * row, each rate record naming the last row sent, and at rate N the N-th row after the
   * last one sent, to the end.
   */
  private record Body(List<Integer> rates, List<JsonObject> changes, int rows) {

    static Body check(List<JsonObject> elements) {
      List<Integer> rates = new ArrayList<>();
      List<JsonObject> changes = new ArrayList<>();
      int rate = 1;
      int lastPosition = -1;
      int rows = 0;
      for (JsonObject element : elements) {
        if (element.containsKey("_sluice")) {
          JsonObject change = element.getJsonObject("_sluice").getJsonObject("sampling");
          if (change == null) {
            continue; // the summary, checked by the caller
          }
          assertThat(change.getInteger("rate")).isGreaterThan(rate);
          assertThat(change.getString("after")).startsWith("v1.");
          assertThat(change.getJsonArray("key")).as("the key of the last row sent")
              .isEqualTo(new JsonArray().add(everyRow.get(lastPosition).getLong("id")));
          rate = change.getInteger("rate");
          rates.add(rate);
          changes.add(change);
          continue;
        }
        Integer position = positionOfId.get(element.getLong("id"));
        assertThat(position).as("a row of the dataset").isNotNull();
        assertThat(position).as("the %d-th row after the last one sent", rate).isEqualTo(lastPosition + rate);
        assertThat(element).isEqualTo(everyRow.get(position));
        lastPosition = position;
        rows++;
      }
      assertThat(everyRow.size() - 1 - lastPosition).as("no row left that the last rate would have kept").isLessThan(rate);
      return new Body(rates, changes, rows);
    }
  }
}
