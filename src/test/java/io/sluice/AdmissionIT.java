package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Admission and cancellation before the first row: two stream connections, a queue of four
 * that waits one second, three streams per client, and requests from 127.0.0.1 (a trusted
 * proxy here) told apart by {@code X-Forwarded-For}.
 */
@DisplayName("Admission")
class AdmissionIT extends ServiceTest {

  private static final long QUEUE_TIMEOUT_MS = 1_000;
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> {
      json.getJsonObject("database").put("poolSize", 2).put("maxWaitQueue", 4).put("queueTimeoutMs", QUEUE_TIMEOUT_MS);
      json.getJsonObject("http").put("maxStreamsPerClient", 3).put("trustedProxies", new JsonArray().add("127.0.0.1"));
    });
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  private static CompletableFuture<HttpResponse<String>> get(String pathAndQuery, String client) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .header("X-Forwarded-For", client)
        .timeout(Duration.ofSeconds(60))
        .build();
    return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  private static double waiting() {
    return sluice.metrics().registry().get("sluice.db.connections.waiting").gauge().value();
  }

  private static JsonObject error(HttpResponse<String> response) {
    return new JsonObject(response.body()).getJsonObject("error");
  }

  @Test
  @DisplayName("serves a burst of 4x the connections as it can and refuses the rest as busy, with Retry-After, within the queue timeout")
  void burst() {
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      responses.add(get("/v1/datasets/slow_start/rows?sleep_ms=3000", "10.0.0." + i));
    }

    // the two that got a connection sleep 3 s: the six others hear within the queue timeout
    await().atMost(Duration.ofMillis(QUEUE_TIMEOUT_MS + 600))
        .until(() -> responses.stream().filter(CompletableFuture::isDone).count() == 6);
    List<HttpResponse<String>> all = responses.stream().map(CompletableFuture::join).toList();

    assertThat(all).filteredOn(r -> r.statusCode() == 200).hasSize(2)
        .allSatisfy(r -> assertThat(r.body().lines().count()).isEqualTo(100));
    assertThat(all).filteredOn(r -> r.statusCode() != 200).hasSize(6).allSatisfy(r -> {
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(error(r).getString("code")).isEqualTo("busy");
      assertThat(error(r).getString("message")).doesNotContainIgnoringCase("database");
      assertThat(r.headers().firstValue("Retry-After")).contains("1");
    });
  }

  @Test
  @DisplayName("lets a stream that waits for a connection leave the queue when its client goes")
  void leavesQueue() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> holders = List.of(
        get("/v1/datasets/slow_start/rows?sleep_ms=1500", "10.1.0.1"),
        get("/v1/datasets/slow_start/rows?sleep_ms=1500", "10.1.0.2"));
    await().atMost(Duration.ofSeconds(5)).until(() -> Backends.states().getOrDefault("active", 0) == 2);

    try (RawHttpClient queued = RawHttpClient.send(port, "GET /v1/datasets/series/rows?count=5 HTTP/1.1\r\nHost: x\r\n"
        + "X-Forwarded-For: 10.1.0.3\r\n\r\n")) {
      await().atMost(Duration.ofSeconds(5)).until(() -> waiting() == 1);
      queued.abort();
    }

    await().atMost(Duration.ofMillis(500)).until(() -> waiting() == 0);
    holders.forEach(CompletableFuture::join);
    assertThat(sluice.metrics().streamsOpened()).isPositive();
  }

  @Test
  @DisplayName("refuses a client's stream past its limit with 429 and Retry-After, while other clients go on")
  void perClient() {
    List<CompletableFuture<HttpResponse<String>>> mine = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      mine.add(get("/v1/datasets/slow_start/rows?sleep_ms=800", "10.2.0.1"));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> Backends.states().getOrDefault("active", 0) == 2 && waiting() == 1);

    HttpResponse<String> fourth = get("/v1/datasets/series/rows?count=5", "10.2.0.1").join();
    HttpResponse<String> other = get("/v1/datasets/series/rows?count=5", "10.2.0.2").join();

    assertThat(fourth.statusCode()).isEqualTo(429);
    assertThat(error(fourth).getString("code")).isEqualTo("too-many-streams");
    assertThat(fourth.headers().firstValue("Retry-After")).isPresent();
    assertThat(other.statusCode()).as("another client, queued until a connection frees").isIn(200, 503);
    mine.forEach(CompletableFuture::join);
    assertThat(get("/v1/datasets/series/rows?count=5", "10.2.0.1").join().statusCode()).as("slots come back").isEqualTo(200);
  }

  @Test
  @DisplayName("cancels a statement that waits behind a table lock when its client goes")
  void lockWait() throws Exception {
    try (Connection locker = TestDatabase.jdbc(); Statement st = locker.createStatement()) {
      locker.setAutoCommit(false);
      st.execute("LOCK TABLE transactions IN ACCESS EXCLUSIVE MODE");
      try (RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/transactions_raw/rows")) {
        await().atMost(Duration.ofSeconds(5)).until(() -> waitingOnLock() == 1);

        client.abort();

        // well under the lease and the statement timeout: cancelled, not expired
        await().atMost(Duration.ofSeconds(1)).until(() -> Backends.busy() == 0);
      } finally {
        locker.rollback();
      }
    }
  }

  private static int waitingOnLock() throws Exception {
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
            + TestSluice.APPLICATION_NAME + "' AND wait_event_type = 'Lock'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  @DisplayName("ends a statement that runs past the dataset's statement timeout with 504, before any row")
  void statementTimeout() {
    HttpResponse<String> response = get("/v1/datasets/sleepy/rows?sleep_ms=5000", "10.3.0.1").join();

    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(error(response).getString("code")).isEqualTo("query-timeout");
    assertThat(error(response).getString("sqlState")).isEqualTo("57014");
    // the statement ended at its 300 ms timeout, not the 5 s sleep: its backend is back at once
    await().atMost(Duration.ofSeconds(1)).until(() -> Backends.busy() == 0 && sluice.metrics().activeCursors() == 0);
  }
}
