package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.SluiceClient;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamFailedException;
import io.sluice.support.BridgeSocket;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Following where PostgreSQL does not run with {@code wal_level = logical} (the tests' local server): refused, everything else served. */
@DisplayName("Following without wal_level = logical")
class FollowUnavailableIT extends ServiceTest {

  private static Vertx vertx;
  private static int bridgePort;

  @BeforeAll
  static void start(Vertx testVertx) throws Exception {
    vertx = testVertx;
    bridgePort = TestSluice.freePort();
    startSluice(vertx, json -> {
      json.getJsonArray("datasets").add(new JsonObject().put("name", "followed_transactions")
          .put("sql", "SELECT id, status FROM transactions").put("orderBy", new JsonArray().add("id")).put("follow", true));
      json.put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort));
    });
  }

  @Test
  @DisplayName("the catalogue says why, a follow request gets 409 naming wal_level, and the dataset's snapshot is still served")
  void refusedButServed() {
    JsonObject dataset = new JsonObject(Http.get(port, "/v1/datasets/followed_transactions").body());
    JsonObject follow = dataset.getJsonObject("follow");
    assertThat(follow.getBoolean("available")).isFalse();
    assertThat(follow.getString("reason")).contains("wal_level").contains("logical");
    HttpResponse<String> followed = Http.get(port, "/v1/datasets/followed_transactions/rows?follow=true");
    assertThat(followed.statusCode()).isEqualTo(409);
    assertThat(new JsonObject(followed.body()).getJsonObject("error").getString("code")).isEqualTo("follow-unavailable");
    assertThat(followed.body()).contains("wal_level");
    HttpResponse<String> snapshot = Http.get(port, "/v1/datasets/followed_transactions/rows?limit=3");
    assertThat(snapshot.statusCode()).isEqualTo(200);
    assertThat(snapshot.body().lines().count()).isEqualTo(3);
  }

  @Test
  @DisplayName("a dataset that does not declare follow says so in the catalogue, and a follow request names the reason")
  void notDeclared() {
    JsonObject follow = new JsonObject(Http.get(port, "/v1/datasets/series").body()).getJsonObject("follow");
    assertThat(follow.getBoolean("available")).isFalse();
    assertThat(follow.getString("reason")).contains("follow: true");
    HttpResponse<String> followed = Http.get(port, "/v1/datasets/series/rows?count=3&follow=true");
    assertThat(followed.statusCode()).as(followed.body()).isBetween(400, 409);
    assertThat(followed.body()).contains("follow: true");
  }

  @Test
  @DisplayName("the Java client's follow and a bridge open with follow: true are refused as HTTP is: follow-unavailable, 409, naming wal_level")
  void refusedOverTheBusAndTheBridge() throws Exception {
    Promise<Throwable> outcome = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> SluiceClient.create(vertx).follow("followed_transactions", Map.of())
        .onComplete(ar -> outcome.complete(ar.cause())));
    Throwable refused = outcome.future().await(30, TimeUnit.SECONDS);
    assertThat(refused).isInstanceOf(StreamFailedException.class);
    StreamError error = ((StreamFailedException) refused).error();
    assertThat(error.code()).isEqualTo("follow-unavailable");
    assertThat(error.status()).isEqualTo(409);
    assertThat(error.message()).contains("wal_level");

    String stream = UUID.randomUUID().toString();
    try (BridgeSocket bridge = BridgeSocket.connect(bridgePort)) {
      bridge.send(new JsonObject().put("type", "send").put("address", "sluice.transform.open").put("replyAddress", "reply." + stream)
          .put("body", new JsonObject().put("stream", stream).put("replyTo", "sluice.stream." + stream + ".data")
              .put("request", new JsonObject().put("dataset", "followed_transactions").put("follow", true))
              .put("credits", 0).put("leaseMs", 10_000)))
          .register("sluice.stream." + stream + ".data");
      JsonObject reply = bridge.read();
      assertThat(reply.getString("type")).isEqualTo("err");
      assertThat(reply.getInteger("failureCode")).isEqualTo(409);
      JsonObject body = new JsonObject(reply.getString("message"));
      assertThat(body.encode()).contains("follow-unavailable").contains("wal_level");
    }
  }
}
