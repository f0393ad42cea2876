package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.TcpProxy;
import io.sluice.support.TestDatabase;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The circuit breaker in front of the database, with the database behind a proxy the test
 * takes down: three failures to reach it open the breaker, which tries again after 1.5 s.
 * One stream connection and no queue, so a second stream is refused as busy.
 */
@DisplayName("The database circuit breaker")
class BreakerIT extends ServiceTest {

  private static final int MAX_FAILURES = 3;
  private static TcpProxy proxy;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    proxy = TcpProxy.toTestDatabase(vertx).await(10, TimeUnit.SECONDS);
    String proxied = proxy.testDatabaseUrl();
    startSluice(vertx, json -> {
      json.getJsonObject("database").put("url", proxied).put("poolSize", 1).put("maxWaitQueue", 0).put("connectTimeoutMs", 1_000)
          .put("breaker", new JsonObject().put("maxFailures", MAX_FAILURES).put("failureWindowMs", 60_000).put("resetTimeoutMs", 1_500));
    });
  }

  @AfterEach
  void databaseBack() {
    proxy.refuse(false);
    proxy.hold(false);
    await().atMost(Duration.ofSeconds(15)).until(() -> Http.get(port, "/v1/datasets/series/rows?count=3").statusCode() == 200);
    // the body ends before the stream gives its one connection back: the next test's first stream
    // must not find it still held (busy, with no queue)
    await().atMost(Duration.ofSeconds(5)).until(() -> sluice.metrics().registry().get("sluice.db.connections.held").gauge().value() == 0
        && sluice.metrics().activeCursors() == 0);
  }

  @AfterAll
  static void stopProxy() throws Exception {
    proxy.close().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject error(HttpResponse<String> response) {
    return new JsonObject(response.body()).getJsonObject("error");
  }

  @Test
  @DisplayName("a database that takes the connection but never answers: 503 within the connect timeout, and the stream gives its place back")
  void hangingHandshake() {
    proxy.hold(true);

    HttpResponse<String> response = Http.get(port, "/v1/datasets/series/rows?count=5");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(error(response).getString("code")).isEqualTo("database-unavailable");
    await().atMost(Duration.ofSeconds(5)).until(() -> sluice.metrics().registry().get("sluice.db.connections.held").gauge().value() == 0
        && sluice.metrics().activeCursors() == 0);
  }

  @Test
  @DisplayName("opens after failures to reach the database, then refuses at once without touching it, and closes once a trial stream works")
  void opensAndCloses() {
    proxy.refuse(true);
    for (int i = 0; i < MAX_FAILURES; i++) {
      HttpResponse<String> failed = Http.get(port, "/v1/datasets/series/rows?count=5");
      assertThat(failed.statusCode()).isEqualTo(503);
      assertThat(error(failed).getString("code")).isEqualTo("database-unavailable");
    }
    assertThat(sluice.breaker().state()).isEqualTo(CircuitBreakerState.OPEN);
    int attempts = proxy.attempts();

    HttpResponse<String> refused = Http.get(port, "/v1/datasets/series/rows?count=5");
    int attemptsAfter = proxy.attempts();
    HttpResponse<String> ready = Http.get(port, "/health/ready");
    HttpResponse<String> live = Http.get(port, "/health/live");
    String metrics = Http.get(port, "/metrics").body();

    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(error(refused).getString("code")).isEqualTo("database-unavailable");
    assertThat(error(refused).getString("message")).contains("circuit breaker");
    assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 2));
    assertThat(attemptsAfter).as("connection attempts while open").isEqualTo(attempts);
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains("database-breaker");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(metrics).contains("sluice_database_breaker_state{state=\"open\"} 1.0");

    proxy.refuse(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(port, "/v1/datasets/series/rows?count=5").statusCode() == 200);
    assertThat(sluice.breaker().state()).isEqualTo(CircuitBreakerState.CLOSED);
    await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(port, "/health/ready").statusCode() == 200);
  }

  @Test
  @DisplayName("a trial stream that fails again opens it again")
  void halfOpenFailure() {
    proxy.refuse(true);
    for (int i = 0; i < MAX_FAILURES; i++) {
      Http.get(port, "/v1/datasets/series/rows?count=5");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> sluice.breaker().state() == CircuitBreakerState.HALF_OPEN);
    int attempts = proxy.attempts();

    HttpResponse<String> trial = Http.get(port, "/v1/datasets/series/rows?count=5");

    assertThat(trial.statusCode()).isEqualTo(503);
    assertThat(proxy.attempts()).as("the trial stream tried the database").isEqualTo(attempts + 1);
    assertThat(sluice.breaker().state()).isEqualTo(CircuitBreakerState.OPEN);
  }

  @Test
  @DisplayName("never counts busy refusals, bad requests or statement timeouts")
  void countsOnlyUnavailability() throws Exception {
    try (RawHttpClient holder = RawHttpClient.get(port, "/v1/datasets/slow_start/rows?sleep_ms=60000")) {
      await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().activeCursors() == 1
          && io.sluice.support.Backends.states().getOrDefault("active", 0) == 1);
      for (int i = 0; i < MAX_FAILURES + 1; i++) {
        assertThat(error(Http.get(port, "/v1/datasets/series/rows?count=5")).getString("code")).isEqualTo("busy");
      }
      holder.abort();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> sluice.metrics().activeCursors() == 0);
    for (int i = 0; i < MAX_FAILURES + 1; i++) {
      assertThat(Http.get(port, "/v1/datasets/series/rows?count=abc").statusCode()).isEqualTo(400);
      HttpResponse<String> timedOut = Http.get(port, "/v1/datasets/sleepy/rows?sleep_ms=5000");
      assertThat(timedOut.statusCode()).isEqualTo(504);
      assertThat(error(timedOut).getString("code")).isEqualTo("query-timeout");
    }

    assertThat(sluice.breaker().state()).isEqualTo(CircuitBreakerState.CLOSED);
  }
}
