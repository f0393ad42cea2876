package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.ChildSluice;
import io.sluice.support.Http;
import io.sluice.support.NdjsonIds;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The service stopped as Kubernetes and crashes stop it: {@code sluice.jar} in a process of
 * its own is sent SIGTERM or SIGKILL with streams in flight; what its clients got is then
 * resumed on this JVM's Sluice (same signing key) and must add up to one {@code COPY}.
 */
@DisplayName("Stopping the service")
class ShutdownIT extends ServiceTest {

  private static final int DRAIN_SECONDS = 4;
  private static final String EXPORT = "/v1/datasets/transactions_raw/rows";
  private static final String COPY_IDS = "SELECT id FROM transactions ORDER BY id";

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx);
  }

  private static ChildSluice child(Vertx vertx) throws Exception {
    return ChildSluice.start(vertx, json -> {
      json.getJsonObject("http").put("sendBufferSize", 32 * 1024);
      json.put("shutdown", new JsonObject().put("drainSeconds", DRAIN_SECONDS));
    });
  }


  @Test
  @DisplayName("SIGTERM: readiness and new streams refused at once, streams in flight finish or end partial with a token, exit 0")
  void sigtermDrains(Vertx vertx) throws Exception {
    try (ChildSluice child = child(vertx); RawHttpClient stuck = RawHttpClient.get(child.port(), EXPORT)) {
      await().atMost(Duration.ofSeconds(20))
          .until(() -> Backends.states(ChildSluice.APPLICATION_NAME).getOrDefault("idle in transaction", 0) == 1);
      CompletableFuture<HttpResponse<String>> finishing =
          CompletableFuture.supplyAsync(() -> Http.get(child.port(), "/v1/datasets/slow_start/rows?sleep_ms=1500"));
      await().atMost(Duration.ofSeconds(20))
          .until(() -> Backends.states(ChildSluice.APPLICATION_NAME).getOrDefault("active", 0) == 1);

      child.terminate();

      await().atMost(Duration.ofSeconds(2)).until(() -> Http.get(child.port(), "/health/ready").statusCode() == 503);
      HttpResponse<String> refused = Http.get(child.port(), "/v1/datasets/series/rows?count=5");
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("shutting-down");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      assertThat(Http.get(child.port(), "/health/live").statusCode()).isEqualTo(200);

      HttpResponse<String> finished = finishing.get(30, TimeUnit.SECONDS);
      assertThat(finished.statusCode()).isEqualTo(200);
      assertThat(finished.body().lines()).as("rows of the stream that finished within the drain time").hasSize(100);

      await().atMost(Duration.ofSeconds(DRAIN_SECONDS + 2)).until(() -> child.log().contains("drain time over"));
      RawHttpClient.Chunked cut = RawHttpClient.Chunked.decode(stuck.readToEnd());
      assertThat(cut.complete()).as("terminating chunk").isFalse();
      List<String> lines = cut.body().lines().toList();
      JsonObject record = new JsonObject(lines.get(lines.size() - 1)).getJsonObject("_sluice");
      assertThat(record.getString("status")).isEqualTo("partial");
      assertThat(record.getJsonObject("error").getString("code")).isEqualTo("shutting-down");

      assertThat(child.process().waitFor(DRAIN_SECONDS + 8, TimeUnit.SECONDS)).as("exited in time").isTrue();
      assertThat(child.process().exitValue()).as("exit status\n" + child.log()).isZero();
      assertThat(Backends.states(ChildSluice.APPLICATION_NAME)).as("backends left by the stopped service").isEmpty();

      HttpResponse<String> rest = Http.get(port, EXPORT + "?resume=" + URLEncoder.encode(record.getString("resume"), StandardCharsets.UTF_8));
      assertThat(rest.statusCode()).isEqualTo(200);
      List<String> ids = NdjsonIds.of(lines.subList(0, lines.size() - 1));
      ids.addAll(NdjsonIds.of(rest.body().lines().toList()));
      assertThat(ids).as("ids before and after the shutdown").isEqualTo(TestDatabase.copy(COPY_IDS));
    }
  }

  @Test
  @DisplayName("kill -9: its backends go, and the client resumes with after= its last row on another node, losing and repeating nothing")
  void killThenResume(Vertx vertx) throws Exception {
    List<String> received;
    try (ChildSluice child = child(vertx);
        RawHttpClient client = RawHttpClient.send(child.port(), "GET " + EXPORT + " HTTP/1.0\r\nHost: x\r\n\r\n")) {
      String body = new String(client.readBodyUpTo(300_000), StandardCharsets.UTF_8);
      received = NdjsonIds.of(body.substring(0, body.lastIndexOf('\n')).lines().toList());

      child.kill();

      await().atMost(Duration.ofSeconds(5)).until(() -> Backends.states(ChildSluice.APPLICATION_NAME).isEmpty());
    }
    HttpResponse<String> rest = Http.get(port, EXPORT + "?after=" + received.get(received.size() - 1));

    assertThat(rest.statusCode()).isEqualTo(200);
    List<String> ids = new ArrayList<>(received);
    ids.addAll(NdjsonIds.of(rest.body().lines().toList()));
    assertThat(ids).isEqualTo(TestDatabase.copy(COPY_IDS));
  }
}
