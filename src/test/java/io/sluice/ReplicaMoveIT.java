package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.ReplicaPair;
import io.sluice.support.ServiceTest;
import io.sluice.support.Sse;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A stream whose replica fails under it goes on on another server by itself, against a real
 * streaming replica ({@code pg_basebackup} from a primary the test starts): its backend ended,
 * the replica stopped, a real hot-standby conflict ({@code max_standby_streaming_delay = 0}, a
 * VACUUM on the primary that removes rows the replica's open cursor's snapshot may see). Each
 * time the body has every row exactly once, a {@code moved} record where the format has in-band
 * records, and ends complete; past {@code database.maxMoves} (1 here) it is cut as before.
 * Every stream is held mid-way: its client reads nothing until the replica's backend waits, idle
 * in its transaction, for credit (22 MB of rows cannot fit the socket buffers).
 */
@DisplayName("Streams that move to another server")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaMoveIT extends ServiceTest {

  private static final int ROWS = 100_000;
  private static final Duration WITHIN = Duration.ofSeconds(20);
  private static final String HELD = "select pid from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()"
      + " and state = 'idle in transaction' and query like '%moving%'";
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static ReplicaPair servers;
  private static String replicaName;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    assertThat(ReplicaPair.available()).as("ReplicaMoveIT makes a real streaming replica with PostgreSQL's own initdb, pg_ctl and"
        + " pg_basebackup: install the server (Debian: apt-get install postgresql-15) or set SLUICE_PG_BIN to its bin directory").isTrue();
    servers = ReplicaPair.start();
    replicaName = "127.0.0.1:" + servers.replicaPort;
    sql(servers.primaryUrl(), "create table moving (id int primary key, pad text); insert into moving select g, repeat('x', 200)"
        + " from generate_series(1, " + ROWS + ") g; create table other (id int)");
    sql(servers.primaryUrl(), "vacuum analyze moving");
    await().atMost(WITHIN).ignoreExceptions().until(() -> count(servers.replicaUrl(), "select count(*) from moving") == ROWS);
    JsonObject moving = new JsonObject().put("name", "moving")
        .put("sql", "SELECT id, pad, pg_is_in_recovery() AS on_replica FROM moving")
        .put("orderBy", new JsonArray().add("id"));
    startSluice(vertx, json -> {
      json.getJsonObject("database").put("url", servers.primaryUrl()).put("replicas", new JsonArray().add(servers.replicaUrl()))
          .put("maxMoves", 1);
      json.put("datasets", new JsonArray().add(moving));
    });
  }

  @AfterAll
  static void stopServers() throws Exception {
    if (sluice != null) {
      sluice.stop().await(10, java.util.concurrent.TimeUnit.SECONDS);
      sluice = null;
    }
    if (servers != null) {
      servers.close();
    }
  }

  @BeforeEach
  void replicaHealthy() {
    await().atMost(WITHIN).untilAsserted(() -> assertThat(healthy()).as("replica healthy").isEqualTo(1.0));
  }

  @Test
  @Order(1)
  @DisplayName("NDJSON: the replica's backend ended mid-stream -> moved to the primary, every row once, complete")
  void backendEnded() throws Exception {
    Body body = held("ndjson");
    terminateHeld(servers.replicaUrl());
    List<String> lines = body.rest();
    assertRowsOnce(lines.stream().filter(l -> l.startsWith("{\"id\"")).map(l -> new JsonObject(l).getInteger("id")).toList());
    List<JsonObject> moved = records(lines, "moved");
    assertThat(moved).hasSize(1);
    assertThat(moved.get(0).getString("from")).isEqualTo(replicaName);
    assertThat(moved.get(0).getString("to")).isEqualTo("primary");
    assertThat(moved.get(0).getString("resume")).startsWith("v1.");
    // rows before the record came from the replica, those after it from the primary
    int at = indexOf(lines, "\"moved\"");
    assertThat(lines.subList(0, at).stream().filter(l -> l.startsWith("{\"id\"")).allMatch(l -> l.contains("\"on_replica\":true"))).isTrue();
    assertThat(lines.subList(at, lines.size()).stream().filter(l -> l.startsWith("{\"id\"")).allMatch(l -> l.contains("\"on_replica\":false")))
        .isTrue();
    assertThat(records(lines, "complete")).singleElement().satisfies(c -> assertThat(c.getLong("rows")).isEqualTo(ROWS));
    assertThat(body.ended()).isTrue();
  }

  @Test
  @Order(2)
  @DisplayName("CSV (no in-band records): the replica's backend ended -> every row once, nothing else in the body, complete")
  void csvJustGoesOn() throws Exception {
    Body body = held("csv");
    terminateHeld(servers.replicaUrl());
    List<String> lines = body.rest();
    assertThat(lines.get(0)).isEqualTo("id,pad,on_replica");
    assertRowsOnce(lines.subList(1, lines.size()).stream().map(l -> Integer.parseInt(l.substring(0, l.indexOf(',')))).toList());
    assertThat(body.ended()).isTrue();
  }

  @Test
  @Order(2)
  @DisplayName("Java client over the event bus: the replica's backend ended -> its handler gets every row once and no moved notice")
  void busClientSeesRowsOnly(Vertx vertx) throws Exception {
    List<Integer> ids = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger notices = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CompletableFuture<Void> ended = new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<io.sluice.protocol.StreamConsumer> opened = new java.util.concurrent.CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> io.sluice.client.SluiceClient.create(vertx)
        .open(new io.sluice.dataset.StreamRequest("moving", java.util.Map.of(), null)).onComplete(ar -> {
          if (ar.failed()) {
            opened.completeExceptionally(ar.cause());
            return;
          }
          io.sluice.protocol.StreamConsumer consumer = ar.result();
          consumer.pause();
          consumer.exceptionHandler(ended::completeExceptionally).endHandler(x -> ended.complete(null)).handler(batch -> {
            if (batch.isMoved()) {
              notices.incrementAndGet();
            }
            batch.rows().forEach(row -> ids.add(row[0] == null ? -1 : ((Number) row[0]).intValue()));
          });
          consumer.fetch(1); // one batch, then the stream waits for the client
          opened.complete(consumer);
        }));
    io.sluice.protocol.StreamConsumer consumer = opened.get(20, java.util.concurrent.TimeUnit.SECONDS);
    await().atMost(WITHIN).until(() -> !ids.isEmpty() && count(servers.replicaUrl(), "select count(*) from (" + HELD + ") h") == 1);
    terminateHeld(servers.replicaUrl());
    vertx.getOrCreateContext().runOnContext(v -> consumer.resume());
    ended.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(notices.get()).as("moved notices handed to the client").isZero();
    assertRowsOnce(new ArrayList<>(ids));
  }

  @Test
  @Order(3)
  @DisplayName("SSE: the replica stopped (immediate) mid-stream -> event: moved, every row once, end")
  void replicaStopped() throws Exception {
    Body body = held("sse");
    servers.killReplica();
    try {
      String text = String.join("\n", body.rest()) + "\n";
      List<Sse.Event> events = Sse.parse(text);
      assertRowsOnce(events.stream().filter(e -> e.type().equals("message")).map(e -> new JsonObject(e.data()).getInteger("id")).toList());
      List<Sse.Event> moved = events.stream().filter(e -> e.type().equals("moved")).toList();
      assertThat(moved).hasSize(1);
      assertThat(new JsonObject(moved.get(0).data()).getString("from")).isEqualTo(replicaName);
      assertThat(events.get(events.size() - 1).type()).isEqualTo("end");
      assertThat(body.ended()).isTrue();
    } finally {
      servers.startReplica();
    }
  }

  @Test
  @Order(4)
  @DisplayName("past database.maxMoves the stream is cut as before: partial, with the resume token of the last row sent")
  void boundedMoves() throws Exception {
    Body body = held("ndjson");
    terminateHeld(servers.replicaUrl());
    // the client reads on past the moved record, until the stream, now on the primary, waits for it again; then that backend ends too
    // (ended before the record, the primary's cursor would fail before it ever went on, and the record never comes)
    body.past("\"moved\"");
    body.until(servers.primaryUrl());
    terminateHeld(servers.primaryUrl());
    List<String> lines = body.rest();
    assertThat(records(lines, "moved")).hasSize(1);
    assertThat(records(lines, "complete")).isEmpty();
    JsonObject partial = records(lines, "partial").get(0);
    assertThat(partial.getJsonObject("error").getString("code")).isEqualTo("database-unavailable");
    List<Integer> ids = lines.stream().filter(l -> l.startsWith("{\"id\"")).map(l -> new JsonObject(l).getInteger("id")).toList();
    assertThat(ids).doesNotHaveDuplicates().hasSizeLessThan(ROWS).hasSize(ids.get(ids.size() - 1));
    assertThat(body.ended()).as("cut, not ended").isFalse();
  }

  @Test
  @Order(5)
  @DisplayName("a real hot-standby conflict (SQLSTATE 40001, max_standby_streaming_delay = 0) -> moved, every row once, complete")
  void recoveryConflict() throws Exception {
    servers.configureReplica("max_standby_streaming_delay = 0");
    try {
      long conflictsBefore = count(servers.replicaUrl(), "select confl_snapshot from pg_stat_database_conflicts where datname = 'postgres'");
      Body body = held("ndjson");
      // rows deleted after the held cursor's snapshot, then vacuumed away on the primary: replaying that conflicts with the snapshot
      // two transactions: rows a transaction both inserted and deleted conflict with no snapshot
      sql(servers.primaryUrl(), "insert into other select generate_series(1, 1000)");
      sql(servers.primaryUrl(), "delete from other");
      sql(servers.primaryUrl(), "vacuum other");
      List<String> lines = body.rest();
      assertThat(count(servers.replicaUrl(), "select confl_snapshot from pg_stat_database_conflicts where datname = 'postgres'"))
          .as("the replica cancelled a session for a snapshot conflict").isGreaterThan(conflictsBefore);
      assertRowsOnce(lines.stream().filter(l -> l.startsWith("{\"id\"")).map(l -> new JsonObject(l).getInteger("id")).toList());
      assertThat(records(lines, "moved")).singleElement().satisfies(m -> assertThat(m.getString("from")).isEqualTo(replicaName));
      assertThat(body.ended()).isTrue();
    } finally {
      servers.configureReplica("max_standby_streaming_delay = 30s");
    }
  }

  /** A stream of the dataset in {@code format}, its first line read, then held until the replica's backend waits for credit. */
  private static Body held(String format) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/datasets/moving/rows?format=" + format
        + (format.equals("ndjson") ? "&meta=true" : "")))
        .build();
    HttpResponse<InputStream> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    Body body = new Body(response);
    body.lines.add(body.reader.readLine());
    await().atMost(WITHIN).until(() -> count(servers.replicaUrl(), "select count(*) from (" + HELD + ") h") == 1);
    return body;
  }

  /** Ends the backend of the held stream on the server at {@code url} (between two fetches it may be busy a moment). */
  private static void terminateHeld(String url) throws Exception {
    assertThat(count(url, "select count(pg_terminate_backend(pid)) from (" + HELD.replace("state = 'idle in transaction'",
        "state in ('idle in transaction', 'active')") + ") h")).isEqualTo(1);
  }

  private static void assertRowsOnce(List<Integer> ids) {
    assertThat(ids).hasSize(ROWS).doesNotHaveDuplicates();
    assertThat(ids.get(0)).isEqualTo(1);
    assertThat(ids.get(ROWS - 1)).isEqualTo(ROWS);
  }

  private static List<JsonObject> records(List<String> lines, String status) {
    return lines.stream().filter(l -> l.contains("\"_sluice\"")).map(l -> l.startsWith(",") ? l.substring(1) : l)
        .map(l -> new JsonObject(l).getJsonObject("_sluice")).filter(r -> status.equals(r.getString("status"))).toList();
  }

  private static int indexOf(List<String> lines, String part) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(part)) {
        return i;
      }
    }
    return -1;
  }

  private static double healthy() {
    return sluice.metrics().registry().get("sluice.db.replica.healthy").tag("server", replicaName).gauge().value();
  }

  private static long count(String url, String query) throws Exception {
    try (Connection conn = TestDatabase.jdbc(url); Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void sql(String url, String statements) throws Exception {
    try (Connection conn = TestDatabase.jdbc(url); Statement st = conn.createStatement()) {
      st.execute(statements);
    }
  }

  /** A response body read line by line, as slowly as the test likes. */
  private static final class Body {
    final HttpResponse<InputStream> response;
    final BufferedReader reader;
    final List<String> lines = new ArrayList<>();
    boolean ended;

    Body(HttpResponse<InputStream> response) {
      this.response = response;
      this.reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    /** Reads lines until the held stream's backend on the server at {@code url} waits for credit again. */
    void until(String url) throws Exception {
      while (count(url, "select count(*) from (" + HELD + ") h") == 0) {
        for (int i = 0; i < 1000; i++) {
          String line = reader.readLine();
          assertThat(line).as("the stream ended before it waited on the primary").isNotNull();
          lines.add(line);
        }
      }
    }

    /** Reads lines until one holding {@code part} has been read. */
    void past(String part) throws IOException {
      while (lines.stream().noneMatch(l -> l.contains(part))) {
        String line = reader.readLine();
        assertThat(line).as("the stream ended before " + part).isNotNull();
        lines.add(line);
      }
    }

    /** Reads the rest: to the end, or to the cut. */
    List<String> rest() {
      try {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          lines.add(line);
        }
        ended = true;
      } catch (IOException cut) {
        // a cut body: what came before the cut is all there is
      }
      return lines;
    }

    /** Whether the body ended cleanly (its last chunk came), rather than being cut. */
    boolean ended() {
      return ended;
    }
  }
}
