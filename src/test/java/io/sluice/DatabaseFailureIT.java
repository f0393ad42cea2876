package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A service with a single pooled connection and no wait queue, to see the database side fail. */
@DisplayName("When the database side fails")
class DatabaseFailureIT extends ServiceTest {


  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> {
      json.getJsonObject("http").put("sendBufferSize", 32 * 1024);
      json.getJsonObject("database").put("poolSize", 1).put("maxWaitQueue", 0);
    });
  }


  @Test
  @DisplayName("with every stream connection taken and no queue, answers 503 busy with Retry-After at once, not blaming the database")
  void fullPool() throws Exception {
    try (RawHttpClient holder = RawHttpClient.get(port, "/v1/datasets/slow_start/rows?sleep_ms=60000")) {
      await().atMost(Duration.ofSeconds(10)).until(() -> Backends.states().getOrDefault("active", 0) == 1);

      HttpResponse<String> refused = Http.get(port, "/v1/datasets/series/rows?count=5");
      HttpResponse<String> health = Http.get(port, "/health");

      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("busy");
      assertThat(refused.body()).doesNotContainIgnoringCase("database");
      assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
      assertThat(health.statusCode()).as("health while every pooled connection streams").isEqualTo(200);
      holder.abort();
    }
    Backends.awaitReleased(sluice);
  }

  @Test
  @DisplayName("with every stream connection taken by a client, the stream check still runs on a connection of its own, taking none of theirs")
  void streamCheckBesideClients() throws Exception {
    try (RawHttpClient holder = RawHttpClient.get(port, "/v1/datasets/slow_start/rows?sleep_ms=60000")) {
      await().atMost(Duration.ofSeconds(10)).until(() -> Backends.states().getOrDefault("active", 0) == 1);

      HttpResponse<String> check = Http.get(port, "/health/stream");
      HttpResponse<String> refused = Http.get(port, "/v1/datasets/series/rows?count=5");

      assertThat(check.statusCode()).as("stream check: %s", check.body()).isEqualTo(200);
      assertThat(new JsonObject(check.body()).getJsonArray("checks").getJsonObject(0).getJsonObject("data").getLong("rows")).isEqualTo(3);
      assertThat(refused.statusCode()).as("a client stream while the one connection is taken").isEqualTo(503);
      assertThat(Backends.states().getOrDefault("active", 0)).as("the client's stream, still running").isEqualTo(1);
      holder.abort();
    }
    Backends.awaitReleased(sluice);
  }

  @Test
  @DisplayName("a backend killed while its stream is paused cuts the response and releases the stream")
  void backendTerminatedWhilePaused() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/transactions_raw/rows")) {
      await().atMost(Duration.ofSeconds(20)).until(() ->
          sluice.metrics().blockedResponses() == 1 && sluice.metrics().awaitingCredit() == 1);

      assertThat(Backends.terminate("idle in transaction")).isEqualTo(1);

      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.complete()).as("terminating chunk present").isFalse();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().activeCursors() == 0);
    Backends.awaitReleased(sluice);
  }
}
