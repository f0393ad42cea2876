package io.sluice;

import static io.sluice.support.SameRows.assertSameRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.SluiceConfig;
import io.sluice.support.ChangeWriters;
import io.sluice.support.Http;
import io.sluice.support.LogicalPostgres;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A followed stream cut inside its snapshot and resumed with the token of the last record it
 * applied (SSE: every row's id is its token), again and again, while writers insert, update rows
 * into and out of the filter, change keys, delete and commit several changes at once: no
 * {@code must-refetch}, every row and change once (each write gives the row a new version from a
 * sequence, so a row or change delivered twice, or out of order, breaks the follower's checks),
 * and at the end the follower's rows equal {@code SELECT}'s. A token whose snapshot began before
 * what the node's log still holds gets {@code must-refetch}.
 */
@DisplayName("Following a dataset: a stream cut inside its snapshot goes on exactly with its last row's token")
class FollowSnapshotResumeIT {

  private static final int SEEDED = 2000;
  private static LogicalPostgres postgres;
  private static Vertx vertx;
  private static Vertx shortVertx;
  private static Sluice sluice;
  private static Sluice shortLog;
  private static int port;
  private static int shortPort;
  private static final AtomicLong nextId = new AtomicLong(SEEDED + 1);

  @BeforeAll
  static void start() throws Exception {
    postgres = LogicalPostgres.start();
    postgres.execute("CREATE SEQUENCE resume_v; CREATE TABLE resume_items (id bigint PRIMARY KEY, grp text NOT NULL,"
        + " v bigint NOT NULL DEFAULT nextval('resume_v'), note text); ALTER TABLE resume_items REPLICA IDENTITY FULL;"
        + " INSERT INTO resume_items (id, grp, note) SELECT n, CASE WHEN n % 3 = 0 THEN 'b' ELSE 'a' END, 'seed' || n"
        + " FROM generate_series(1, " + SEEDED + ") AS n");
    vertx = Vertx.vertx();
    shortVertx = Vertx.vertx();
    JsonObject json = config(vertx, "sluice_snapresume_it", new JsonObject());
    sluice = Sluice.start(vertx, SluiceConfig.from(json), new io.sluice.metrics.SluiceMetrics()).await(60, TimeUnit.SECONDS);
    port = json.getJsonObject("http").getInteger("port");
    // a second deployment whose log holds only the newest 20 transactions, in memory
    JsonObject shortJson = config(shortVertx, "sluice_snapresume_short", new JsonObject().put("retainedTransactions", 20).put("logDir", "none"));
    shortLog = Sluice.start(shortVertx, SluiceConfig.from(shortJson), new io.sluice.metrics.SluiceMetrics()).await(60, TimeUnit.SECONDS);
    shortPort = shortJson.getJsonObject("http").getInteger("port");
  }

  private static JsonObject config(Vertx on, String slot, JsonObject follow) throws Exception {
    return TestSluice.config(on, config -> {
      config.put("database", config.getJsonObject("database").copy().put("url", postgres.url()));
      config.put("http", config.getJsonObject("http").copy().put("heartbeatSeconds", 1));
      config.put("follow", follow.copy().put("slot", slot).put("publication", slot).put("heartbeatMs", 200));
      config.put("datasets", new JsonArray()
          .add(new JsonObject().put("name", "resume_items").put("orderBy", new JsonArray().add("id")).put("follow", true)
              .put("sql", "SELECT id, grp, v, note FROM resume_items WHERE ($1::text IS NULL OR grp = $1)")
              .put("parameters", new JsonArray().add(new JsonObject().put("name", "grp").put("type", "string")))));
    }).await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (sluice != null) {
      sluice.stop().await(30, TimeUnit.SECONDS);
    }
    if (shortLog != null) {
      shortLog.stop().await(30, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
    shortVertx.close().await(10, TimeUnit.SECONDS);
    postgres.close();
  }

  @Test
  @DisplayName("cut after its first row, mid-way, inside the catch-up and at its last row, each resume goes on exactly: rows equal SELECT")
  void cutInsideTheSnapshot() throws Exception {
    State state = new State();
    String path = "/v1/datasets/resume_items/rows?follow=true&format=sse&grp=a";
    try (Writers writers = new Writers(7)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> writers.done.get() > 20);
      SseFollower first = SseFollower.run(path, null, state, 1, false);
      assertThat(first.snapshotRows).isEqualTo(1);
      String token = first.lastId;
      // mid-way, then a few records (inside the catch-up of the changes to the rows before the cut, when it has some), then its last row
      int[] cuts = {500, 2, 3, 200};
      for (int cut : cuts) {
        long before = writers.done.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> writers.done.get() > before + 40); // changes while cut
        SseFollower next = SseFollower.run(path, token, state, cut, false);
        assertThat(next.mustRefetch).as("must-refetch after a cut at %d", cut).isFalse();
        assertThat(next.live).as("still inside the snapshot after %d records", cut).isFalse();
        token = next.lastId;
      }
      long before = writers.done.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> writers.done.get() > before + 40);
      SseFollower atEnd = SseFollower.run(path, token, state, Integer.MAX_VALUE, true);
      assertThat(atEnd.mustRefetch).isFalse();
      assertThat(atEnd.snapshotRows).as("the rest of the snapshot").isPositive();
      token = atEnd.lastId;
      long cutAtEnd = writers.done.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> writers.done.get() > cutAtEnd + 40);
      writers.close();
      long sentinel = writers.sentinel();
      SseFollower last = SseFollower.untilRow(path, token, state, sentinel);
      assertThat(last.mustRefetch).isFalse();
    }
    assertThat(state.violations).as("rows or changes delivered twice or out of order").isEmpty();
    assertThat(state.catchUpChanges).as("changes to the rows before a cut, made while cut").isPositive();
    assertThat(state.cutInCatchUp).as("cuts among those changes").isPositive();
    assertThat(state.snapshotRows).as("snapshot rows across the cuts").isGreaterThan(500);
    assertSameRows(state.rows, select());
  }

  @Test
  @DisplayName("a snapshot row's token whose snapshot began before what the log still holds gets must-refetch")
  void notRetainedMustRefetch() throws Exception {
    String path = "/v1/datasets/resume_items/rows?follow=true&format=sse&grp=a";
    SseFollower first = SseFollower.on(shortPort, path, null, new State(), 1, false);
    assertThat(first.lastId).isNotNull();
    String token = first.lastId;
    for (int i = 0; i < 60; i++) {
      postgres.execute("UPDATE resume_items SET note = 'pushed" + i + "', v = nextval('resume_v') WHERE id = " + (1 + i));
    }
    // once the short log has dropped the snapshot's start, the resume says must-refetch and ends
    await().atMost(Duration.ofSeconds(30)).until(() -> SseFollower.on(shortPort, path, token, new State(), 1, false).mustRefetch);
  }

  /** What a follower holds, by id, and every breach of exactly-once it saw. */
  private static final class State {
    final Map<Long, JsonObject> rows = new HashMap<>();
    final List<String> violations = new ArrayList<>();
    long snapshotRows;
    /** Changes a resumed stream delivered before its new snapshot's rows; and how many streams were cut among them. */
    long catchUpChanges;
    int cutInCatchUp;

    void apply(String op, JsonObject row) {
      long id = row.getLong("id");
      long v = row.getLong("v");
      JsonObject held = rows.get(id);
      switch (op) {
        case "snapshot", "insert" -> {
          if (held != null) {
            violations.add(op + " of id " + id + " v" + v + " already held at v" + held.getLong("v"));
          }
          rows.put(id, row);
        }
        case "update" -> {
          if (held == null || held.getLong("v") >= v) {
            violations.add("update of id " + id + " to v" + v + " over " + (held == null ? "nothing" : "v" + held.getLong("v")));
          }
          rows.put(id, row);
        }
        case "delete" -> {
          if (held == null || held.getLong("v") != v) {
            violations.add("delete of id " + id + " v" + v + " over " + (held == null ? "nothing" : "v" + held.getLong("v")));
          }
          rows.remove(id);
        }
        default -> throw new IllegalStateException(op);
      }
    }
  }

  /**
   * Follows over SSE onto a {@link State}, keeping the id (token) of the last record applied; it
   * cuts after {@code cutAfter} rows and changes, or (with {@code cutAtSnapshotEnd}) before the
   * first record after the snapshot's rows, or once it applied the row {@code sentinel}.
   */
  private static final class SseFollower {
    String lastId;
    int records;
    int snapshotRows;
    boolean live;
    boolean mustRefetch;

    static SseFollower run(String path, String token, State state, int cutAfter, boolean cutAtSnapshotEnd) throws Exception {
      return on(port, path, token, state, cutAfter, cutAtSnapshotEnd);
    }

    static SseFollower on(int on, String path, String token, State state, int cutAfter, boolean cutAtSnapshotEnd) throws Exception {
      SseFollower follower = new SseFollower();
      follower.follow(on, path, token, state, cutAfter, cutAtSnapshotEnd, -1);
      return follower;
    }

    static SseFollower untilRow(String path, String token, State state, long sentinel) {
      SseFollower follower = new SseFollower();
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> follower.follow(port, path, token, state, Integer.MAX_VALUE, false, sentinel));
      return follower;
    }

    private void follow(int on, String path, String token, State state, int cutAfter, boolean cutAtSnapshotEnd, long sentinel)
        throws Exception {
      String url = "http://127.0.0.1:" + on + path + (token == null ? "" : "&resume=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
      HttpResponse<InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.statusCode()).isEqualTo(200);
      try (InputStream body = response.body();
          BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
        String event = null;
        String id = null;
        String data = null;
        boolean rowsSeen = false;
        String line;
        while ((line = lines.readLine()) != null) {
          if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("id: ")) {
            id = line.substring(4);
          } else if (line.startsWith("data: ")) {
            data = line.substring(6);
          } else if (line.isEmpty() && data != null) {
            if (event == null) {
              rowsSeen = true;
            } else if (cutAtSnapshotEnd && rowsSeen) {
              return; // the first record after the snapshot's rows: cut at the last row
            }
            if ("must-refetch".equals(event)) {
              mustRefetch = true;
              return;
            } else if ("live".equals(event)) {
              live = true;
            } else {
              JsonObject row = new JsonObject(data);
              state.apply(event == null ? "snapshot" : event, row);
              if (event == null) {
                snapshotRows++;
                state.snapshotRows++;
              } else if (!rowsSeen && token != null) {
                state.catchUpChanges++;
              }
              lastId = id;
              records++;
              if (records >= cutAfter || row.getLong("id") == sentinel) {
                state.cutInCatchUp += !rowsSeen && event != null ? 1 : 0;
                return;
              }
            }
            event = null;
            id = null;
            data = null;
          }
        }
      }
    }
  }

  /** The rows {@code SELECT} reads now (through a plain, not followed, stream), by id. */
  private static Map<Long, JsonObject> select() {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/resume_items/rows?grp=a");
    assertThat(response.statusCode()).isEqualTo(200);
    Map<Long, JsonObject> rows = new HashMap<>();
    response.body().lines().filter(l -> !l.isBlank()).map(JsonObject::new).forEach(row -> rows.put(row.getLong("id"), row));
    return rows;
  }

  /**
   * Writers: inserts, updates into and out of the filter ({@code grp}), updates that keep it,
   * updates of the key, deletes, an update of several rows at once; every write gives its rows a
   * new version. {@link ChangeWriters} commits some of them several to a transaction.
   */
  private static final class Writers extends ChangeWriters {
    Writers(long seed) {
      super(postgres::connect, seed);
      start();
    }

    @Override
    protected String change(Random random) {
      long id = 1 + random.nextInt((int) nextId.get());
      String grp = random.nextInt(3) == 0 ? "b" : "a";
      return switch (random.nextInt(7)) {
        case 0 -> "INSERT INTO resume_items (id, grp, note) VALUES (" + nextId.getAndIncrement() + ", '" + grp + "', 'new')";
        case 1 -> "UPDATE resume_items SET grp = '" + grp + "', v = nextval('resume_v') WHERE id = " + id;
        case 2 -> "UPDATE resume_items SET note = note || '+', v = nextval('resume_v') WHERE id = " + id;
        case 3 -> "DELETE FROM resume_items WHERE id = " + id;
        case 4 -> "UPDATE resume_items SET id = " + nextId.getAndIncrement() + ", v = nextval('resume_v') WHERE id = " + id;
        case 5 -> "UPDATE resume_items SET note = 'many', v = nextval('resume_v') WHERE id BETWEEN " + id + " AND " + (id + 3);
        default -> "UPDATE resume_items SET grp = 'a', v = nextval('resume_v') WHERE id = " + id;
      };
    }

    /** A last row in the filter once the writers stopped: a follower that has it has every change before it. */
    long sentinel() {
      long id = nextId.getAndIncrement();
      postgres.execute("INSERT INTO resume_items (id, grp, note) VALUES (" + id + ", 'a', 'sentinel')");
      return id;
    }
  }
}
