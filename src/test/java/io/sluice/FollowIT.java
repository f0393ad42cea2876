package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.SluiceConfig;
import io.sluice.support.ChangeWriters;
import io.sluice.support.Follower;
import io.sluice.support.Http;
import io.sluice.support.LogicalPostgres;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Following a dataset ({@code follow=true}) on an embedded PostgreSQL with {@code wal_level =
 * logical}: writers insert, update rows into and out of the filter, update TOASTed rows without
 * touching the TOASTed column, delete, and commit several changes at once, while the follower
 * reads the snapshot and after; at the end its rows equal what a fresh export reads, whether it
 * followed in one go or was cut and resumed.
 */
@DisplayName("Following a dataset: its snapshot, then its committed changes")
class FollowIT {

  private static final String SLOT = "sluice_follow_it";
  private static final int SEEDED = 3000;
  private static LogicalPostgres postgres;
  private static Vertx vertx;
  private static Sluice sluice;
  private static int port;
  private static final AtomicLong nextId = new AtomicLong(SEEDED + 1);

  @BeforeAll
  static void start() throws Exception {
    postgres = LogicalPostgres.start();
    postgres.execute("CREATE TABLE follow_items (id bigint PRIMARY KEY, status text NOT NULL, amount numeric(12,2), body text,"
        + " tags text[], doc jsonb); ALTER TABLE follow_items ALTER COLUMN body SET STORAGE EXTERNAL;"
        + " ALTER TABLE follow_items REPLICA IDENTITY FULL;"
        + " INSERT INTO follow_items SELECT n, CASE WHEN n % 3 = 0 THEN 'closed' ELSE 'open' END, n * 1.25,"
        + " CASE WHEN n % 50 = 0 THEN repeat('toast-' || n, 2000) ELSE 'b' || n END, ARRAY['t' || (n % 7)],"
        + " jsonb_build_object('n', n) FROM generate_series(1, " + SEEDED + ") AS n;"
        + " CREATE TABLE unfollowable (id bigint PRIMARY KEY, kind text)");
    vertx = Vertx.vertx();
    JsonObject json = TestSluice.config(vertx, config -> {
      config.put("database", config.getJsonObject("database").copy().put("url", postgres.url()));
      config.put("http", config.getJsonObject("http").copy().put("heartbeatSeconds", 1));
      config.put("follow", new JsonObject().put("slot", SLOT).put("publication", SLOT).put("heartbeatMs", 200));
      config.put("datasets", new JsonArray()
          .add(new JsonObject().put("name", "items").put("orderBy", new JsonArray().add("id")).put("follow", true)
              .put("sql", "SELECT id, status, amount, body, tags, doc FROM follow_items WHERE ($1::text IS NULL OR status = $1)")
              .put("parameters", new JsonArray().add(new JsonObject().put("name", "status").put("type", "string"))))
          .add(new JsonObject().put("name", "keyless").put("orderBy", new JsonArray().add("id")).put("follow", true)
              .put("sql", "SELECT id FROM unfollowable WHERE kind = 'k'")));
    }).await(30, TimeUnit.SECONDS);
    sluice = Sluice.start(vertx, SluiceConfig.from(json), new io.sluice.metrics.SluiceMetrics()).await(60, TimeUnit.SECONDS);
    port = json.getJsonObject("http").getInteger("port");
  }

  @AfterAll
  static void stop() throws Exception {
    if (sluice != null) {
      sluice.stop().await(30, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> !slotActive());
    }
    vertx.close().await(10, TimeUnit.SECONDS);
    postgres.close();
  }

  @Test
  @DisplayName("a follower that starts while writers write ends with the rows a fresh export reads")
  void followsExactly() throws Exception {
    try (Writers writers = new Writers(1)) {
      try (Follower follower = new Follower(port, "/v1/datasets/items/rows?follow=true&status=open")) {
        await().atMost(Duration.ofSeconds(60)).until(() -> follower.live || follower.failure != null);
        assertThat(follower.failure).isNull();
        await().atMost(Duration.ofSeconds(60)).until(() -> writers.done.get() > 600);
        writers.close();
        long sentinel = writers.sentinel();
        await().atMost(Duration.ofSeconds(30)).until(() -> follower.state.containsKey(sentinel) || follower.failure != null);
        assertThat(follower.failure).isNull();
        assertThat(follower.changes.get()).isPositive();
        assertSameRows(follower.state, export("open"));
      }
    }
  }

