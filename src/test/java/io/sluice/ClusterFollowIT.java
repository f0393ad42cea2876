package io.sluice;

import static io.sluice.support.SameRows.assertSameRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.ChangeWriters;
import io.sluice.support.ChildSluice;
import io.sluice.support.ClusterNodes;
import io.sluice.support.ClusterNodes.Node;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Following in a cluster: one slot per deployment, read by one node at a time (the holder of a
 * cluster-wide lock) and relayed to the others. On an embedded PostgreSQL with {@code
 * wal_level = logical}, followers over HTTP on a node that does not read the slot end with the
 * rows PostgreSQL holds; when the holder is killed, the other node takes the slot over within
 * seconds, and followers go on exactly once, or are told to refetch: never a gap.
 */
@DisplayName("Following in a cluster: one node reads the slot, the others get its changes")
class ClusterFollowIT {

  private static final String SLOT = "sluice_cluster_follow_it";
  private static final int SEEDED = 2000;
  /** How long Hazelcast waits for a silent member in these tests. */
  private static final int FAILURE_TIMEOUT_SECONDS = 4;
  /** After a holder's member is dropped, another node reads the slot within this. */
  private static final long TAKE_OVER_BOUND_MS = FAILURE_TIMEOUT_SECONDS * 1000L + 5_000;
  private static final String FOLLOW = "/v1/datasets/items/rows?follow=true&status=open";
  private static LogicalPostgres postgres;
  private static Vertx vertx;
  private static final AtomicLong nextId = new AtomicLong(SEEDED + 1);

