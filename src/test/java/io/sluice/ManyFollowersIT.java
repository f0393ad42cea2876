package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.SluiceConfig;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.support.Follower;
import io.sluice.support.Http;
import io.sluice.support.LogicalPostgres;
import io.sluice.support.TestSluice;
import io.sluice.transform.UppercaseTransformFactory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Many followers of one dataset on one node, with the same and with different parameters, while
 * writers write: each sees every change exactly once, in commit order, and ends with the rows a
 * fresh export reads; a committed transaction is run through the dataset's query once per
 * distinct parameters, not once per follower ({@code sluice.follow.evaluated.transactions}).
 */
@DisplayName("Many followers of one dataset: every change once each, the query run once per distinct parameters")
class ManyFollowersIT {

  private static final String SLOT = "sluice_many_followers_it";
  private static final int SEEDED = 400;
  private static LogicalPostgres postgres;
  private static Vertx vertx;
  private static final SluiceMetrics metrics = new SluiceMetrics();
  private static Sluice sluice;
  private static int port;
  private static long nextId = SEEDED + 1;

  @BeforeAll
  static void start() throws Exception {
    postgres = LogicalPostgres.start();
    postgres.execute("CREATE TABLE crowd (id bigint PRIMARY KEY, status text NOT NULL, amount numeric(12,2));"
        + " ALTER TABLE crowd REPLICA IDENTITY FULL;"
        + " INSERT INTO crowd SELECT n, CASE WHEN n % 2 = 0 THEN 'closed' ELSE 'open' END, n FROM generate_series(1, " + SEEDED + ") AS n");
    vertx = Vertx.vertx();
    JsonObject json = TestSluice.config(vertx, config -> {
      config.put("database", config.getJsonObject("database").copy().put("url", postgres.url()).put("poolSize", 8));
      config.put("http", config.getJsonObject("http").copy().put("maxStreamsPerClient", 0).put("heartbeatSeconds", 1));
      config.put("follow", new JsonObject().put("slot", SLOT).put("publication", SLOT).put("heartbeatMs", 200));
      config.put("datasets", new JsonArray()
          .add(new JsonObject().put("name", "crowd").put("orderBy", new JsonArray().add("id")).put("follow", true)
              .put("sql", "SELECT id, status, amount * 2 AS doubled FROM crowd WHERE ($1::text IS NULL OR status = $1)")
              .put("parameters", new JsonArray().add(new JsonObject().put("name", "status").put("type", "string"))))
          // a transform that rewrites a column in place, applied twice, gives the value back
          .add(new JsonObject().put("name", "swapped").put("orderBy", new JsonArray().add("id")).put("follow", true)
              .put("sql", "SELECT id, status FROM crowd WHERE status = 'open'")
              .put("transforms", new JsonArray().add(new JsonObject().put("type", "map").put("column", "status")
                  .put("values", new JsonObject().put("open", "closed").put("closed", "open")))))
          .add(new JsonObject().put("name", "shouted").put("orderBy", new JsonArray().add("id")).put("follow", true)
              .put("sql", "SELECT id, status FROM crowd WHERE status = 'open'")
              .put("transforms", new JsonArray().add(new JsonObject().put("type", "upper").put("column", "status")))));
    }).await(30, TimeUnit.SECONDS);
    sluice = Sluice.start(vertx, SluiceConfig.from(json), metrics).await(60, TimeUnit.SECONDS);
    port = json.getJsonObject("http").getInteger("port");
  }

  @AfterAll
  static void stop() throws Exception {
    if (sluice != null) {
      sluice.stop().await(30, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
    postgres.close();
  }

  @Test
  @DisplayName("30 followers (20 of status=open, 10 of every status) each see the same changes once, in order, and end with the export's rows")
  void everyFollowerSeesEveryChangeOnce() throws Exception {
    List<Follower> open = new ArrayList<>();
    List<Follower> all = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        open.add(new Follower(port, "/v1/datasets/crowd/rows?follow=true&status=open"));
      }
      for (int i = 0; i < 10; i++) {
        all.add(new Follower(port, "/v1/datasets/crowd/rows?follow=true"));
      }
      List<Follower> everyone = new ArrayList<>(open);
      everyone.addAll(all);
      await().atMost(Duration.ofSeconds(60)).until(() -> everyone.stream().allMatch(f -> f.live || f.failure != null));
      everyone.forEach(f -> assertThat(f.failure).isNull());
      write(new Random(7), 300);
      long sentinel = sentinel();
      await().atMost(Duration.ofSeconds(60)).until(() -> everyone.stream().allMatch(f -> f.state.containsKey(sentinel) || f.failure != null));
      assertSame(open, export("?status=open"));
      assertSame(all, export(""));
    } finally {
      for (Follower f : open) {
        f.close();
      }
      for (Follower f : all) {
        f.close();
      }
    }
  }

