package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metrics.SluiceMetrics;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} as Prometheus scrapes it, from a Sluice whose Vert.x reports to the same
 * registry (as {@code Main} starts it): each test reads the series it expects to move before
 * and after streams that complete, are cut, fail, are cancelled or are refused.
 */
@DisplayName("Prometheus metrics")
class MetricsIT {

  private static Vertx vertx;
  private static Sluice sluice;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    SluiceMetrics metrics = new SluiceMetrics();
    vertx = TestSluice.vertxWithMetrics(metrics);
    sluice = TestSluice.start(vertx, metrics, config -> config.getJsonObject("http").put("maxStreamsPerClient", 1)).await(60, TimeUnit.SECONDS);
    port = sluice.config().http().port();
  }

  @AfterAll
  static void stop() throws Exception {
    sluice.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String scrape() {
    HttpResponse<String> response = Http.get(port, "/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    return response.body();
  }

  /** The value of one series (name and labels exactly as Prometheus prints them), 0 when it is absent. */
  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static double value(String series) {
    return value(scrape(), series);
  }

  private static String ended(String dataset, String format, String status) {
    return "sluice_streams_ended_total{dataset=\"" + dataset + "\",format=\"" + format + "\",status=\"" + status + "\"}";
  }

  private static String tagged(String name, String dataset, String format) {
    return name + "{dataset=\"" + dataset + "\",format=\"" + format + "\"}";
  }

  @Test
  @DisplayName("a complete stream: ended complete, its rows and bytes, time to first row and duration, and no longer active")
  void complete() {
    String before = scrape();
    HttpResponse<String> response = Http.get(port, "/v1/datasets/series/rows?count=250&format=csv");
    assertThat(response.statusCode()).isEqualTo(200);

    String after = scrape();
    assertThat(value(after, ended("series", "csv", "complete")) - value(before, ended("series", "csv", "complete"))).isEqualTo(1);
    assertThat(value(after, tagged("sluice_rows_sent_total", "series", "csv")) - value(before, tagged("sluice_rows_sent_total", "series", "csv")))
        .isEqualTo(250);
    assertThat(value(after, tagged("sluice_bytes_sent_total", "series", "csv")) - value(before, tagged("sluice_bytes_sent_total", "series", "csv")))
        .isEqualTo(response.body().length());
    assertThat(value(after, tagged("sluice_time_to_first_row_seconds_count", "series", "csv"))
        - value(before, tagged("sluice_time_to_first_row_seconds_count", "series", "csv"))).isEqualTo(1);
    assertThat(after).contains("sluice_time_to_first_row_seconds_bucket{dataset=\"series\",format=\"csv\",le=\"+Inf\"}");
    assertThat(value(after, "sluice_stream_duration_seconds_count{dataset=\"series\",format=\"csv\",status=\"complete\"}")).isPositive();
    assertThat(value(after, tagged("sluice_streams_active", "series", "csv"))).isZero();
  }

  @Test
  @DisplayName("a stream cut by a failing statement after rows went out: ended partial")
  void partial() throws Exception {
    double before = value(ended("failing", "ndjson", "partial"));
    try (RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/failing/rows?fail_at=150")) {
      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.complete()).isFalse();
      assertThat(response.body()).contains("\"partial\"");
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> value(ended("failing", "ndjson", "partial")) == before + 1);
  }

  @Test
  @DisplayName("a stream that fails before its first row (the statement timed out, 504): ended error, not refused")
  void error() {
    String before = scrape();
    HttpResponse<String> response = Http.get(port, "/v1/datasets/sleepy/rows?sleep_ms=5000");
    assertThat(response.statusCode()).isEqualTo(504);

    await().atMost(Duration.ofSeconds(10)).until(() -> value(ended("sleepy", "ndjson", "error")) == value(before, ended("sleepy", "ndjson", "error")) + 1);
    assertThat(value("sluice_streams_refused_total{dataset=\"sleepy\",reason=\"query-timeout\"}")).isZero();
  }

  @Test
  @DisplayName("a client that stops reading: paused time and rows in flight while it is stalled; cancelled when it leaves; a second stream refused meanwhile")
  void cancelledAndRefused() throws Exception {
    String before = scrape();
    try (RawHttpClient stalled = RawHttpClient.send(port, "GET /v1/datasets/wide_rows/rows?count=20000 HTTP/1.1\r\nHost: x\r\n\r\n", 4096)) {
      stalled.read(1);
      await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().blockedResponses() == 1);
      String stalledScrape = scrape();
      assertThat(value(stalledScrape, tagged("sluice_streams_active", "wide_rows", "ndjson"))).isEqualTo(1);
      assertThat(value(stalledScrape, "sluice_rows_in_flight")).as("rows held for the stalled client").isPositive();

      HttpResponse<String> refused = Http.get(port, "/v1/datasets/series/rows?count=3");
      assertThat(refused.statusCode()).isEqualTo(429);
    }

    await().atMost(Duration.ofSeconds(10)).until(() ->
        value(ended("wide_rows", "ndjson", "cancelled")) == value(before, ended("wide_rows", "ndjson", "cancelled")) + 1);
    String after = scrape();
    String refusedSeries = "sluice_streams_refused_total{dataset=\"series\",reason=\"too-many-streams\"}";
    assertThat(value(after, refusedSeries) - value(before, refusedSeries)).isEqualTo(1);
    assertThat(value(after, tagged("sluice_backpressure_paused_seconds_total", "wide_rows", "ndjson"))).isPositive();
    assertThat(value(after, tagged("sluice_streams_active", "wide_rows", "ndjson"))).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> value("sluice_rows_in_flight") == 0 && value("sluice_credits_outstanding") == 0);
  }

  @Test
  @DisplayName("refusals are counted by reason; a dataset that does not exist is 'unknown', so clients cannot mint series")
  void refusedByReason() {
    String before = scrape();
    assertThat(Http.get(port, "/v1/datasets/series/rows?count=nope").statusCode()).isEqualTo(400);
    assertThat(Http.get(port, "/v1/datasets/no_such_dataset_42/rows").statusCode()).isEqualTo(404);

    String after = scrape();
    String badRequest = "sluice_streams_refused_total{dataset=\"series\",reason=\"bad-request\"}";
    String notFound = "sluice_streams_refused_total{dataset=\"unknown\",reason=\"not-found\"}";
    assertThat(value(after, badRequest) - value(before, badRequest)).isEqualTo(1);
    assertThat(value(after, notFound) - value(before, notFound)).isEqualTo(1);
    assertThat(after).doesNotContain("no_such_dataset_42");
  }

  @Test
  @DisplayName("Vert.x's own meters share the registry, and no series is labelled by request or stream")
  void vertxMetersAndBoundedLabels() {
    String requestId = "metrics-it-request-0001";
    assertThat(Http.get(port, "/v1/datasets/series/rows?count=5", "X-Request-Id", requestId).statusCode()).isEqualTo(200);

    String scrape = scrape();
    assertThat(scrape).contains("vertx_http_server_requests_total", "vertx_pool_in_use{pool_name=\"sluice\",pool_type=\"sql\"}",
        "vertx_eventbus_handlers", "jvm_memory_used_bytes", "sluice_db_connections_max 4.0", "sluice_cluster_members 1.0",
        "sluice_database_breaker_state{state=\"closed\"} 1.0", "sluice_admission_wait_seconds_count");
    assertThat(scrape).doesNotContain(requestId).doesNotContain("sluice.stream.").doesNotContain("stream_id");
  }
}
