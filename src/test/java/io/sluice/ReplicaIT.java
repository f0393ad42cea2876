package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Http;
import io.sluice.support.ReplicaPair;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Streams read from a real streaming replica (made by {@code pg_basebackup} from a primary the
 * test starts): while it is healthy they go there, a dataset with {@code consistency: primary}
 * stays on the primary, and a replica that falls behind {@code database.maxLagBytes} or goes
 * down gets no new stream within 5 s, and gets them again once it recovers.
 */
@DisplayName("Read replicas")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaIT extends ServiceTest {

  private static final long MAX_LAG_BYTES = 256 * 1024;
  private static final Duration WITHIN = Duration.ofSeconds(5);
  private static ReplicaPair servers;
  private static String replicaName;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    assertThat(ReplicaPair.available()).as("ReplicaIT makes a real streaming replica with PostgreSQL's own initdb, pg_ctl and pg_basebackup:"
        + " install the server (Debian: apt-get install postgresql-15) or set SLUICE_PG_BIN to its bin directory").isTrue();
    servers = ReplicaPair.start();
    replicaName = "127.0.0.1:" + servers.replicaPort;
    JsonObject where = new JsonObject().put("name", "where_read")
        .put("sql", "SELECT g AS n, pg_is_in_recovery() AS on_replica FROM generate_series(1, 50) AS g")
        .put("orderBy", new JsonArray().add("n"));
    startSluice(vertx, json -> {
      json.getJsonObject("database").put("url", servers.primaryUrl()).put("replicas", new JsonArray().add(servers.replicaUrl()))
          .put("maxLagBytes", MAX_LAG_BYTES);
      json.put("datasets", new JsonArray().add(where).add(where.copy().put("name", "where_read_primary").put("consistency", "primary")));
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
  @org.junit.jupiter.api.Order(1)
  @DisplayName("streams read the healthy replica; consistency: primary stays on the primary")
  void readsTheReplica() {
    assertThat(readOnReplica("where_read")).isTrue();
    assertThat(readOnReplica("where_read_primary")).isFalse();
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  @DisplayName("a replica behind maxLagBytes gets no new stream within 5 s, and gets them again once it caught up")
  void lag() throws Exception {
    sql(servers.replicaUrl(), "select pg_wal_replay_pause()");
    try {
      sql(servers.primaryUrl(), "create table if not exists filler as select g, repeat('x', 200) as pad from generate_series(1, 1) g;"
          + " insert into filler select g, repeat('x', 200) from generate_series(1, 5000) g");
      long written = System.nanoTime();
      await().atMost(WITHIN).untilAsserted(() -> assertThat(healthy()).as("replica healthy").isEqualTo(0.0));
      assertThat(Duration.ofNanos(System.nanoTime() - written)).isLessThanOrEqualTo(WITHIN);
      assertThat(lagBytes()).isGreaterThan(MAX_LAG_BYTES);
      assertThat(readOnReplica("where_read")).as("served by the primary meanwhile").isFalse();
    } finally {
      sql(servers.replicaUrl(), "select pg_wal_replay_resume()");
    }
    await().atMost(WITHIN).untilAsserted(() -> assertThat(healthy()).isEqualTo(1.0));
    assertThat(readOnReplica("where_read")).isTrue();
  }

  @Test
  @org.junit.jupiter.api.Order(3)
  @DisplayName("a replica that goes down gets no new stream within 5 s (they read the primary, complete), and gets them again when it is back")
  void down() throws Exception {
    servers.killReplica();
    long killed = System.nanoTime();
    await().atMost(WITHIN).untilAsserted(() -> assertThat(healthy()).isEqualTo(0.0));
    assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThanOrEqualTo(WITHIN);
    assertThat(readOnReplica("where_read")).as("served by the primary meanwhile").isFalse();
    servers.startReplica();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(healthy()).isEqualTo(1.0));
    assertThat(readOnReplica("where_read")).isTrue();
  }

  /** Streams the dataset to the end and says whether every row was read on a server in recovery. */
  private static boolean readOnReplica(String dataset) {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/" + dataset + "/rows?meta=true");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonObject> rows = response.body().lines().map(JsonObject::new).filter(r -> r.containsKey("n")).toList();
    assertThat(rows).hasSize(50);
    assertThat(response.body()).contains("\"status\":\"complete\"");
    List<Boolean> where = rows.stream().map(r -> r.getBoolean("on_replica")).distinct().toList();
    assertThat(where).as("one server for the whole stream").hasSize(1);
    return where.get(0);
  }

  private static double healthy() {
    return sluice.metrics().registry().get("sluice.db.replica.healthy").tag("server", replicaName).gauge().value();
  }

  private static double lagBytes() {
    return sluice.metrics().registry().get("sluice.db.replica.lag.bytes").tag("server", replicaName).gauge().value();
  }

  private static void sql(String url, String statements) throws Exception {
    try (Connection conn = TestDatabase.jdbc(url); Statement st = conn.createStatement()) {
      st.execute(statements);
    }
  }
}