  @Test
  @DisplayName("a follower cut at a change and resumed with its token, again and again, ends with the same rows")
  void cutAndResumed() throws Exception {
    Map<Long, JsonObject> state = new ConcurrentHashMap<>();
    Random random = new Random(22);
    try (Writers writers = new Writers(2)) {
      Follower first = new Follower(port, "/v1/datasets/items/rows?follow=true&status=open", state, 1 + random.nextInt(40));
      await().atMost(Duration.ofSeconds(60)).until(() -> !first.running());
      assertThat(first.failure).isNull();
      String token = first.lastToken;
      for (int cut = 0; cut < 6; cut++) {
        Follower next = new Follower(port, "/v1/datasets/items/rows?follow=true&status=open&resume=" + encode(token), state,
            1 + random.nextInt(40));
        await().atMost(Duration.ofSeconds(60)).until(() -> !next.running());
        assertThat(next.failure).isNull();
        assertThat(next.lastStatus).isNotEqualTo("must-refetch");
        token = next.lastToken;
      }
      writers.close();
      long sentinel = writers.sentinel();
      try (Follower last = new Follower(port, "/v1/datasets/items/rows?follow=true&status=open&resume=" + encode(token), state, 0)) {
        await().atMost(Duration.ofSeconds(30)).until(() -> state.containsKey(sentinel) || last.failure != null);
        assertThat(last.failure).isNull();
      }
      assertSameRows(state, export("open"));
    }
  }

