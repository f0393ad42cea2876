package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.SluiceClient;
import io.sluice.dataset.StreamRequest;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamFailedException;
import io.sluice.support.ClusterNodes;
import io.sluice.support.ClusterNodes.Node;
import io.sluice.support.ExportClient;
import io.sluice.support.TestDatabase;
import io.sluice.value.RowBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link SluiceClient#openExport}: a service on another cluster node reads an export made over
 * HTTP, one event-bus stream per partition, in parallel: the union is the dataset at the export's
 * snapshot while the table is rewritten, a partition's resume token goes on inside that partition
 * only, and an export that has ended, is unknown or another principal's is refused.
 */
@DisplayName("The Java client reading a partitioned export")
class ClientExportIT {

  private static final int ROWS = 6_000;
  private static ClusterNodes cluster;
  private static Node node;
  private static Context service;
  private static SluiceClient client;
  private static ExportClient http;

  @BeforeAll
  static void start() throws Exception {
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      st.execute("DROP TABLE IF EXISTS client_export_items; CREATE TABLE client_export_items (id bigint PRIMARY KEY, version int NOT NULL);"
          + " INSERT INTO client_export_items SELECT g, 0 FROM generate_series(1, " + ROWS + ") AS g; ANALYZE client_export_items");
    }
    cluster = new ClusterNodes(2);
    node = cluster.start("http,transform,cursor", json -> {
      json.getJsonObject("database").put("poolSize", 5);
      json.getJsonArray("datasets").add(new JsonObject().put("name", "client_export_items")
          .put("sql", "SELECT id, version FROM client_export_items WHERE version >= $1::int")
          .put("orderBy", new JsonArray().add("id"))
          .put("parameters", new JsonArray().add(new JsonObject().put("name", "min_version").put("type", "integer").put("default", 0))));
    });
    Vertx vertx = cluster.join();
    service = vertx.getOrCreateContext();
    client = SluiceClient.create(vertx);
    http = new ExportClient(node.port(), null);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static <T> T onService(java.util.function.Supplier<Future<T>> action) throws Exception {
    Promise<T> outcome = Promise.promise();
    service.runOnContext(v -> action.get().onComplete(outcome));
    return outcome.future().await(60, TimeUnit.SECONDS);
  }

  private static JsonObject export(int partitions) {
    HttpResponse<String> created = http.create("client_export_items", "{\"partitions\": " + partitions + "}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return new JsonObject(created.body());
  }

  /** Reads {@code stream} to its end: each row as "id:version". */
  private static Future<List<String>> readAll(StreamConsumer stream, List<String> rows) {
    Promise<List<String>> ended = Promise.promise();
    stream.exceptionHandler(ended::tryFail).endHandler(v -> ended.tryComplete(rows));
    stream.handler(batch -> addRows(batch, rows));
    return ended.future();
  }

  private static void addRows(RowBatch batch, List<String> rows) {
    batch.rows().forEach(row -> rows.add(row[0] + ":" + row[1]));
  }

  @Test
  @DisplayName("reads every partition in parallel over the bus: the union is the dataset at the export's snapshot, each row once")
  void unionIsTheSnapshot() throws Exception {
    JsonObject manifest = export(3);
    assertThat(manifest.getJsonArray("partitions")).hasSize(3);
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      // after the export: rows gone, rows added, every row changed; none of it may show
      st.execute("DELETE FROM client_export_items WHERE id % 7 = 0; INSERT INTO client_export_items SELECT g, 1 FROM generate_series("
          + (ROWS + 1) + ", " + (ROWS + 500) + ") AS g; UPDATE client_export_items SET version = version + 1");
    }
    List<List<String>> parts = onService(() -> client.openExport(manifest).compose(streams -> {
      assertThat(streams).hasSize(3);
      List<Future<List<String>>> reads = streams.stream().map(s -> readAll(s, new CopyOnWriteArrayList<>())).toList();
      return Future.all(reads).map(all -> reads.stream().map(Future::result).toList());
    }));
    assertThat(parts).allSatisfy(part -> assertThat(part).isNotEmpty());
    List<String> union = parts.stream().flatMap(List::stream).toList();
    assertThat(union).as("manifest order is key order").isEqualTo(IntStream.rangeClosed(1, ROWS).mapToObj(i -> i + ":0").toList());
    http.delete("/v1/exports/" + manifest.getString("id"));
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      st.execute("TRUNCATE client_export_items; INSERT INTO client_export_items SELECT g, 0 FROM generate_series(1, " + ROWS + ") AS g");
    }
  }

  @Test
  @DisplayName("a partition's resume token goes on inside that partition, and is refused for another partition or the live dataset")
  void resumeInsideThePartition() throws Exception {
    JsonObject manifest = export(3);
    List<StreamRequest> partitions = onService(() -> client.exportPartitions(manifest));
    List<String> whole = onService(() -> client.open(partitions.get(1)).compose(s -> readAll(s, new CopyOnWriteArrayList<>())));
    assertThat(whole).hasSizeGreaterThan(1000);

    List<String> first = new CopyOnWriteArrayList<>();
    AtomicReference<String> token = new AtomicReference<>();
    onService(() -> client.open(partitions.get(1)).map(stream -> {
      stream.handler(batch -> {
        if (token.get() == null) {
          addRows(batch, first);
          token.set(stream.resumeToken());
          stream.handler(null);
        }
      });
      return null;
    }));
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> token.get() != null);
    assertThat(first).isNotEmpty().hasSizeLessThan(whole.size());
    List<String> rest = onService(() -> client.open(partitions.get(1), token.get()).compose(s -> readAll(s, new CopyOnWriteArrayList<>())));
    List<String> resumed = new ArrayList<>(first);
    resumed.addAll(rest);
    assertThat(resumed).as("exactly the partition, each row once").isEqualTo(whole);

    assertThat(refusal(() -> client.open(partitions.get(0), token.get())).code()).isEqualTo("bad-request");
    assertThat(refusal(() -> client.open(new StreamRequest("client_export_items", java.util.Map.of(), null), token.get())).code())
        .as("a partition's token does not resume the live dataset").isEqualTo("bad-request");
    http.delete("/v1/exports/" + manifest.getString("id"));
  }

  @Test
  @DisplayName("an export that has ended, an unknown one and another principal's are refused")
  void refusals() throws Exception {
    JsonObject manifest = export(2);
    assertThat(refusal(() -> client.as("mallory").exportPartitions(manifest)).code()).isEqualTo("not-found");
    assertThat(refusal(() -> client.exportPartitions(new JsonObject().put("id", "no-such-export"))).code()).isEqualTo("not-found");
    assertThat(http.delete("/v1/exports/" + manifest.getString("id")).statusCode()).isEqualTo(204);
    assertThat(refusal(() -> client.openExport(manifest)).code()).isEqualTo("export-expired");
  }

  private static io.sluice.protocol.StreamError refusal(java.util.function.Supplier<Future<?>> action) throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    onService(() -> action.get().<Void>transform(ar -> {
      failure.set(ar.cause());
      return Future.succeededFuture();
    }));
    assertThat(failure.get()).isInstanceOf(StreamFailedException.class);
    return ((StreamFailedException) failure.get()).error();
  }
}
