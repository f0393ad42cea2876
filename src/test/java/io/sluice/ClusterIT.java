package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.ClusterNodes;
import io.sluice.support.ClusterNodes.Node;
import io.sluice.support.ExportClient;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Three clustered nodes on 127.0.0.1: {@code front} runs HTTP only; {@code back} runs the
 * transform and cursor stages; {@code full} runs all three. Streams opened at {@code front}
 * cross the cluster; those opened at {@code full} stay on it.
 */
@DisplayName("A cluster of Sluice nodes")
class ClusterIT {

  private static final int WINDOW = 4;
  private static final int FETCH_SIZE = 100;
  private static ClusterNodes cluster;
  private static Node front;
  private static Node back;
  private static Node full;

  @BeforeAll
  static void start() throws Exception {
    cluster = new ClusterNodes(3);
    front = cluster.start("http", json -> json.getJsonObject("http").put("sendBufferSize", 32 * 1024));
    back = cluster.start("transform,cursor");
    full = cluster.start("all");
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  private static double opened(Node node) {
    return node.metrics().streamsOpened();
  }

  @Test
  @DisplayName("streams a whole dataset from a cursor on another node: exactly the database's rows, in order")
  void exportAcrossNodes() throws Exception {
    double readBefore = back.metrics().rowsRead() + full.metrics().rowsRead();

    HttpResponse<String> response = Http.get(front.port(), "/v1/datasets/transactions_raw/rows");

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> ids = response.body().lines().map(line -> new JsonObject(line).getValue("id").toString()).toList();
    assertThat(ids).isEqualTo(TestDatabase.copy("SELECT id FROM transactions ORDER BY id"));
    assertThat(front.metrics().rowsRead()).as("rows read on the HTTP-only node").isZero();
    assertThat(back.metrics().rowsRead() + full.metrics().rowsRead() - readBefore).isEqualTo(ids.size());
  }

  @Test
  @DisplayName("serves an export made on one node from another: its manifest and partitions, and a DELETE there releases the maker's snapshot")
  void exportPartitionsAcrossNodes() throws Exception {
    ExportClient atFull = new ExportClient(full.port(), null);
    ExportClient atFront = new ExportClient(front.port(), null);
    HttpResponse<String> created = atFull.create("transactions_raw", "{\"partitions\": 2}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonObject manifest = new JsonObject(created.body());
    String path = "/v1/exports/" + manifest.getString("id");
    assertThat(full.sluice().exports().held()).isEqualTo(1);

    assertThat(new JsonObject(atFront.get(path).body())).isEqualTo(manifest);
    List<String> ids = new java.util.ArrayList<>();
    for (HttpResponse<String> read : atFront.readAll(manifest, "")) {
      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
      read.body().lines().forEach(line -> ids.add(new JsonObject(line).getValue("id").toString()));
    }
    assertThat(ids).isEqualTo(TestDatabase.copy("SELECT id FROM transactions ORDER BY id"));
    assertThat(front.metrics().rowsRead()).as("rows read on the HTTP-only node").isZero();

    assertThat(atFront.delete(path).statusCode()).isEqualTo(204);
    await().atMost(Duration.ofSeconds(5)).until(() -> full.sluice().exports().held() == 0);
    assertThat(atFull.get(manifest.getJsonArray("partitions").getJsonObject(0).getString("url")).statusCode()).isEqualTo(410);
  }

  @Test
  @DisplayName("each node's /metrics counts the cluster's members, the node itself included")
  void clusterMembers() {
    for (Node node : List.of(front, back, full)) {
      assertThat(node.metrics().registry().get("sluice.cluster.members").gauge().value()).as("members seen by a node").isEqualTo(3);
    }
    assertThat(Http.get(front.port(), "/metrics").body()).contains("sluice_cluster_members 3.0");
  }

  @Test
  @DisplayName("spreads the opens of an HTTP-only node over the nodes that have the next stage")
  void spreadsOpens() {
    double backBefore = opened(back);
    double fullBefore = opened(full);

    for (int i = 0; i < 100; i++) {
      assertThat(Http.get(front.port(), "/v1/datasets/series/rows?count=3").statusCode()).isEqualTo(200);
    }

    double toBack = opened(back) - backBefore;
    double toFull = opened(full) - fullBefore;
    assertThat(toBack + toFull).isEqualTo(100);
    assertThat(toBack).as("streams read on one of the two nodes").isBetween(30.0, 70.0);
  }

  @Test
  @DisplayName("keeps a stream on the node that has every stage: no network hop")
  void prefersLocalStages() {
    double backBefore = opened(back);
    double fullBefore = opened(full);

    for (int i = 0; i < 20; i++) {
      assertThat(Http.get(full.port(), "/v1/datasets/series/rows?count=3").statusCode()).isEqualTo(200);
    }

    assertThat(opened(full) - fullBefore).isEqualTo(20);
    assertThat(opened(back) - backBefore).isZero();
  }

  @Test
  @DisplayName("runs the stream check of an HTTP-only node through the stages of the others, as a client stream")
  void streamCheckAcrossNodes() {
    double opened = opened(back) + opened(full);
    double openedHere = opened(front);

    HttpResponse<String> check = Http.get(front.port(), "/health/stream");

    assertThat(check.statusCode()).as("stream check: %s", check.body()).isEqualTo(200);
    assertThat(new JsonObject(check.body()).getJsonArray("checks").getJsonObject(0).getJsonObject("data").getLong("rows")).isEqualTo(3);
    assertThat(opened(back) + opened(full) - opened).as("cursor streams opened on the nodes with the cursor stage").isEqualTo(1);
    assertThat(opened(front)).isEqualTo(openedHere);
  }

  @Test
  @DisplayName("a paused consumer keeps the remote producer within its credits, and its leaving releases it")
  void pausedConsumerAcrossNodes() throws Exception {
    double readBefore = back.metrics().rowsRead() + full.metrics().rowsRead();
    double writtenBefore = front.metrics().rowsWritten();
    try (RawHttpClient client = RawHttpClient.get(front.port(), "/v1/datasets/transactions_raw/rows")) {
      await().atMost(Duration.ofSeconds(20)).until(() -> front.metrics().blockedResponses() == 1
          && back.metrics().awaitingCredit() + full.metrics().awaitingCredit() == 1);
      double read = back.metrics().rowsRead() + full.metrics().rowsRead() - readBefore;
      double written = front.metrics().rowsWritten() - writtenBefore;

      assertThat(read - written).as("rows read but not yet written to the socket").isLessThanOrEqualTo(WINDOW * FETCH_SIZE);
      client.abort();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> back.metrics().activeCursors() + full.metrics().activeCursors() == 0);
  }
}
