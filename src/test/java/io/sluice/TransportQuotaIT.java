package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.SluiceClient;
import io.sluice.protocol.StreamFailedException;
import io.sluice.support.Backends;
import io.sluice.support.BridgeSocket;
import io.sluice.support.FirstColumnCollector;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The quota and the streams-at-once bound of a principal hold on the event bus and through the
 * bridge as over HTTP, with the same reason codes, and count one caller's streams of every
 * transport together.
 */
@DisplayName("Quotas on the event bus and the bridge")
class TransportQuotaIT extends ServiceTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final long ROWS_PER_WINDOW = 250;
  private static JWTAuth jwt;
  private static int bridgePort;
  private static Context service;
  private static SluiceClient client;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SecurityIT.SECRET)));
    bridgePort = TestSluice.freePort();
    startSluice(vertx, json -> {
      json.put("auth", new JsonObject().put("mode", "jwt").put("hs256Secret", SecurityIT.SECRET));
      json.put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort));
      json.getJsonObject("http").put("maxStreamsPerClient", 1)
          .put("quota", new JsonObject().put("rowsPerWindow", ROWS_PER_WINDOW).put("windowSeconds", 3600));
    });
    service = vertx.getOrCreateContext();
    client = SluiceClient.create(vertx);
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

  /** Runs {@code action} on the service's context; its outcome. */
  private static <T> Future<T> onService(Supplier<Future<T>> action) {
    Promise<T> outcome = Promise.promise();
    service.runOnContext(v -> action.get().onComplete(outcome));
    return outcome.future();
  }

  private static StreamFailedException busFailure(String principal, int count) {
    Future<Void> read = onService(() -> client.as(principal).open("series", Map.of("count", String.valueOf(count)))
        .compose(stream -> stream.pipeTo(new FirstColumnCollector())));
    await().atMost(Duration.ofSeconds(30)).until(read::isComplete);
    assertThat(read.cause()).as("how the bus stream of %s ended", principal).isInstanceOf(StreamFailedException.class);
    return (StreamFailedException) read.cause();
  }

  /** The refusal of a bridge open of series as {@code subject}; fails when the open is accepted. */
  private static JsonObject bridgeRefusal(String subject) {
    String stream = UUID.randomUUID().toString();
    try (BridgeSocket bridge = BridgeSocket.connect(bridgePort)) {
      bridge.send(new JsonObject().put("type", "send").put("address", "sluice.transform.open").put("replyAddress", "reply." + stream)
          .put("body", new JsonObject().put("stream", stream).put("replyTo", "sluice.stream." + stream + ".data").put("credits", 0)
              .put("token", token(subject))
              .put("request", new JsonObject().put("dataset", "series").put("params", new JsonObject().put("count", "5")))));
      JsonObject reply = bridge.read();
      assertThat(reply.getString("type")).as("the bridge's answer to %s: %s", subject, reply).isEqualTo("err");
      assertThat(reply.getString("address")).isEqualTo("reply." + stream);
      assertThat(reply.getInteger("failureCode")).isEqualTo(429);
      return new JsonObject(reply.getString("message"));
    }
  }

  @Test
  @DisplayName("a bus stream that uses up its principal's quota is cut quota-exceeded with a token; the next bus, bridge and HTTP opens of that principal are refused quota-exceeded, 429; another principal is served")
  void quotaOnEveryTransport() throws Exception {
    List<Object> rows = new ArrayList<>();
    Future<Void> first = onService(() -> client.as("alice").open("series", Map.of("count", "1000")).compose(stream -> {
      Promise<Void> ended = Promise.promise();
      stream.handler(batch -> batch.rows().forEach(row -> rows.add(row[0]))).endHandler(ended::complete).exceptionHandler(ended::fail);
      return ended.future();
    }));
    await().atMost(Duration.ofSeconds(30)).until(first::isComplete);

    StreamFailedException cut = (StreamFailedException) first.cause();
    assertThat(cut.error().code()).isEqualTo("quota-exceeded");
    assertThat(cut.resumeToken()).startsWith("v1.");
    // checked before each batch: the quota, and at most the batch that crossed it (fetchSize 100)
    assertThat((long) rows.size()).isBetween(ROWS_PER_WINDOW, ROWS_PER_WINDOW + 100);

    StreamFailedException bus = busFailure("alice", 5);
    assertThat(bus.error().code()).isEqualTo("quota-exceeded");
    assertThat(bus.error().status()).isEqualTo(429);
    assertThat(bus.error().retryAfterSeconds()).isBetween(3500, 3600);
    assertThat(bridgeRefusal("alice").getString("code")).isEqualTo("quota-exceeded");
    HttpResponse<String> http = send("/v1/datasets/series/rows?count=5", "alice");
    assertThat(http.statusCode()).isEqualTo(429);
    assertThat(new JsonObject(http.body()).getJsonObject("error").getString("code")).isEqualTo("quota-exceeded");

    FirstColumnCollector bob = new FirstColumnCollector();
    Future<Void> served = onService(() -> client.as("bob").open("series", Map.of("count", "5")).compose(stream -> stream.pipeTo(bob)));
    await().atMost(Duration.ofSeconds(10)).until(served::isComplete);
    assertThat(served.succeeded()).as("bob's stream: %s", served.cause()).isTrue();
    assertThat(bob.values).hasSize(5);
  }

  @Test
  @DisplayName("streams at once count per principal across transports: with carol's one slot held over HTTP, her bus and bridge opens are refused too-many-streams; dave's are served")
  void streamsAtOnceOnEveryTransport() throws Exception {
    CompletableFuture<HttpResponse<String>> slow = HTTP.sendAsync(get("/v1/datasets/slow_start/rows?sleep_ms=3000", "carol"),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().activeCursors() == 1);

    StreamFailedException bus = busFailure("carol", 5);
    assertThat(bus.error().code()).isEqualTo("too-many-streams");
    assertThat(bus.error().status()).isEqualTo(429);
    assertThat(bridgeRefusal("carol").getString("code")).isEqualTo("too-many-streams");

    FirstColumnCollector dave = new FirstColumnCollector();
    Future<Void> served = onService(() -> client.as("dave").open("series", Map.of("count", "5")).compose(stream -> stream.pipeTo(dave)));
    await().atMost(Duration.ofSeconds(10)).until(served::isComplete);
    assertThat(served.succeeded()).as("dave's stream: %s", served.cause()).isTrue();
    assertThat(slow.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }
}
