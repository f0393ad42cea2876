package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.SluiceConfig;
import io.sluice.metrics.SluiceMetrics;

import io.sluice.support.Jwt;
import io.sluice.support.LogicalPostgres;
import io.sluice.support.PythonEnv;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Python client ({@code clients/python}) installed by pip into a fresh virtual environment
 * and tested by its own pytest suite against two real Sluices with JWT on: one plain, one whose
 * export quota (300 rows per 1 s window) cuts every longer stream, so the client must resume
 * (partitions of an export included); and a third, without auth, over an embedded PostgreSQL with
 * {@code wal_level = logical} ({@link LogicalPostgres}), that the client follows while the tests
 * write to it (with {@code psql}, at {@code SLUICE_FOLLOW_PG}).
 */
@DisplayName("The Python client")
class PythonClientIT extends ServiceTest {

  /** Room for an export of 4 partitions read at once beside its snapshot's connection. */
  private static final int POOL = 6;
  private static final String FOLLOW_SLOT = "sluice_python_it";
  private static Sluice cutting;
  private static LogicalPostgres logical;
  private static Sluice following;
  private static Vertx followVertx;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> {
      Jwt.configure(json);
      json.getJsonObject("database").put("poolSize", POOL);
    });
    cutting = TestSluice.start(vertx, json -> {
      Jwt.configure(json);
      json.getJsonObject("database").put("poolSize", POOL);
      json.getJsonObject("http").put("quota", new JsonObject().put("rowsPerWindow", 300).put("bytesPerWindow", 0).put("windowSeconds", 1));
    }).await(60, TimeUnit.SECONDS);
    logical = LogicalPostgres.start();
    logical.execute("CREATE TABLE follow_items (id bigint PRIMARY KEY, status text NOT NULL, amount numeric(12,2) NOT NULL,"
        + " seq bigint NOT NULL, at timestamptz NOT NULL DEFAULT now()); ALTER TABLE follow_items REPLICA IDENTITY FULL;"
        + " INSERT INTO follow_items SELECT n, CASE WHEN n % 3 = 0 THEN 'closed' ELSE 'open' END, n * 1.25, 0"
        + " FROM generate_series(1, 200) AS n; CREATE TABLE unfollowable (id bigint PRIMARY KEY, kind text)");
    followVertx = Vertx.vertx(); // its own: two Sluices in one Vert.x would share their event-bus addresses
    JsonObject config = TestSluice.config(followVertx, json -> {
      json.put("database", json.getJsonObject("database").copy().put("url", logical.url()));
      json.put("http", json.getJsonObject("http").copy().put("heartbeatSeconds", 1));
      json.put("follow", new JsonObject().put("slot", FOLLOW_SLOT).put("publication", FOLLOW_SLOT).put("heartbeatMs", 200));
      json.put("datasets", new JsonArray()
          .add(new JsonObject().put("name", "follow_items").put("orderBy", new JsonArray().add("id")).put("follow", true)
              .put("sql", "SELECT id, status, amount, seq, at FROM follow_items WHERE ($1::text IS NULL OR status = $1)")
              .put("parameters", new JsonArray().add(new JsonObject().put("name", "status").put("type", "string"))))
          .add(new JsonObject().put("name", "keyless").put("orderBy", new JsonArray().add("id")).put("follow", true)
              // filters on a column outside the key, which REPLICA IDENTITY DEFAULT cannot follow
              .put("sql", "SELECT id FROM unfollowable WHERE kind = 'k'")));
    }).await(30, TimeUnit.SECONDS);
    following = Sluice.start(followVertx, SluiceConfig.from(config), new SluiceMetrics()).await(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopCutting() throws Exception {
    if (cutting != null) {
      cutting.stop().await(10, TimeUnit.SECONDS);
    }
    if (following != null) {
      following.stop().await(30, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> !slotActive());
    }
    if (followVertx != null) {
      followVertx.close().await(10, TimeUnit.SECONDS);
    }
    if (logical != null) {
      logical.close();
    }
  }

  private static boolean slotActive() throws Exception {
    try (Connection c = logical.connect(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '" + FOLLOW_SLOT + "'")) {
      return rows.next() && rows.getBoolean(1);
    }
  }

  @Test
  @DisplayName("passes its pytest suite: typed rows, typed errors, resume across cuts, Arrow, pandas, polars, partitioned exports, follow")
  void pytest(Vertx vertx) throws Exception {
    PythonEnv python = PythonEnv.at("python-client-venv")
        .install("--force-reinstall", "--no-deps", "./clients/python")
        .install("./clients/python[arrow,pandas,polars,test]");
    Jwt jwt = Jwt.on(vertx);
    Map<String, String> env = Map.of(
        "SLUICE_URL", "http://127.0.0.1:" + port,
        "SLUICE_CUT_URL", "http://127.0.0.1:" + cutting.config().http().port(),
        "SLUICE_TOKEN", jwt.token("alice", new JsonObject().put("tenant_id", 1), "analyst", "pii-reader"),
        "SLUICE_TOKEN_ANALYST", jwt.token("bob", "analyst"),
        "SLUICE_FOLLOW_URL", "http://127.0.0.1:" + following.config().http().port(),
        "SLUICE_FOLLOW_PG", logical.url());
    Path report = Path.of("target", "python-client-pytest.xml").toAbsolutePath();
    PythonEnv.Result result = PythonEnv.run(List.of(python.python(), "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "--junitxml=" + report, "clients/python/tests"), env, 600);
    System.out.println(result.output());
    assertThat(result.exitCode()).as("pytest failed:\n" + result.output()).isZero();
    assertThat(Files.readString(report)).as("pytest ran the suite").contains("failures=\"0\"").doesNotContain("tests=\"0\"");
  }
}
