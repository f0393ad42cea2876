package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Csv;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("The rows endpoint, as clients other than curl see it")
class HttpSurfaceIT extends ServiceTest {

  private static final String PAGE_ORIGIN = "https://dashboard.example";
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.getJsonObject("http").put("corsOrigins", new JsonArray().add(PAGE_ORIGIN)));
  }

  @Test
  @DisplayName("answers liveness without the database, and readiness from a database probe run at most once per interval")
  void health() {
    HttpResponse<String> live = Http.get(port, "/health/live");
    long probesBefore = sluice.databaseProbe().probes();
    List<HttpResponse<String>> ready = java.util.stream.IntStream.range(0, 20).mapToObj(i -> Http.get(port, "/health/ready")).toList();

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(live.body()).getJsonArray("checks").encode()).doesNotContain("database");
    assertThat(ready).allSatisfy(r -> {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(r.body()).getString("status")).isEqualTo("UP");
      assertThat(r.body()).contains("\"database\"");
    });
    assertThat(sluice.databaseProbe().probes() - probesBefore).as("database probes for 20 readiness checks").isLessThanOrEqualTo(1);
  }

  @Test
  @DisplayName("answers HEAD with what GET would, without opening a stream")
  void head() throws Exception {
    double opened = sluice.metrics().streamsOpened();

    HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/v1/datasets/series/rows?count=3&format=csv"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    HttpResponse<String> bad = send(HttpRequest.newBuilder(uri("/v1/datasets/series/rows?count=abc"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
    assertThat(response.headers().firstValue("sluice-estimated-rows")).hasValue("3");
    assertThat(response.body()).isEmpty();
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
  }

  @Test
  @DisplayName("offers CSV as a file named after the dataset and the UTC date, with or without its header row")
  void csvDownload() {
    HttpResponse<String> withHeader = Http.get(port, "/v1/datasets/series/rows?count=3&format=csv");
    HttpResponse<String> without = Http.get(port, "/v1/datasets/series/rows?count=3&format=csv&header=false");

    assertThat(withHeader.headers().firstValue("content-disposition"))
        .hasValue("attachment; filename=\"series-" + LocalDate.now(ZoneOffset.UTC) + ".csv\"");
    assertThat(withHeader.body()).startsWith("n,label\r\n1,");
    assertThat(without.body()).startsWith("1,\"row 1\"\r\n").hasLineCount(3);
  }

  @Test
  @DisplayName("keeps every NDJSON row on one line when a json column holds line breaks")
  void jsonColumnWithLineBreaks() {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/json_lines/rows");

    assertThat(response.body()).endsWith("\n").hasLineCount(1);
    JsonObject row = new JsonObject(response.body().strip());
    assertThat(row.getJsonObject("doc")).isEqualTo(new JsonObject()
        .put("a", 1).put("b", new JsonArray().add(1).add(2)).put("s", "x\ny"));
    assertThat(row.getJsonArray("b")).isEqualTo(new JsonArray().add(1));
  }

  @Test
  @DisplayName("lets a page of an allowed origin read the stream and its headers (CORS), after a preflight")
  void cors() throws Exception {
    HttpResponse<String> preflight = send(HttpRequest.newBuilder(uri("/v1/datasets/series/rows?count=3"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", PAGE_ORIGIN)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization, last-event-id"));
    HttpResponse<String> get = Http.get(port, "/v1/datasets/series/rows?count=3", "Origin", PAGE_ORIGIN);
    HttpResponse<String> stranger = Http.get(port, "/v1/datasets/series/rows?count=3", "Origin", "https://evil.example");

    assertThat(preflight.statusCode()).isBetween(200, 204);
    assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue(PAGE_ORIGIN);
    assertThat(preflight.headers().firstValue("access-control-allow-headers").orElse("").toLowerCase())
        .contains("authorization").contains("last-event-id");
    assertThat(get.headers().firstValue("access-control-allow-origin")).hasValue(PAGE_ORIGIN);
    assertThat(get.headers().firstValue("access-control-expose-headers").orElse(""))
        .contains("Sluice-Status").contains("Sluice-Row-Count").contains("X-Request-Id");
    assertThat(stranger.headers().firstValue("access-control-allow-origin")).isEmpty();
    assertThat(stranger.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(stranger.body()).getJsonObject("error").getString("code")).isEqualTo("forbidden");
  }

  private static URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"csv, ','", "tsv, '\t'"})
  @DisplayName("defuses formulas in CSV and TSV text cells by default, never in numeric ones, and not when csv_safe=false")
  void formulaInjection(String format, char separator) {
    List<String> safe = Csv.parse(Http.get(port, "/v1/datasets/formulas/rows?header=false&format=" + format).body()
        .replace(separator, ',')).get(0);
    String raw = Http.get(port, "/v1/datasets/formulas/rows?header=false&csv_safe=false&format=" + format).body();

    assertThat(safe).containsExactly("1", "'=HYPERLINK(\"http://x\")", "'@SUM(1)", "-5", "NaN", "-Infinity");
    assertThat(raw).contains("=HYPERLINK").doesNotContain("'=").doesNotContain("'@");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"ndjson", "csv", "tsv"})
  @DisplayName("selects and orders output columns with columns=, in every format")
  void columnSelection(String format) {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/transactions/rows?limit=2&columns=risk_band,id&format=" + format);

    assertThat(response.statusCode()).isEqualTo(200);
    if (format.equals("ndjson")) {
      JsonObject row = new JsonObject(response.body().lines().findFirst().orElseThrow());
      assertThat(row.fieldNames()).containsExactly("risk_band", "id");
      assertThat(row.getLong("id")).isEqualTo(1L);
    } else {
      List<List<String>> rows = Csv.parse(response.body().replace(format.equals("tsv") ? '\t' : ',', ','));
      assertThat(rows).hasSize(3);
      assertThat(rows.get(0)).containsExactly("risk_band", "id");
      assertThat(rows.get(1).get(1)).isEqualTo("1");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {"columns=nope,id | nope", "columns=id,id | twice", "columns=id,, | empty"})
  @DisplayName("refuses a bad column selection with 400 naming it, before any database work")
  void badColumnSelection(String query, String mentioned) {
    double opened = sluice.metrics().streamsOpened();

    HttpResponse<String> response = Http.get(port, "/v1/datasets/transactions/rows?" + query);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("parameter")).isEqualTo("columns");
    assertThat(error.getString("message")).contains(mentioned);
    assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
  }
}