  @Test
  @DisplayName("a token from a followed stream's snapshot cannot continue it exactly: the stream says must-refetch and ends")
  void snapshotTokenMustRefetch() throws Exception {
    String key = Http.get(port, "/v1/datasets/items/rows?status=open&limit=1&meta=true").headers().firstValue("x-sluice-resume").orElse(null);
    HttpResponse<String> response = Http.get(port, "/v1/datasets/items/rows?follow=true&status=open&after=1");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body().strip()).isEqualTo("{\"_sluice\":{\"status\":\"must-refetch\"}}");
  }

  @Test
  @DisplayName("only NDJSON and SSE can follow; a dataset whose table lacks REPLICA IDENTITY FULL is refused with the ALTER TABLE to run")
  void refusals() {
    HttpResponse<String> csv = Http.get(port, "/v1/datasets/items/rows?follow=true&format=csv");
    assertThat(csv.statusCode()).isEqualTo(400);
    assertThat(csv.body()).contains("ndjson").contains("sse");
    HttpResponse<String> keyless = Http.get(port, "/v1/datasets/keyless/rows?follow=true");
    assertThat(keyless.statusCode()).isEqualTo(409);
    assertThat(keyless.body()).contains("REPLICA IDENTITY FULL").contains("ALTER TABLE \\\"public\\\".\\\"unfollowable\\\"");
    JsonObject catalogue = new JsonObject(Http.get(port, "/v1/datasets").body());
    assertThat(catalogue.encode()).contains("\"follow\":{\"available\":true}").contains("\"follow\":{\"available\":false");
  }

  @Test
  @DisplayName("an idle follower gets a live record with its position every heartbeat, and the slot is active while Sluice runs")
  void liveHeartbeats() throws Exception {
    try (Follower follower = new Follower(port, "/v1/datasets/items/rows?follow=true&status=none-such")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> follower.live);
      String first = follower.lastToken;
      await().atMost(Duration.ofSeconds(10)).until(() -> !first.equals(follower.lastToken));
      assertThat(follower.state).isEmpty();
    }
    assertThat(slotActive()).isTrue();
  }

  /** The follower's rows equal the export's; a difference is reported by id, values cut short. */
  private static void assertSameRows(Map<Long, JsonObject> followed, Map<Long, JsonObject> exported) {
    java.util.List<String> differences = new java.util.ArrayList<>();
    java.util.Set<Long> ids = new java.util.TreeSet<>(followed.keySet());
    ids.addAll(exported.keySet());
    for (Long id : ids) {
      if (!java.util.Objects.equals(followed.get(id), exported.get(id))) {
        differences.add(id + ": followed " + brief(followed.get(id)) + " exported " + brief(exported.get(id)));
      }
    }
    assertThat(differences).as("rows that differ (of %d exported)", exported.size()).isEmpty();
  }

  private static String brief(JsonObject row) {
    if (row == null) {
      return "none";
    }
    String text = row.encode();
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }

  @Test
  @DisplayName("SSE: changes are events named by their operation, and Last-Event-ID continues right after the last one received")
  void sseWithLastEventId() throws Exception {
    String liveId;
    try (SseReader first = new SseReader("/v1/datasets/items/rows?follow=true&format=sse&status=open", null)) {
      String[] event;
      do {
        event = first.next();
      } while (!"live".equals(event[0]));
      liveId = event[1];
    }
    long id = nextId.getAndIncrement();
    postgres.execute("INSERT INTO follow_items VALUES (" + id + ", 'open', 1, 'sse', ARRAY['s'], '{}')");
    postgres.execute("UPDATE follow_items SET amount = 2 WHERE id = " + id);
    postgres.execute("UPDATE follow_items SET status = 'closed' WHERE id = " + id);
    try (SseReader again = new SseReader("/v1/datasets/items/rows?follow=true&format=sse&status=open", liveId)) {
      java.util.List<String> seen = new java.util.ArrayList<>();
      while (seen.size() < 3) {
        String[] event = again.next();
        if (!"live".equals(event[0]) && new JsonObject(event[2]).getLong("id") == id) {
          seen.add(event[0] + ":" + new JsonObject(event[2]).getString("amount", String.valueOf(new JsonObject(event[2]).getValue("amount"))));
        }
      }
      assertThat(seen).containsExactly("insert:1.0", "update:2.0", "delete:2.0");
    }
  }

  /** Reads SSE events ({event, id, data}) from a followed stream, sending {@code Last-Event-ID} when given. */
  private static final class SseReader implements AutoCloseable {
    private final java.io.InputStream body;
    private final java.io.BufferedReader lines;

    SseReader(String path, String lastEventId) throws Exception {
      java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path));
      if (lastEventId != null) {
        request.header("Last-Event-ID", lastEventId);
      }
      HttpResponse<java.io.InputStream> response = java.net.http.HttpClient.newHttpClient().send(request.build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.statusCode()).isEqualTo(200);
      body = response.body();
      lines = new java.io.BufferedReader(new java.io.InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /** The next event with a name; snapshot rows (unnamed) and comments are skipped. */
    String[] next() throws Exception {
      String[] event = new String[3];
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isEmpty()) {
          if (event[0] != null) {
            return event;
          }
          event = new String[3];
        } else if (line.startsWith("event: ")) {
          event[0] = line.substring(7);
        } else if (line.startsWith("id: ")) {
          event[1] = line.substring(4);
        } else if (line.startsWith("data: ")) {
          event[2] = line.substring(6);
        }
      }
      throw new IllegalStateException("the stream ended");
    }

    @Override
    public void close() throws Exception {
      body.close();
    }
  }

  private static String encode(String token) {
    return URLEncoder.encode(token, StandardCharsets.UTF_8);
  }

  /** The rows a fresh (not followed) export reads, by id. */
  private static Map<Long, JsonObject> export(String status) {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/items/rows?status=" + status);
    assertThat(response.statusCode()).isEqualTo(200);
    Map<Long, JsonObject> rows = new HashMap<>();
    response.body().lines().filter(l -> !l.isBlank()).map(JsonObject::new).forEach(row -> rows.put(row.getLong("id"), row));
    return rows;
  }

  private static boolean slotActive() throws Exception {
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")) {
      return rows.next() && rows.getBoolean(1);
    }
  }

  /**
   * Writers on a thread of their own: single changes and transactions of several, inserts,
   * updates into and out of the filter, updates that leave a TOASTed value as it is, deletes.
   */
  private static final class Writers extends ChangeWriters {
    Writers(long seed) {
      super(postgres::connect, seed);
      start();
    }

    @Override
    protected String change(Random random) {
      long id = 1 + random.nextInt((int) nextId.get());
      String status = random.nextBoolean() ? "open" : "closed";
      return switch (random.nextInt(6)) {
        case 0 -> "INSERT INTO follow_items VALUES (" + nextId.getAndIncrement() + ", '" + status + "', " + random.nextInt(1000) + ".5, "
            + (random.nextInt(5) == 0 ? "repeat('new-toast', 1000)" : "'n'") + ", ARRAY['x'], '{\"new\": true}')";
        case 1 -> "UPDATE follow_items SET status = '" + status + "' WHERE id = " + id;
        case 2 -> "UPDATE follow_items SET amount = amount + 1, tags = tags || 'u'::text WHERE id = " + (random.nextInt(SEEDED / 50) + 1) * 50;
        case 3 -> "DELETE FROM follow_items WHERE id = " + id;
        case 4 -> "UPDATE follow_items SET doc = jsonb_build_object('u', " + id + "), status = '" + status + "' WHERE id = " + id;
        default -> "UPDATE follow_items SET body = 'b' || id WHERE id = " + id;
      };
    }

    /** Inserts a last row in the filter once the writers stopped: a follower that has it has every change before it. */
    long sentinel() {
      long id = nextId.getAndIncrement();
      postgres.execute("INSERT INTO follow_items VALUES (" + id + ", 'open', 0, 'sentinel', ARRAY['s'], '{}')");
      return id;
    }
  }
}
