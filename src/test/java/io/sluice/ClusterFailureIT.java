package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.ChildSluice;
import io.sluice.support.ClusterNodes;
import io.sluice.support.ClusterNodes.Node;
import io.sluice.support.Http;
import io.sluice.support.NdjsonIds;
import io.sluice.support.RawHttpClient;
import io.sluice.support.TestDatabase;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nodes that die abruptly: one node of each cluster is {@code sluice.jar} in a process of
 * its own, killed with SIGKILL mid-stream; the others run in this JVM. Leases of 2 s.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("A cluster whose node dies")
class ClusterFailureIT {

  private static final int LEASE_MS = 2_000;
  private static final String EXPORT = "/v1/datasets/transactions_raw/rows";

  /** The settings of every node: short leases, small socket buffers. */
  private static final Consumer<JsonObject> SETTINGS = json -> {
    json.getJsonObject("stream").put("leaseMs", LEASE_MS);
    json.getJsonObject("http").put("sendBufferSize", 32 * 1024);
  };

  /** A node in a process of its own, as {@code member} of the cluster with {@code roles}. */
  private static Consumer<JsonObject> child(JsonObject member, String roles) {
    return SETTINGS.andThen(json -> json.put("cluster", member).put("roles", roles));
  }


  @Test
  @DisplayName("the producer's node killed: the consumer ends partial with a token within the lease, and resumes on a surviving node")
  void producerNodeDies(Vertx vertx) throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(3)) {
      Node front = cluster.start("http", SETTINGS);
      try (ChildSluice producer = ChildSluice.start(vertx, child(cluster.nextMember(), "transform,cursor"));
          RawHttpClient client = RawHttpClient.get(front.port(), EXPORT)) {
        await().atMost(Duration.ofSeconds(20))
            .until(() -> Backends.states(ChildSluice.APPLICATION_NAME).getOrDefault("idle in transaction", 0) == 1);
        Node survivor = cluster.start("transform,cursor", SETTINGS);

        producer.kill();

        CompletableFuture<String> body = CompletableFuture.supplyAsync(() -> {
          try {
            return client.readToEnd();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        await().atMost(Duration.ofMillis(LEASE_MS + 2_000)).until(body::isDone);
        RawHttpClient.Chunked cut = RawHttpClient.Chunked.decode(body.get());
        assertThat(cut.complete()).isFalse();
        List<String> lines = cut.body().lines().toList();
        JsonObject record = new JsonObject(lines.get(lines.size() - 1)).getJsonObject("_sluice");
        assertThat(record.getString("status")).isEqualTo("partial");

        String resume = EXPORT + "?resume=" + URLEncoder.encode(record.getString("resume"), StandardCharsets.UTF_8);
        HttpResponse<String> rest = await().atMost(Duration.ofSeconds(30)).until(() -> Http.get(front.port(), resume), r -> r.statusCode() == 200);
        List<String> ids = NdjsonIds.of(lines.subList(0, lines.size() - 1));
        ids.addAll(NdjsonIds.of(rest.body().lines().toList()));
        assertThat(ids).isEqualTo(TestDatabase.copy("SELECT id FROM transactions ORDER BY id"));
        assertThat(survivor.metrics().rowsRead()).isPositive();
      }
    }
  }

  @Test
  @DisplayName("the consumer's node killed: the producer releases its connection within the lease")
  void consumerNodeDies(Vertx vertx) throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(2)) {
      Node back = cluster.start("transform,cursor", SETTINGS);
      try (ChildSluice consumer = ChildSluice.start(vertx, child(cluster.nextMember(), "http"));
          RawHttpClient client = RawHttpClient.get(consumer.port(), EXPORT)) {
        await().atMost(Duration.ofSeconds(20)).until(() -> back.metrics().awaitingCredit() == 1
            && Backends.states(TestSluice.APPLICATION_NAME).getOrDefault("idle in transaction", 0) == 1);

        consumer.kill();

        await().atMost(Duration.ofMillis(LEASE_MS + 2_000)).until(() -> back.metrics().activeCursors() == 0
            && !Backends.states(TestSluice.APPLICATION_NAME).containsKey("idle in transaction"));
      }
    }
  }
}
