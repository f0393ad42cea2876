package io.sluice.changes;

import static io.sluice.support.SameRows.assertSameRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.ClusterNodes;
import io.sluice.support.ClusterNodes.Node;
import io.sluice.support.Follower;
import io.sluice.support.LogicalPostgres;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A cluster node's copy of the retained log, far behind the node that holds the slot: it catches
 * up in capped answers (never one message holding everything), and its followers resume at
 * positions older than the copy from the holder's log (its disk part), without must-refetch. On
 * an embedded PostgreSQL with {@code wal_level = logical}, two clustered nodes in this JVM.
 */
@DisplayName("A cluster node far behind the slot's holder: catch-ups in capped pieces, older positions read from the holder")
class ClusterCatchUpIT {

  /** The caps of one catch-up answer ({@link CatchUps}): transactions, and bytes on the wire with a transaction's slack. */
  private static final int MAX_REPLY_TRANSACTIONS = 1_000;
  private static final long MAX_REPLY_BYTES = (1L << 20) + 16 * 1024;
  private static final String FOLLOW = "/v1/datasets/items/rows?follow=true&status=open";
  private static LogicalPostgres postgres;
  private static final AtomicLong nextId = new AtomicLong(1_001);

  @BeforeAll
  static void start() {
    postgres = LogicalPostgres.start();
    postgres.execute("CREATE TABLE relay_items (id bigint PRIMARY KEY, status text NOT NULL, amount bigint NOT NULL, body text);"
        + " ALTER TABLE relay_items REPLICA IDENTITY FULL;"
        + " INSERT INTO relay_items SELECT n, CASE WHEN n % 3 = 0 THEN 'closed' ELSE 'open' END, n, 'b' || n FROM generate_series(1, 1000) AS n");
  }

  @AfterAll
  static void stop() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  /** A node's settings: the logical PostgreSQL, slot {@code slot}, {@code retained} transactions in memory, a disk part of its own. */
  private static Consumer<JsonObject> settings(String slot, int retained) throws Exception {
    Path logDir = Files.createTempDirectory("sluice-catch-up");
    return json -> {
      json.put("database", json.getJsonObject("database").copy().put("url", postgres.url()));
      json.put("http", json.getJsonObject("http").copy().put("heartbeatSeconds", 1));
      json.put("follow", new JsonObject().put("slot", slot).put("publication", slot).put("heartbeatMs", 200)
          .put("retainedTransactions", retained).put("logDir", logDir.toString()));
      json.put("datasets", new JsonArray().add(new JsonObject().put("name", "items").put("orderBy", new JsonArray().add("id"))
          .put("follow", true).put("sql", "SELECT id, status, amount, body FROM relay_items WHERE ($1::text IS NULL OR status = $1)")
          .put("parameters", new JsonArray().add(new JsonObject().put("name", "status").put("type", "string")))));
    };
  }