  @Test
  @DisplayName("20 followers with the same parameters: each transaction is run through the query once, not 20 times")
  void sharedEvaluation() throws Exception {
    List<Follower> followers = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        followers.add(new Follower(port, "/v1/datasets/crowd/rows?follow=true&status=closed"));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> followers.stream().allMatch(f -> f.live || f.failure != null));
      double before = metrics.followEvaluatedTransactions();
      int transactions = 100;
      write(new Random(11), transactions);
      long sentinel = nextId++;
      postgres.execute("INSERT INTO crowd VALUES (" + sentinel + ", 'closed', 0)");
      await().atMost(Duration.ofSeconds(60)).until(() -> followers.stream().allMatch(f -> f.state.containsKey(sentinel) || f.failure != null));
      followers.forEach(f -> assertThat(f.failure).isNull());
      double evaluated = metrics.followEvaluatedTransactions() - before;
      // each transaction that changed a row (some writes find none), once for the one set of parameters; unshared, 20 times each
      assertThat(evaluated).isGreaterThanOrEqualTo(transactions / 2).isLessThanOrEqualTo(transactions + 1);
      assertSame(followers, export("?status=closed"));
    } finally {
      for (Follower f : followers) {
        f.close();
      }
    }
  }

  @Test
  @DisplayName("Followers sharing a change's row each transform it from the row as read: an in-place transform (map) does not see another follower's result")
  void sharedRowsAreNotRewritten() throws Exception {
    List<Follower> followers = new ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        followers.add(new Follower(port, "/v1/datasets/swapped/rows?follow=true"));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> followers.stream().allMatch(f -> f.live || f.failure != null));
      followers.forEach(f -> assertThat(f.failure).isNull());
      long first = nextId;
      for (int i = 0; i < 20; i++) {
        postgres.execute("INSERT INTO crowd VALUES (" + nextId++ + ", 'open', " + i + ")");
      }
      long last = nextId - 1;
      await().atMost(Duration.ofSeconds(60)).until(() -> followers.stream().allMatch(f -> f.state.containsKey(last) || f.failure != null));
      for (Follower follower : followers) {
        assertThat(follower.failure).isNull();
        for (long id = first; id <= last; id++) {
          // the map turns every open row's status into "closed", for each follower: none gets it mapped twice
          assertThat(follower.state.get(id).getString("status")).as("row %d", id).isEqualTo("closed");
        }
      }
    } finally {
      for (Follower f : followers) {
        f.close();
      }
    }
  }

  @Test
  @DisplayName("10 followers with the same parameters and transforms: each change's row is transformed about once, not 10 times")
  void sharedTransforms() throws Exception {
    List<Follower> followers = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        followers.add(new Follower(port, "/v1/datasets/shouted/rows?follow=true"));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> followers.stream().allMatch(f -> f.live || f.failure != null));
      followers.forEach(f -> assertThat(f.failure).isNull());
      long before = UppercaseTransformFactory.APPLIED.get();
      int inserts = 50;
      for (int i = 0; i < inserts; i++) {
        postgres.execute("INSERT INTO crowd VALUES (" + nextId++ + ", 'open', " + i + ")");
      }
      long last = nextId - 1;
      await().atMost(Duration.ofSeconds(60)).until(() -> followers.stream().allMatch(f -> f.state.containsKey(last) || f.failure != null));
      long applied = UppercaseTransformFactory.APPLIED.get() - before;
      // two event loops may both transform a row before either keeps it; unshared it would be 10 times each
      assertThat(applied).isGreaterThanOrEqualTo(inserts).isLessThanOrEqualTo(2L * inserts);
      for (Follower follower : followers) {
        assertThat(follower.failure).isNull();
        assertThat(follower.state.get(last).getString("status")).isEqualTo("OPEN");
        assertThat(follower.changes.get()).isEqualTo(inserts);
      }
    } finally {
      for (Follower f : followers) {
        f.close();
      }
    }
  }

  /** Same rows as the export, and the same changes in the same order as each other, none twice. */
  private static void assertSame(List<Follower> followers, Map<Long, JsonObject> exported) {
    List<String> first = changes(followers.get(0));
    assertThat(first).isNotEmpty();
    for (Follower follower : followers) {
      assertThat(follower.failure).isNull();
      assertThat(follower.state).isEqualTo(exported);
      assertThat(changes(follower)).isEqualTo(first);
      List<String[]> seen = List.copyOf(follower.seen);
      assertThat(new HashSet<>(seen.stream().map(s -> s[1]).toList())).as("resume tokens, each change's own").hasSize(seen.size());
    }
  }

  private static List<String> changes(Follower follower) {
    return List.copyOf(follower.seen).stream().map(s -> s[0]).toList();
  }

  /** {@code transactions} transactions of 1 to 4 changes: inserts, updates into and out of the filter, deletes. */
  private static void write(Random random, int transactions) throws Exception {
    try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
      for (int t = 0; t < transactions; t++) {
        int changes = 1 + random.nextInt(4);
        connection.setAutoCommit(changes == 1);
        for (int i = 0; i < changes; i++) {
          long id = 1 + random.nextInt((int) nextId - 1);
          String status = random.nextBoolean() ? "open" : "closed";
          statement.execute(switch (random.nextInt(4)) {
            case 0 -> "INSERT INTO crowd VALUES (" + nextId++ + ", '" + status + "', " + random.nextInt(1000) + ")";
            case 1 -> "UPDATE crowd SET status = '" + status + "' WHERE id = " + id;
            case 2 -> "UPDATE crowd SET amount = amount + 1 WHERE id = " + id;
            default -> "DELETE FROM crowd WHERE id = " + id;
          });
        }
        if (changes > 1) {
          connection.commit();
        }
      }
    }
  }

  private static long sentinel() {
    long id = nextId++;
    postgres.execute("INSERT INTO crowd VALUES (" + id + ", 'open', 0)");
    return id;
  }

  private static Map<Long, JsonObject> export(String query) {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/crowd/rows" + query);
    assertThat(response.statusCode()).isEqualTo(200);
    Map<Long, JsonObject> rows = new HashMap<>();
    response.body().lines().filter(l -> !l.isBlank()).map(JsonObject::new).forEach(row -> rows.put(row.getLong("id"), row));
    return rows;
  }
}
