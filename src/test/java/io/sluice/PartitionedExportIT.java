package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.ExportClient;
import io.sluice.support.LogCapture;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.Sse;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Partitioned exports over HTTP against a real PostgreSQL: the union of the partitions is the
 * dataset at the export's snapshot while a writer commits, a partition cut anywhere resumes
 * exactly inside the snapshot, DELETE ends it and releases its snapshot's session, bad requests
 * are refused before any database work, and a key that cannot be split gives one partition and a note.
 */
@DisplayName("A partitioned export")
class PartitionedExportIT extends ServiceTest {

  private static final int ROWS = 20_000;
  private static final int HALF = ROWS / 2;
  private static final int POOL = 6;
  private static final int PER_CLIENT = 4;
  private static ExportClient client;
  private final List<String> created = new ArrayList<>();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      st.execute("DROP TABLE IF EXISTS export_items; CREATE TABLE export_items (id bigint PRIMARY KEY, version int NOT NULL);"
          + " INSERT INTO export_items SELECT g, 0 FROM generate_series(1, " + ROWS + ") AS g; ANALYZE export_items");
      st.execute("DROP TABLE IF EXISTS export_unindexed; CREATE TABLE export_unindexed (n int NOT NULL);"
          + " INSERT INTO export_unindexed SELECT g FROM generate_series(1, 1000000) AS g; ANALYZE export_unindexed");
    }
    startSluice(vertx, json -> {
      json.getJsonObject("database").put("poolSize", POOL);
      json.getJsonObject("http").put("maxStreamsPerClient", PER_CLIENT);
      json.getJsonArray("datasets")
          .add(new JsonObject().put("name", "export_items")
              .put("sql", "SELECT id, version FROM export_items WHERE version >= $1::int")
              .put("orderBy", new JsonArray().add("id"))
              .put("parameters", new JsonArray().add(new JsonObject().put("name", "min_version").put("type", "integer").put("default", 0))))
          .add(new JsonObject().put("name", "unindexed")
              .put("sql", "SELECT n FROM export_unindexed")
              .put("orderBy", new JsonArray().add("n")))
          .add(new JsonObject().put("name", "text_keyed")
              .put("sql", "SELECT 'k' || lpad(g::text, 3, '0') AS k, g FROM generate_series(1, 50) AS g")
              .put("orderBy", new JsonArray().add("k")));
    });
    client = new ExportClient(port, null);
  }

  @AfterEach
  void deleteExports() {
    created.forEach(id -> client.delete("/v1/exports/" + id));
    created.clear();
    await().atMost(Duration.ofSeconds(5)).until(() -> sluice.exports().held() == 0 && Backends.busy() == 0);
  }

  private JsonObject create(String dataset, String body) {
    HttpResponse<String> response = client.create(dataset, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonObject manifest = new JsonObject(response.body());
    created.add(manifest.getString("id"));
    assertThat(response.headers().firstValue("location")).hasValue("/v1/exports/" + manifest.getString("id"));
    return manifest;
  }

  /** One committed transaction of the writer: two rows of different partitions to version v, a row inserted, maybe one deleted. */
  private record Write(int version, long a, long b, long inserted, Long deleted) {}

  @Test
  @DisplayName("holds, across its partitions read at once, exactly the rows of one snapshot while a writer commits")
  void unionIsOneSnapshot() throws Exception {
    List<Write> log = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger failures = new AtomicInteger();
    Thread writer = new Thread(() -> write(log, stop, failures), "export-writer");
    writer.start();
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> log.size() >= 20);
      JsonObject manifest = create("export_items", "{\"partitions\": 4}");
      int atCreation = log.size();
      // the snapshot must be older than what the partitions could otherwise see
      await().atMost(Duration.ofSeconds(20)).until(() -> log.size() >= atCreation + 50);

      assertThat(manifest.getJsonArray("partitions")).hasSize(4);
      assertThat(manifest.getBoolean("ordered")).isTrue();
      List<HttpResponse<String>> reads = client.readAll(manifest, "?meta=true");
      int afterReads = log.size();

      Map<Long, Integer> exported = new HashMap<>();
      List<List<Long>> partitionIds = new ArrayList<>();
      for (int i = 0; i < reads.size(); i++) {
        HttpResponse<String> read = reads.get(i);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.headers().firstValue("Sluice-Partition")).hasValue(i + "/4");
        List<String> lines = read.body().lines().toList();
        assertThat(new JsonObject(lines.get(lines.size() - 1)).getJsonObject("_sluice").getString("status")).isEqualTo("complete");
        List<Long> ids = new ArrayList<>();
        for (String line : lines.subList(0, lines.size() - 1)) {
          JsonObject row = new JsonObject(line);
          ids.add(row.getLong("id"));
          assertThat(exported.put(row.getLong("id"), row.getInteger("version"))).as("row %s read twice", row.getLong("id")).isNull();
        }
        assertThat(ids).as("partition %d in key order", i).isSorted();
        partitionIds.add(ids);
      }
      for (int i = 1; i < partitionIds.size(); i++) {
        assertThat(partitionIds.get(i).get(0)).as("contiguous ranges in manifest order").isGreaterThan(partitionIds.get(i - 1).get(partitionIds.get(i - 1).size() - 1));
      }
      int seen = exported.keySet().stream().mapToInt(id -> id > ROWS ? (int) (id - ROWS) : 0).max().orElse(0);
      assertThat(seen).as("writes committed before the export").isBetween(20, atCreation);
      assertThat(afterReads).as("writes committed while the partitions were read").isGreaterThan(seen + 50);
      assertThat(exported).as("the rows after exactly the first %d writes", seen).isEqualTo(replay(List.copyOf(log).subList(0, seen)));
      // the pairs written together lie in different partitions and agree
      Write last = log.get(seen - 1);
      assertThat(exported.get(last.a())).isEqualTo(exported.get(last.b())).isEqualTo(last.version());
      assertThat(partitionOf(partitionIds, last.a())).isNotEqualTo(partitionOf(partitionIds, last.b()));
    } finally {
      stop.set(true);
      writer.join(10_000);
    }
    assertThat(failures.get()).isZero();
  }

  private static int partitionOf(List<List<Long>> partitions, long id) {
    for (int i = 0; i < partitions.size(); i++) {
      if (partitions.get(i).contains(id)) {
        return i;
      }
    }
    return -1;
  }

  private static void write(List<Write> log, AtomicBoolean stop, AtomicInteger failures) {
    Random random = new Random(18);
    try (Connection conn = TestDatabase.jdbc();
        PreparedStatement update = conn.prepareStatement("UPDATE export_items SET version = ? WHERE id IN (?, ?)");
        PreparedStatement insert = conn.prepareStatement("INSERT INTO export_items VALUES (?, ?)");
        PreparedStatement delete = conn.prepareStatement("DELETE FROM export_items WHERE id = ?")) {
      conn.setAutoCommit(false);
      for (int v = 1; !stop.get(); v++) {
        long a;
        do {
          a = 1 + random.nextInt(HALF);
        } while (a % 7 == 0 || (a + HALF) % 7 == 0);
        Write w = new Write(v, a, a + HALF, ROWS + v, 7L * v <= ROWS ? 7L * v : null);
        update.setInt(1, v);
        update.setLong(2, w.a());
        update.setLong(3, w.b());
        update.executeUpdate();
        insert.setLong(1, w.inserted());
        insert.setInt(2, v);
        insert.executeUpdate();
        if (w.deleted() != null) {
          delete.setLong(1, w.deleted());
          delete.executeUpdate();
        }
        conn.commit();
        log.add(w);
      }
    } catch (Exception e) {
      failures.incrementAndGet();
      throw new IllegalStateException(e);
    }
  }

  /** The table after {@code writes}, from its first state. */
  private static Map<Long, Integer> replay(List<Write> writes) {
    Map<Long, Integer> rows = new TreeMap<>();
    for (long id = 1; id <= ROWS; id++) {
      rows.put(id, 0);
    }
    for (Write w : writes) {
      rows.put(w.a(), w.version());
      rows.put(w.b(), w.version());
      rows.put(w.inserted(), w.version());
      if (w.deleted() != null) {
        rows.remove(w.deleted());
      }
    }
    return rows;
  }

  @Test
  @DisplayName("resumes each partition cut anywhere with the token of its last event, inside the snapshot, exactly; a token of another partition is refused")
  void cutAndResumed() throws Exception {
    resetTable();
    JsonObject manifest = create("export_items", "{\"partitions\": 3}");
    Random random = new Random(3);
    List<String> all = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String url = manifest.getJsonArray("partitions").getJsonObject(i).getString("url");
      List<String> ids = new ArrayList<>();
      String token;
      try (RawHttpClient raw = RawHttpClient.send(port, "GET " + url + "?format=sse HTTP/1.0\r\nHost: x\r\n\r\n")) {
        List<Sse.Event> events = Sse.parse(new String(raw.readBodyUpTo(20_000 + random.nextInt(200_000)), StandardCharsets.UTF_8));
        raw.abort();
        events.stream().filter(e -> e.type().equals("message")).forEach(e -> ids.add(new JsonObject(e.data()).getValue("id").toString()));
        token = events.get(events.size() - 1).lastEventId();
      }
      assertThat(ids).as("partition %d was cut", i).isNotEmpty();
      tokens.add(token);
      HttpResponse<String> rest = client.get(url + "?resume=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
      assertThat(rest.statusCode()).as(rest.body()).isEqualTo(200);
      rest.body().lines().forEach(l -> ids.add(new JsonObject(l).getValue("id").toString()));
      HttpResponse<String> whole = client.get(url);
      assertThat(ids).as("partition %d cut and resumed", i).isEqualTo(whole.body().lines().map(l -> new JsonObject(l).getValue("id").toString()).toList());
      all.addAll(ids);
    }
    assertThat(all).isEqualTo(TestDatabase.copy("SELECT id FROM export_items ORDER BY id"));

    String otherPartition = manifest.getJsonArray("partitions").getJsonObject(1).getString("url");
    HttpResponse<String> refused = client.get(otherPartition + "?resume=" + URLEncoder.encode(tokens.get(0), StandardCharsets.UTF_8));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("parameter")).isEqualTo("resume");
  }

  private static void resetTable() throws Exception {
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      st.execute("TRUNCATE export_items; INSERT INTO export_items SELECT g, 0 FROM generate_series(1, " + ROWS + ") AS g");
    }
  }

  @Test
  @DisplayName("answers its manifest, then after DELETE 410 export-expired, and its snapshot's session is gone")
  void deleteEndsIt() {
    HttpResponse<String> catalogue = client.get("/v1/datasets/export_items");
    JsonObject manifest = create("export_items", "{\"partitions\": 2, \"params\": {\"min_version\": 0}}");
    String path = "/v1/exports/" + manifest.getString("id");
    assertThat(manifest.getJsonArray("columns")).isEqualTo(new JsonObject(catalogue.body()).getJsonArray("columns"));
    assertThat(manifest.getLong("estimatedRows")).isPositive();
    assertThat(new JsonObject(client.get(path).body())).isEqualTo(manifest);
    assertThat(Backends.states()).containsEntry("idle in transaction", 1);
    assertThat(sluice.metrics().registry().get("sluice.exports.snapshots.held").gauge().value()).isEqualTo(1);

    assertThat(client.delete(path).statusCode()).isEqualTo(204);

    for (String gone : List.of(path, path + "/partitions/0/rows", path + "/partitions/1/rows?format=csv")) {
      HttpResponse<String> response = client.get(gone);
      assertThat(response.statusCode()).as(gone).isEqualTo(410);
      assertThat(new JsonObject(response.body()).getJsonObject("error").getString("code")).isEqualTo("export-expired");
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> !Backends.states().containsKey("idle in transaction"));
    assertThat(client.get("/v1/exports/no-such-export").statusCode()).isEqualTo(404);
    assertThat(client.get(path + "/partitions/2/rows").statusCode()).as("a partition it does not have").isIn(404, 410);
  }

  @Test
  @DisplayName("whose snapshot's session is ended by the server answers 410 export-expired")
  void leaderKilled() {
    JsonObject manifest = create("export_items", "{\"partitions\": 2}");
    String partition = manifest.getJsonArray("partitions").getJsonObject(1).getString("url");
    assertThat(client.get(partition).statusCode()).isEqualTo(200);

    assertThat(Backends.terminate("idle in transaction")).isEqualTo(1);

    await().atMost(Duration.ofSeconds(5)).until(() -> client.get(partition).statusCode() == 410);
    assertThat(new JsonObject(client.get(partition).body()).getJsonObject("error").getString("code")).isEqualTo("export-expired");
    await().atMost(Duration.ofSeconds(2)).until(() -> sluice.exports().held() == 0);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"partitions\": 0}|partitions|from 1 to 64",
      "{\"partitions\": 65}|partitions|from 1 to 64",
      "{\"partitions\": \"two\"}|partitions|whole number",
      "{\"partitions\": 1.5}|partitions|whole number",
      "{\"partitions\": 6}|partitions|database.poolSize",
      "{\"partitions\": 5}|partitions|http.maxStreamsPerClient",
      "{\"partitions\": 2, \"params\": {\"nope\": 1}}|nope|unknown parameter",
      "{\"partitions\": 2, \"params\": {\"min_version\": \"x\"}}|min_version|",
      "{\"partitions\": 2, \"params\": {\"min_version\": [1]}}|min_version|a string, a number or a boolean",
      "{\"partitions\": 2, \"params\": 3}|params|object",
      "{\"partitions\": 2, \"limit\": 3}|limit|unknown field",
      "not json|body|JSON object"})
  @DisplayName("refuses a bad request with 400 naming what is wrong, before any database work")
  void badInput(String body, String parameter, String says) {
    HttpResponse<String> response = client.create("export_items", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("bad-request");
    assertThat(error.getString("parameter")).isEqualTo(parameter);
    assertThat(error.getString("message")).contains(says == null ? "" : says);
    assertThat(sluice.exports().held()).isZero();
    assertThat(Backends.states()).doesNotContainKey("idle in transaction");
  }

  @Test
  @DisplayName("of an unknown dataset is 404; a partition read with parameters of its own is 400")
  void unknownAndOverridden() {
    assertThat(client.create("no_such_dataset", "{}").statusCode()).isEqualTo(404);
    JsonObject manifest = create("export_items", "{}");
    assertThat(manifest.getJsonArray("partitions")).as("the default: one per 250,000 estimated rows, and it holds %d", ROWS).hasSize(1);
    HttpResponse<String> overridden = client.get(manifest.getJsonArray("partitions").getJsonObject(0).getString("url") + "?min_version=3");
    assertThat(overridden.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(overridden.body()).getJsonObject("error").getString("parameter")).isEqualTo("min_version");
  }

  @Test
  @DisplayName("over a key that is not an integer has one partition and a note saying why, and reads every row")
  void unsplittableKey() {
    JsonObject manifest = create("text_keyed", "{\"partitions\": 3}");

    assertThat(manifest.getJsonArray("partitions")).hasSize(1);
    assertThat(manifest.getString("note")).contains("one partition", "'k'", "integer");
    HttpResponse<String> rows = client.get(manifest.getJsonArray("partitions").getJsonObject(0).getString("url") + "?format=csv");
    assertThat(rows.statusCode()).isEqualTo(200);
    assertThat(rows.headers().firstValue("Sluice-Partition")).hasValue("0/1");
    assertThat(rows.body().lines()).hasSize(51);
  }

  @Test
  @DisplayName("over an integer key no index serves has one partition and a note, rather than a manifest that reads every row first")
  void unindexedKey() {
    JsonObject manifest = create("unindexed", "{\"partitions\": 3}");

    assertThat(manifest.getJsonArray("partitions")).hasSize(1);
    assertThat(manifest.getString("note")).contains("one partition", "'n'", "no index");
  }

  @Test
  @DisplayName("is audited: its creation with its id and partitions, and each partition read with its index")
  void audited() {
    try (LogCapture audit = LogCapture.of("sluice.audit")) {
      JsonObject manifest = create("export_items", "{\"partitions\": 2}");
      client.readAll(manifest, "?format=csv");
      await().atMost(Duration.ofSeconds(5)).until(() -> audit.json().size() >= 3);
      List<JsonObject> lines = audit.json();
      String id = manifest.getString("id");
      assertThat(lines).filteredOn(l -> "export-created".equals(l.getString("status")))
          .singleElement().satisfies(l -> {
            assertThat(l.getJsonObject("params").getString("@export")).isEqualTo(id);
            assertThat(l.getJsonObject("params").getString("@partitions")).isEqualTo("2");
            assertThat(l.getInteger("httpStatus")).isEqualTo(201);
          });
      assertThat(lines).filteredOn(l -> "complete".equals(l.getString("status")))
          .extracting(l -> l.getJsonObject("params").getString("@export") + "#" + l.getJsonObject("params").getString("@partition"))
          .containsExactlyInAnyOrder(id + "#0", id + "#1");
    }
  }
}