  @Test
  @DisplayName("a copy that missed thousands of transactions catches up in several answers, each under the caps; its follower gets every change once")
  void catchUpInPieces() throws Exception {
    String slot = "sluice_catch_up_pieces";
    try (ClusterNodes cluster = new ClusterNodes(2)) {
      Node holder = cluster.start("all", settings(slot, 10_000));
      await().atMost(Duration.ofSeconds(30)).until(() -> gauge(holder, "sluice.follow.slot.held") == 1);
      Node other = cluster.start("all", settings(slot, 10_000));
      String address = "sluice.changes." + slot;
      AtomicBoolean dropping = new AtomicBoolean();
      List<long[]> answers = Collections.synchronizedList(new ArrayList<>());
      AtomicLong dropped = new AtomicLong();
      other.vertx().eventBus().addInboundInterceptor((DeliveryContext<Object> delivery) -> {
        if (dropping.get() && address.equals(delivery.message().address()) && delivery.message().body() instanceof ChangeBatch batch) {
          dropped.addAndGet(batch.transactions().size()); // the copy misses the holder's batch
        } else {
          delivery.next();
        }
      });
      holder.vertx().eventBus().addOutboundInterceptor((DeliveryContext<Object> delivery) -> {
        // the holder sends batches to the published address and nothing else but answers
        if (!address.equals(delivery.message().address()) && delivery.body() instanceof ChangeBatch answer) {
          Buffer wire = Buffer.buffer();
          new ChangeBatchCodec().encodeToWire(wire, answer);
          answers.add(new long[] {answer.transactions().size(), wire.length()});
        }
        delivery.next();
      });

      try (Follower follower = new Follower(other.port(), FOLLOW)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> follower.live || follower.failure != null);
        assertThat(follower.failure).isNull();
        dropping.set(true);
        dropped.set(0);
        long first = nextId.getAndAdd(2_000);
        commitEach("FOR i IN 0..1999 LOOP INSERT INTO relay_items VALUES (" + first + " + i, 'open', i, 'n'); COMMIT; END LOOP;");
        commitEach("FOR i IN 0..1499 LOOP UPDATE relay_items SET amount = amount + 1, body = repeat('x', 3000) || i WHERE id = " + first
            + " + i; COMMIT; END LOOP;");
        // every batch holding them dropped: the copy gets them only by catching up
        await().atMost(Duration.ofSeconds(60)).until(() -> dropped.get() >= 3_500);
        assertThat(follower.changes.get()).as("changes the follower got while its copy missed every batch").isZero();
        answers.clear();
        dropping.set(false);

        long sentinel = sentinel();
        await().atMost(Duration.ofSeconds(90)).until(() -> follower.state.containsKey(sentinel) || follower.failure != null || follower.ended);
        assertThat(follower.failure).isNull();
        assertThat(follower.lastStatus).isNotEqualTo("must-refetch");
        assertThat(follower.changes.get()).as("2,000 inserts, 1,500 updates and the sentinel, once each").isEqualTo(3_501);
        assertOnce(follower.seen);
        assertSameRows(follower.state, selectOpen());
      }
      System.out.println("ClusterCatchUpIT: catch-up answers (transactions, bytes): "
          + answers.stream().map(a -> a[0] + "/" + a[1]).toList());
      assertThat(answers.size()).as("catch-up answers").isGreaterThan(1);
      assertThat(answers).allSatisfy(a -> {
        assertThat(a[0]).as("transactions in one answer").isLessThanOrEqualTo(MAX_REPLY_TRANSACTIONS);
        assertThat(a[1]).as("bytes of one answer").isLessThanOrEqualTo(MAX_REPLY_BYTES);
      });
      assertThat(answers.stream().mapToLong(a -> a[0]).sum()).as("transactions caught up").isGreaterThanOrEqualTo(3_500);
    }
  }

  @Test
  @DisplayName("a follower resumed on a copy that no longer holds its position reads it from the holder's disk, then the copy: no must-refetch")
  void olderThanTheCopy() throws Exception {
    String slot = "sluice_catch_up_older";
    try (ClusterNodes cluster = new ClusterNodes(2)) {
      Node holder = cluster.start("all", settings(slot, 300));
      await().atMost(Duration.ofSeconds(30)).until(() -> gauge(holder, "sluice.follow.slot.held") == 1);
      Node other = cluster.start("all", settings(slot, 300));
      Map<Long, JsonObject> state = new ConcurrentHashMap<>();
      List<String[]> seen = Collections.synchronizedList(new ArrayList<>());
      try (Follower cut = new Follower(other.port(), FOLLOW, state, 50)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> cut.live || cut.failure != null);
        assertThat(cut.failure).isNull();
        long first = nextId.getAndAdd(100);
        commitEach("FOR i IN 0..99 LOOP INSERT INTO relay_items VALUES (" + first + " + i, 'open', i, 'n'); COMMIT; END LOOP;");
        await().atMost(Duration.ofSeconds(30)).until(() -> !cut.running());
        assertThat(cut.failure).isNull();
        assertThat(cut.changes.get()).isEqualTo(50);
        seen.addAll(cut.seen);
        String token = cut.lastToken;

        // 1,500 transactions more: both nodes' memory (300) is far past the token; the holder's disk holds it
        commitEach("FOR i IN 0..1499 LOOP UPDATE relay_items SET amount = amount + 1 WHERE id = " + first + " + i % 100; COMMIT; END LOOP;");
        long sentinel = sentinel();
        awaitCopyPassed(other);
        assertThat(gauge(other, "sluice.follow.retained.transactions")).as("the copy's memory").isEqualTo(300);

        try (Follower resumed = new Follower(other.port(), FOLLOW + "&resume=" + URLEncoder.encode(token, StandardCharsets.UTF_8), state, 0)) {
          await().atMost(Duration.ofSeconds(60)).until(() -> state.containsKey(sentinel) || resumed.ended || resumed.failure != null);
          assertThat(resumed.failure).isNull();
          assertThat(resumed.lastStatus).as("the resumed follower's last status").isNotEqualTo("must-refetch");
          long last = sentinel(); // and on from the copy, live
          await().atMost(Duration.ofSeconds(30)).until(() -> state.containsKey(last) || resumed.ended || resumed.failure != null);
          assertThat(resumed.ended).isFalse();
          seen.addAll(resumed.seen);
          assertThat(resumed.changes.get()).as("50 inserts, 1,500 updates and two sentinels, once each").isEqualTo(1_552);
          assertOnce(seen);
          assertSameRows(state, selectOpen());
        }
      }
    }
  }

  /**
   * Waits until {@code node}'s copy of the log has passed every commit so far: a fresh follower
   * there goes live once the copy passed the point its snapshot noted. (While the copy still
   * receives a burst, a fresh follower on a small copy may find its start gone: then another.)
   */
  private static void awaitCopyPassed(Node node) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try (Follower probe = new Follower(node.port(), FOLLOW)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> probe.live || probe.ended || probe.failure != null);
        assertThat(probe.failure).isNull();
        if (probe.live) {
          return;
        }
      }
      assertThat(attempt).as("fresh followers that found their start gone").isLessThan(10);
    }
  }

  private static double gauge(Node node, String name) {
    return node.metrics().registry().get(name).gauge().value();
  }

  /** Runs {@code loop} (PL/pgSQL that commits each change) on a connection that does not wait for the WAL flush. */
  private static void commitEach(String loop) throws Exception {
    try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
      s.execute("SET synchronous_commit = off");
      s.execute("DO $$ BEGIN " + loop + " END $$");
    }
  }

  /** A last row in the filter: a follower that has it has every change before it. */
  private static long sentinel() {
    long id = nextId.getAndIncrement();
    postgres.execute("INSERT INTO relay_items VALUES (" + id + ", 'open', 0, 'sentinel')");
    return id;
  }

  /** No change was delivered twice: each names its position, operation and row. */
  private static void assertOnce(List<String[]> seen) {
    Set<String> distinct = new HashSet<>();
    List<String> twice = new ArrayList<>();
    synchronized (seen) {
      for (String[] change : seen) {
        if (!distinct.add(change[0])) {
          twice.add(change[0]);
        }
      }
    }
    assertThat(twice).as("changes delivered twice").isEmpty();
  }

  private static Map<Long, JsonObject> selectOpen() throws Exception {
    Map<Long, JsonObject> rows = new HashMap<>();
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, status, amount, body FROM relay_items WHERE status = 'open'")) {
      while (rs.next()) {
        rows.put(rs.getLong(1), new JsonObject().put("id", rs.getLong(1)).put("status", rs.getString(2)).put("amount", rs.getLong(3))
            .put("body", rs.getString(4)));
      }
    }
    return rows;
  }
}
