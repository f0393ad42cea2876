package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.dataset.HealthProbe;
import io.sluice.support.Backends;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.TcpProxy;
import io.sluice.support.TestDatabase;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code /health/stream}: a probe stream through every stage, at most once per interval, with
 * its own timeout. The database is behind a proxy the test can make refuse or hang; the
 * breaker needs many failures to open, so that it stays out of the way.
 */
@DisplayName("The end-to-end stream check")
class HealthStreamIT extends ServiceTest {

  private static final int INTERVAL_SECONDS = 3;
  private static final long TIMEOUT_MS = 1_500;
  private static TcpProxy proxy;
  private static final HttpClient HTTP_1_1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static ExecutorService clients;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    proxy = TcpProxy.toTestDatabase(vertx).await(10, TimeUnit.SECONDS);
    String proxied = proxy.testDatabaseUrl();
    startSluice(vertx, json -> {
      json.getJsonObject("database").put("url", proxied).put("breaker", new JsonObject().put("maxFailures", 1_000));
      json.put("health", new JsonObject().put("streamIntervalSeconds", INTERVAL_SECONDS).put("streamTimeoutMs", TIMEOUT_MS));
    });
    clients = Executors.newFixedThreadPool(8);
  }

  @AfterEach
  void databaseBack() {
    proxy.refuse(false);
    proxy.hold(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().activeCursors() == 0);
    Backends.awaitReleased(sluice);
  }

  @AfterAll
  static void stopProxy() throws Exception {
    clients.shutdownNow();
    proxy.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("streams the probe's rows through every stage and reports UP with the rows, the bytes, the latency and when it ran")
  void up() throws Exception {
    Timestamp before = databaseNow();
    double opened = sluice.metrics().streamsOpened();

    HttpResponse<String> response = fresh();

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getString("status")).isEqualTo("UP");
    JsonObject data = check(body);
    assertThat(data.getLong("rows")).isEqualTo(HealthProbe.ROWS);
    assertThat(data.getLong("bytes")).isPositive();
    assertThat(data.getLong("latencyMs")).isBetween(0L, TIMEOUT_MS);
    assertThat(Instant.parse(data.getString("ranAt"))).isBetween(Instant.now().minusSeconds(INTERVAL_SECONDS + 5), Instant.now());
    assertThat(sluice.metrics().streamsOpened() - opened).as("cursor streams opened").isGreaterThanOrEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(backendsStartedSince(before)).as("backends the check opened, still there").isZero());
  }

  @Test
  @DisplayName("runs once per interval: requests in between, concurrent ones too, get the last result from the one run")
  void cached() throws Exception {
    JsonObject first = check(new JsonObject(fresh().body()));
    double opened = sluice.metrics().streamsOpened();

    List<HttpResponse<String>> burst = concurrently(8, "/health/stream");
    for (int i = 0; i < 4; i++) {
      burst.add(Http.get(port, "/health/stream"));
    }

    assertThat(burst).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(check(new JsonObject(response.body())).getString("ranAt")).isEqualTo(first.getString("ranAt"));
    });
    assertThat(sluice.metrics().streamsOpened()).as("cursor streams opened within the interval").isEqualTo(opened);

    // bursts of concurrent requests until one sees a new run: the whole burst shares that one run
    Set<String> newRuns = new HashSet<>();
    await().atMost(Duration.ofSeconds(INTERVAL_SECONDS + 5)).pollInterval(Duration.ofMillis(200)).until(() -> {
      for (HttpResponse<String> response : concurrently(8, "/health/stream")) {
        newRuns.add(check(new JsonObject(response.body())).getString("ranAt"));
      }
      newRuns.remove(first.getString("ranAt"));
      return !newRuns.isEmpty();
    });
    assertThat(newRuns).as("new runs seen by the burst").hasSize(1);
    assertThat(sluice.metrics().streamsOpened() - opened).as("cursor streams opened once the interval was over").isEqualTo(1);
  }

  @Test
  @DisplayName("answers HEAD on each health endpoint, over HTTP/1.1 and HTTP/2, with the status of GET and no body")
  void head() throws Exception {
    fresh();
    for (String path : List.of("/health/live", "/health/ready", "/health", "/health/stream")) {
      HttpResponse<String> get = Http.get(port, path);
      HttpResponse<String> head = Http.head(port, path);
      HttpResponse<String> head11 = head11(path);

      assertThat(head.statusCode()).as("HEAD %s", path).isEqualTo(get.statusCode()).isEqualTo(200);
      assertThat(head.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(head.body()).as("HEAD %s body", path).isEmpty();
      assertThat(head11.statusCode()).as("HTTP/1.1 HEAD %s", path).isEqualTo(200);
      assertThat(head11.body()).as("HTTP/1.1 HEAD %s body", path).isEmpty();
    }

    proxy.refuse(true);
    assertThat(fresh().statusCode()).isEqualTo(503);
    HttpResponse<String> head = Http.head(port, "/health/stream");
    assertThat(head.statusCode()).as("HEAD /health/stream while DOWN").isEqualTo(503);
    assertThat(head.body()).isEmpty();
    assertThat(head11("/health/stream").statusCode()).isEqualTo(503);
  }

  @Test
  @DisplayName("reports DOWN (503) naming the database when it cannot be reached, while /health/live stays UP")
  void databaseUnreachable() {
    proxy.refuse(true);

    HttpResponse<String> response = fresh();
    HttpResponse<String> live = Http.get(port, "/health/live");

    assertThat(response.statusCode()).isEqualTo(503);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getString("status")).isEqualTo("DOWN");
    JsonObject data = check(body);
    assertThat(data.getString("failed")).isEqualTo("database");
    assertThat(data.getJsonObject("error").getString("code")).isEqualTo("database-unavailable");
    assertThat(data.getLong("rows")).isZero();
    assertThat(live.statusCode()).isEqualTo(200);

    proxy.refuse(false);
    assertThat(fresh().statusCode()).as("once the database is back").isEqualTo(200);
  }

  @Test
  @DisplayName("gives up on a database that hangs within its own timeout: DOWN (503), not a failed check (500), and live stays UP")
  void databaseHangs() throws Exception {
    proxy.hold(true);

    long started = System.nanoTime();
    HttpResponse<String> response = fresh();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    HttpResponse<String> live = Http.get(port, "/health/live");

    assertThat(response.statusCode()).isEqualTo(503);
    JsonObject data = check(new JsonObject(response.body()));
    assertThat(data.getString("failed")).isEqualTo("database");
    assertThat(data.getJsonObject("error").getString("code")).isEqualTo("timeout");
    assertThat(data.getLong("latencyMs")).isBetween(TIMEOUT_MS, TIMEOUT_MS + 1_000);
    assertThat(tookMs).as("ms until the answer").isLessThan((INTERVAL_SECONDS + 1) * 1_000L + TIMEOUT_MS + 1_000);
    assertThat(live.statusCode()).isEqualTo(200);

    Timestamp before = databaseNow();
    proxy.hold(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().activeCursors() == 0);
    assertThat(fresh().statusCode()).as("once the database answers again").isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(backendsStartedSince(before)).as("backends the checks opened, still there").isZero());
  }

  @Test
  @DisplayName("keeps its probe out of the catalogue: not listed, not described, not streamable, not a HEAD")
  void probeIsNotADataset() {
    String probe = "/v1/datasets/" + HealthProbe.NAME;

    assertThat(Http.get(port, "/v1/datasets").body()).doesNotContain(HealthProbe.NAME);
    assertThat(Http.get(port, probe).statusCode()).isEqualTo(404);
    assertThat(Http.get(port, probe + "/rows").statusCode()).isEqualTo(404);
    assertThat(Http.head(port, probe + "/rows").statusCode()).isEqualTo(404);
  }

  private static HttpResponse<String> head11(String path) throws Exception {
    return HTTP_1_1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The answer of a check run that started after this call; waits out the interval of the last one. */
  private static HttpResponse<String> fresh() {
    Instant asked = Instant.now();
    AtomicReference<HttpResponse<String>> response = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(INTERVAL_SECONDS + 10)).pollInterval(Duration.ofMillis(100)).until(() -> {
      response.set(Http.get(port, "/health/stream"));
      String ranAt = check(new JsonObject(response.get().body())).getString("ranAt");
      assertThat(ranAt).as("when the check ran, in %s %s", response.get().statusCode(), response.get().body()).isNotNull();
      return !Instant.parse(ranAt).isBefore(asked);
    });
    return response.get();
  }

  /** The data of the {@code stream} check in a health-check body. */
  private static JsonObject check(JsonObject body) {
    JsonObject check = body.getJsonArray("checks").getJsonObject(0);
    assertThat(check.getString("id")).isEqualTo("stream");
    return check.getJsonObject("data");
  }

  private static List<HttpResponse<String>> concurrently(int requests, String path) throws Exception {
    List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      calls.add(() -> Http.get(port, path));
    }
    List<HttpResponse<String>> responses = new ArrayList<>();
    for (Future<HttpResponse<String>> response : clients.invokeAll(calls)) {
      responses.add(response.get());
    }
    return responses;
  }

  private static Timestamp databaseNow() throws SQLException {
    try (Connection conn = TestDatabase.jdbc(); ResultSet rs = conn.createStatement().executeQuery("SELECT clock_timestamp()")) {
      rs.next();
      return rs.getTimestamp(1);
    }
  }

  /**
   * The service's backends that connected at or after {@code since}: the stream connections of
   * the checks since then (the query pool's were opened before), none of which may outlive its check.
   */
  private static int backendsStartedSince(Timestamp since) throws SQLException {
    try (Connection conn = TestDatabase.jdbc();
        PreparedStatement st = conn.prepareStatement(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND datname = ? AND backend_start >= ?")) {
      st.setString(1, TestSluice.APPLICATION_NAME);
      st.setString(2, PgConnectOptions.fromUri(TestDatabase.url()).getDatabase());
      st.setTimestamp(3, since);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