  @BeforeAll
  static void start() {
    postgres = LogicalPostgres.start();
    postgres.execute("CREATE TABLE cluster_items (id bigint PRIMARY KEY, status text NOT NULL, amount bigint NOT NULL, body text);"
        + " ALTER TABLE cluster_items REPLICA IDENTITY FULL;"
        + " INSERT INTO cluster_items SELECT n, CASE WHEN n % 3 = 0 THEN 'closed' ELSE 'open' END, n, 'b' || n"
        + " FROM generate_series(1, " + SEEDED + ") AS n");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  /** Every node's settings: the logical PostgreSQL, the followed dataset, quick heartbeats, a short failure timeout. */
  private static final Consumer<JsonObject> SETTINGS = json -> {
    json.put("database", json.getJsonObject("database").copy().put("url", postgres.url()));
    json.put("http", json.getJsonObject("http").copy().put("heartbeatSeconds", 1));
    json.put("follow", new JsonObject().put("slot", SLOT).put("publication", SLOT).put("heartbeatMs", 200));
    json.put("datasets", new JsonArray().add(new JsonObject().put("name", "items").put("orderBy", new JsonArray().add("id"))
        .put("follow", true).put("sql", "SELECT id, status, amount, body FROM cluster_items WHERE ($1::text IS NULL OR status = $1)")
        .put("parameters", new JsonArray().add(new JsonObject().put("name", "status").put("type", "string")))));
    JsonObject cluster = json.getJsonObject("cluster");
    if (cluster != null) {
      cluster.put("failureTimeoutSeconds", FAILURE_TIMEOUT_SECONDS);
    }
  };

  @Test
  @DisplayName("two nodes, one walsender: a follower on the node that does not read the slot gets every change once")
  void followOnTheOtherNode() throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(2)) {
      Node holder = cluster.start("all", SETTINGS);
      await().atMost(Duration.ofSeconds(30)).until(() -> held(holder) == 1);
      Node other = cluster.start("all", SETTINGS);
      assertThat(held(other)).isZero();
      assertThat(walsenders()).as("walsenders reading the slot").isEqualTo(1);
      assertThat(slotActive()).isTrue();

      try (Writers writers = new Writers(7); Follower follower = new Follower(other.port(), FOLLOW)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> follower.live || follower.failure != null);
        assertThat(follower.failure).isNull();
        await().atMost(Duration.ofSeconds(60)).until(() -> writers.done.get() > 400);
        writers.close();
        long sentinel = writers.sentinel();
        await().atMost(Duration.ofSeconds(30)).until(() -> follower.state.containsKey(sentinel) || follower.failure != null);
        assertThat(follower.failure).isNull();
        assertThat(follower.lastStatus).isNotEqualTo("must-refetch");
        assertThat(follower.changes.get()).isPositive();
        assertSameRows(follower.state, selectOpen());
      }
      assertThat(walsenders()).as("still one walsender, the holder's").isEqualTo(1);
      assertThat(held(holder) + held(other)).isEqualTo(1);
      assertThat(other.metrics().registry().get("sluice.follow.slot.lag").gauge().value()).as("the holder's lag, relayed").isNotNegative();
    }
  }

  @Test
  @DisplayName("the holder killed: the other node reads the slot within seconds, and followers there and resumed there miss nothing")
  void holderKilled() throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(2);
        ChildSluice holder = ChildSluice.start(vertx, SETTINGS.andThen(json -> json.put("cluster", cluster.nextMember()).put("roles", "all")))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> Http.get(holder.port(), "/metrics").body().contains("sluice_follow_slot_held 1.0"));
      Node survivor = cluster.start("all", SETTINGS);
      assertThat(held(survivor)).isZero();
      assertThat(walsenderNames()).containsExactly(ChildSluice.APPLICATION_NAME + "-follow");

      Map<Long, JsonObject> resumedState = new ConcurrentHashMap<>();
      try (Writers writers = new Writers(11);
          Follower onSurvivor = new Follower(survivor.port(), FOLLOW);
          Follower onHolder = new Follower(holder.port(), FOLLOW, resumedState, 0)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> (onSurvivor.live && onHolder.live) || onSurvivor.failure != null
            || onHolder.failure != null);
        assertThat(onSurvivor.failure).isNull();
        assertThat(onHolder.failure).isNull();
        await().atMost(Duration.ofSeconds(60)).until(() -> writers.done.get() > 300 && onHolder.changes.get() > 50);

        holder.kill();
        long killed = System.nanoTime();
        await().atMost(Duration.ofMillis(TAKE_OVER_BOUND_MS + 5_000)).until(() -> held(survivor) == 1);
        long takeOverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        await().atMost(Duration.ofSeconds(10)).until(() -> walsenderNames().equals(List.of(TestSluice.APPLICATION_NAME + "-follow")));
        System.out.println("ClusterFollowIT: the survivor read the slot " + takeOverMs + " ms after the holder was killed");
        assertThat(takeOverMs).as("take-over after a kill, ms").isLessThanOrEqualTo(TAKE_OVER_BOUND_MS);

        // the follower cut by the kill resumes on the survivor with its last token, onto the same rows
        await().atMost(Duration.ofSeconds(10)).until(() -> !onHolder.running());
        String token = onHolder.lastToken;
        try (Follower resumed = new Follower(survivor.port(), FOLLOW + "&resume=" + URLEncoder.encode(token, StandardCharsets.UTF_8),
            resumedState, 0)) {
          await().atMost(Duration.ofSeconds(30)).until(() -> resumed.changes.get() > 20 || resumed.ended || resumed.failure != null);
          writers.close();
          long sentinel = writers.sentinel();
          assertExactOrRefetch("a follower on the survivor", onSurvivor, sentinel, survivor.port());
          assertExactOrRefetch("a follower resumed on the survivor", resumed, sentinel, survivor.port());
        }
      }
    }
  }

  /**
   * The follower either saw every change once (its rows are PostgreSQL's once it has the
   * sentinel) or was told to refetch and ended; then a fresh follower on {@code port} has the rows.
   */
  private static void assertExactOrRefetch(String who, Follower follower, long sentinel, int port) throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> follower.state.containsKey(sentinel) || follower.ended || follower.failure != null);
    assertThat(follower.failure).as(who).isNull();
    if (follower.ended) {
      assertThat(follower.lastStatus).as(who + " ended: only with must-refetch").isEqualTo("must-refetch");
      System.out.println("ClusterFollowIT: " + who + " was told to refetch");
      try (Follower fresh = new Follower(port, FOLLOW)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> fresh.state.containsKey(sentinel) || fresh.failure != null);
        assertThat(fresh.failure).isNull();
        assertSameRows(fresh.state, selectOpen());
      }
      return;
    }
    assertSameRows(follower.state, selectOpen());
  }

  private static double held(Node node) {
    return node.metrics().registry().get("sluice.follow.slot.held").gauge().value();
  }

  /** How many walsenders PostgreSQL runs: the readers of the slot (this server has no other). */
  private static long walsenders() throws Exception {
    return walsenderNames().size();
  }

  private static List<String> walsenderNames() throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT application_name FROM pg_stat_replication")) {
      while (rows.next()) {
        names.add(rows.getString(1));
      }
    }
    return names;
  }

  private static boolean slotActive() throws Exception {
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT active_pid IS NOT NULL FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")) {
      return rows.next() && rows.getBoolean(1);
    }
  }

  /** The rows with {@code status = 'open'} as PostgreSQL has them now, as the dataset writes them. */
  private static Map<Long, JsonObject> selectOpen() throws Exception {
    Map<Long, JsonObject> rows = new HashMap<>();
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, status, amount, body FROM cluster_items WHERE status = 'open'")) {
      while (rs.next()) {
        rows.put(rs.getLong(1), new JsonObject().put("id", rs.getLong(1)).put("status", rs.getString(2)).put("amount", rs.getLong(3))
            .put("body", rs.getString(4)));
      }
    }
    return rows;
  }

  /** Writers on a thread of their own: inserts, updates into and out of the filter, deletes, single and in transactions of several. */
  private static final class Writers extends ChangeWriters {
    Writers(long seed) {
      super(postgres::connect, seed);
      start();
    }

    @Override
    protected String change(Random random) {
      long id = 1 + random.nextInt((int) nextId.get());
      String status = random.nextBoolean() ? "open" : "closed";
      return switch (random.nextInt(4)) {
        case 0 -> "INSERT INTO cluster_items VALUES (" + nextId.getAndIncrement() + ", '" + status + "', " + random.nextInt(1000) + ", 'n')";
        case 1 -> "UPDATE cluster_items SET status = '" + status + "' WHERE id = " + id;
        case 2 -> "UPDATE cluster_items SET amount = amount + 1, body = body || 'u' WHERE id = " + id;
        default -> "DELETE FROM cluster_items WHERE id = " + id;
      };
    }

    /** A last row in the filter once the writers stopped: a follower that has it has every change before it. */
    long sentinel() {
      long id = nextId.getAndIncrement();
      postgres.execute("INSERT INTO cluster_items VALUES (" + id + ", 'open', 0, 'sentinel')");
      return id;
    }
  }
}
