package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Quotas per principal, the limiter of the delivery issue keyed by who calls: streams at once, and rows per window. */
@DisplayName("Quotas per principal")
class QuotaIT extends ServiceTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final long ROWS_PER_WINDOW = 250;
  private static JWTAuth jwt;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SecurityIT.SECRET)));
    startSluice(vertx, json -> {
      json.put("auth", new JsonObject().put("mode", "jwt").put("hs256Secret", SecurityIT.SECRET));
      json.getJsonObject("http").put("maxStreamsPerClient", 1)
          .put("quota", new JsonObject().put("rowsPerWindow", ROWS_PER_WINDOW).put("windowSeconds", 3600));
    });
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  private static String token(String subject) {
    return jwt.generateToken(new JsonObject().put("sub", subject).put("iss", "sluice").put("aud", "sluice")
        .put("exp", Instant.now().getEpochSecond() + 3600).put("roles", new JsonArray()), new JWTOptions().setAlgorithm("HS256"));
  }

  private static HttpRequest get(String path, String subject) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer " + token(subject)).build();
  }

  private static HttpResponse<String> send(String path, String subject) throws Exception {
    return HTTP.send(get(path, subject), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("a stream cut by its quota keeps its connection open 250 ms after the error record, so that a browser reads the record before the break")
  void cutLingers() throws Exception {
    try (RawHttpClient client = RawHttpClient.send(port, "GET /v1/datasets/series/rows?count=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: Bearer " + token("linger") + "\r\nConnection: close\r\n\r\n")) {
      StringBuilder received = new StringBuilder();
      while (!received.toString().contains("\"status\":\"partial\"")) {
        byte[] bytes = client.read(64 * 1024);
        assertThat(bytes).as("the body ended before its error record").isNotEmpty();
        received.append(new String(bytes, StandardCharsets.UTF_8));
      }
      long recordAt = System.nanoTime();
      client.readToEnd();
      long openMs = (System.nanoTime() - recordAt) / 1_000_000;
      // 250 ms after the record left the server, which is at most a moment before it arrived here
      assertThat(openMs).isBetween(150L, 1_250L);
    }
  }

  @Test
  @DisplayName("a quota used up mid-stream ends it partial with a resume token; the next stream gets 429 with Retry-After; another principal is served")
  void rowsPerWindow() throws Exception {
    RawHttpClient.Chunked first;
    try (RawHttpClient client = RawHttpClient.send(port, "GET /v1/datasets/series/rows?count=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: Bearer " + token("alice") + "\r\nConnection: close\r\n\r\n")) {
      first = RawHttpClient.Chunked.decode(client.readToEnd());
    }

    assertThat(first.complete()).as("a cut body never ends cleanly").isFalse();
    List<String> lines = first.body().lines().toList();
    JsonObject cut = new JsonObject(lines.get(lines.size() - 1)).getJsonObject("_sluice");
    assertThat(cut.getString("status")).isEqualTo("partial");
    assertThat(cut.getJsonObject("error").getString("code")).isEqualTo("quota-exceeded");
    assertThat(cut.getString("resume")).startsWith("v1.");
    // checked before each batch: the quota, and at most the batch that crossed it (fetchSize 100)
    assertThat(lines.size() - 1L).isBetween(ROWS_PER_WINDOW, ROWS_PER_WINDOW + 100);

    HttpResponse<String> next = send("/v1/datasets/series/rows?count=5", "alice");
    assertThat(next.statusCode()).isEqualTo(429);
    assertThat(new JsonObject(next.body()).getJsonObject("error").getString("code")).isEqualTo("quota-exceeded");
    assertThat(Long.parseLong(next.headers().firstValue("Retry-After").orElseThrow())).isBetween(3500L, 3600L);

    assertThat(send("/v1/datasets/series/rows?count=5", "bob").body().lines()).hasSize(5);
  }

  @Test
  @DisplayName("streams at once are bounded per principal, not per address: a second stream of the same caller gets 429, another caller on the same address is served")
  void streamsPerPrincipal() throws Exception {
    CompletableFuture<HttpResponse<String>> slow = HTTP.sendAsync(get("/v1/datasets/slow_start/rows?sleep_ms=3000", "carol"),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().activeCursors() == 1);

    HttpResponse<String> second = send("/v1/datasets/series/rows?count=5", "carol");
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(new JsonObject(second.body()).getJsonObject("error").getString("code")).isEqualTo("too-many-streams");
    assertThat(send("/v1/datasets/series/rows?count=5", "dave").body().lines()).hasSize(5);
    assertThat(slow.get().statusCode()).isEqualTo(200);
  }
}
