package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.TcpProxy;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A database that takes every connection and never answers (behind a proxy that holds them),
 * asked by many more clients than Sluice has connections: the sockets Sluice keeps toward it
 * stay within the documented bound ({@code database.poolSize + 4}, docs/operations.md,
 * "Connections"), each attempt is closed when its {@code connectTimeoutMs} runs out, and
 * every client gets a 503. The breaker is set never to open, so that every request tries.
 */
@DisplayName("A database that hangs")
class HangingDatabaseIT extends ServiceTest {

  private static final int POOL_SIZE = 2;
  private static final int CONNECT_TIMEOUT_MS = 800;
  /** What docs/operations.md promises: the stream connections, the stream check's, the query pool's 2, the readiness probe's. */
  private static final int SOCKET_BOUND = POOL_SIZE + 4;
  private static final int CLIENTS = 24;
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static TcpProxy proxy;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    proxy = TcpProxy.toTestDatabase(vertx).await(10, TimeUnit.SECONDS);
    String proxied = proxy.testDatabaseUrl();
    startSluice(vertx, json -> {
      json.getJsonObject("http").put("maxStreamsPerClient", 0);
      json.getJsonObject("database").put("url", proxied).put("poolSize", POOL_SIZE).put("maxWaitQueue", 64).put("queueTimeoutMs", 60_000)
          .put("connectTimeoutMs", CONNECT_TIMEOUT_MS)
          .put("breaker", new JsonObject().put("maxFailures", 10_000).put("failureWindowMs", 1_000).put("resetTimeoutMs", 1_000));
    });
  }

  @AfterAll
  static void databaseBack() throws Exception {
    proxy.hold(false);
    await().atMost(Duration.ofSeconds(15)).until(() -> Http.get(port, "/v1/datasets/series/rows?count=3").statusCode() == 200);
    proxy.close().await(10, TimeUnit.SECONDS);
  }

  private static CompletableFuture<HttpResponse<String>> get(String pathAndQuery) {
    return CLIENT.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).timeout(Duration.ofSeconds(90)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("holds at most poolSize + 4 sockets toward it however many clients ask, closes each attempt at its connect timeout, and answers 503")
  void boundedSockets() {
    assertThat(Http.get(port, "/v1/datasets/series/rows?count=3").statusCode()).as("the database answers first").isEqualTo(200);
    proxy.resetMostOpen();
    proxy.hold(true);

    List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      streams.add(get("/v1/datasets/series/rows?count=5"));
    }
    List<CompletableFuture<HttpResponse<String>>> health = List.of(get("/health/ready"), get("/health/stream"), get("/health/ready"));
    CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).join();
    CompletableFuture.allOf(health.toArray(CompletableFuture[]::new)).join();

    assertThat(streams).extracting(s -> s.join().statusCode()).as("every client's status").containsOnly(503);
    assertThat(streams).extracting(s -> new JsonObject(s.join().body()).getJsonObject("error").getString("code"))
        .as("every client's error code").containsOnly("database-unavailable");
    assertThat(health).extracting(h -> h.join().statusCode()).containsOnly(503);
    assertThat(proxy.attempts()).as("connection attempts: one per client at least").isGreaterThan(CLIENTS);
    assertThat(proxy.mostOpenConnections()).as("the most sockets Sluice held toward the database at once").isLessThanOrEqualTo(SOCKET_BOUND);
    await().atMost(Duration.ofMillis(CONNECT_TIMEOUT_MS + 2_000)).pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertThat(proxy.heldConnections()).as("attempts still open after their connect timeout").isZero());
    assertThat(proxy.heldLifetimesMs()).as("how long each attempt's socket lived (ms)").hasSizeGreaterThan(CLIENTS)
        .allSatisfy(ms -> assertThat(ms).isBetween(CONNECT_TIMEOUT_MS - 300L, CONNECT_TIMEOUT_MS + 1_500L));
  }
}
