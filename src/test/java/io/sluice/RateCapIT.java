package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Backends;
import io.sluice.support.Fixtures;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The rate cap (OWASP API4): {@code max_rate} and a dataset's {@code maxRowsPerSecond} slow
 * the cursor through credits. Checked by counters, not by timing: while the test reads, the
 * rows the cursor has read never run ahead of what the cap allows by more than the batches the
 * pipeline may hold, with the test's own elapsed time as an upper bound of the cap's. The test
 * never asserts a minimum duration.
 */
@DisplayName("A rate-capped stream")
class RateCapIT extends ServiceTest {

  private static final int FETCH_SIZE = 100;
  private static final int WINDOW = 4;
  private static final long DATASET_MAX = 2_000;
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> {
      JsonObject capped = Fixtures.testDatasets().getJsonObject(0).copy().put("name", "series_capped").put("maxRowsPerSecond", DATASET_MAX);
      json.getJsonArray("datasets").add(capped);
      // waits of the cap longer than both: neither may take them for a stalled or blocked client
      json.getJsonObject("http").put("stallTimeoutSeconds", 1).put("sampleWindowSeconds", 1);
    });
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  @ParameterizedTest(name = "{0} at {1} rows/s")
  @CsvSource(delimiter = '|', value = {
      "/v1/datasets/series/rows?count=3000&max_rate=1000                 | 1000 | 3000",
      "/v1/datasets/series_capped/rows?count=4000                        | 2000 | 4000",
      "/v1/datasets/series_capped/rows?count=1000&max_rate=400           | 400  | 1000",
  })
  @DisplayName("never lets the cursor read more than rate * elapsed + burst + the pipeline's batches, and sends every row once")
  void cursorFollowsTheCap(String path, long rate, int count) throws Exception {
    double readBefore = sluice.metrics().rowsRead();
    // burst: at most one batch; slack: the batch that emptied the cap, the response's window, the transform's two, one being fetched
    double burst = Math.min(rate, FETCH_SIZE);
    double slack = (1 + WINDOW + 2 + 1) * FETCH_SIZE;
    List<String> lines = new ArrayList<>();
    double mostAhead = Double.NEGATIVE_INFINITY;

    long start = System.nanoTime();
    HttpResponse<java.io.InputStream> response = CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path + "&meta=true")).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    try (BufferedReader body = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line = body.readLine(); line != null; line = body.readLine()) {
        double read = sluice.metrics().rowsRead() - readBefore;
        double elapsed = (System.nanoTime() - start) / 1e9; // read after the counter: an upper bound of the cap's time
        double allowed = rate * elapsed + burst + slack;
        mostAhead = Math.max(mostAhead, read - rate * elapsed);
        assertThat(read).as("rows read by the cursor after %.3f s at %d rows/s (line %d)", elapsed, rate, lines.size() + 1)
            .isLessThanOrEqualTo(allowed);
        lines.add(line);
      }
    }

    assertThat(lines).hasSize(count + 1);
    for (int i = 0; i < count; i++) {
      assertThat(new JsonObject(lines.get(i)).getLong("n")).isEqualTo(i + 1L);
    }
    assertThat(new JsonObject(lines.get(count)).getJsonObject("_sluice"))
        .isEqualTo(new JsonObject().put("status", "complete").put("rows", count));
    assertThat(sluice.metrics().rowsRead() - readBefore).isEqualTo(count);
    assertThat(mostAhead).as("most rows read ahead of rate * elapsed").isLessThanOrEqualTo(burst + slack);
  }

  @Test
  @DisplayName("whose cap waits longer than the stall timeout and the sampling window is neither stalled nor sampled")
  void capIsNotTheClientsSlowness() throws Exception {
    double rateChanges = sluice.metrics().samplingRateChanges();

    // batches of 100 rows at 50 rows/s: waits of about 2 s, against a 1 s stall timeout and 1 s sampling windows
    HttpResponse<String> response = Http.get(port, "/v1/datasets/series/rows?count=300&max_rate=50&degrade=sample&meta=true");

    assertThat(response.statusCode()).isEqualTo(200);
    String[] lines = response.body().split("\n");
    assertThat(lines).hasSize(301);
    assertThat(response.body()).doesNotContain("sampling").doesNotContain("client-stalled");
    assertThat(new JsonObject(lines[300]).getJsonObject("_sluice"))
        .isEqualTo(new JsonObject().put("status", "complete").put("rows", 300));
    assertThat(sluice.metrics().samplingRateChanges()).isEqualTo(rateChanges);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/v1/datasets/series/rows?count=5&max_rate=abc          | a whole number",
      "/v1/datasets/series/rows?count=5&max_rate=0            | a whole number",
      "/v1/datasets/series/rows?count=5&max_rate=-3           | a whole number",
      "/v1/datasets/series/rows?count=5&max_rate=1.5          | a whole number",
      "/v1/datasets/series/rows?count=5&max_rate=1e3          | a whole number",
      "/v1/datasets/series_capped/rows?count=5&max_rate=2001  | at most 2000",
  })
  @DisplayName("refuses a max_rate that is not a positive whole number, or above the dataset's maximum, with 400 naming it")
  void badMaxRate(String path, String why) {
    double opened = sluice.metrics().streamsOpened();

    HttpResponse<String> response = Http.get(port, path);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("parameter")).isEqualTo("max_rate");
    assertThat(error.getString("message")).contains("max_rate").contains(why);
    assertThat(sluice.metrics().streamsOpened()).as("cursor streams opened").isEqualTo(opened);
  }

  @Test
  @DisplayName("shows its dataset's maximum in the catalogue")
  void catalogueShowsTheMaximum() {
    JsonObject capped = new JsonObject(Http.get(port, "/v1/datasets/series_capped").body());
    JsonObject uncapped = new JsonObject(Http.get(port, "/v1/datasets/series").body());

    assertThat(capped.getLong("maxRowsPerSecond")).isEqualTo(DATASET_MAX);
    assertThat(uncapped.containsKey("maxRowsPerSecond")).isFalse();
  }
}
