package io.sluice.support;

import io.sluice.config.DatabaseConfig;
import io.sluice.db.Database;
import io.sluice.db.DatabaseLocator;
import io.sluice.db.EmbeddedDatabase;
import io.sluice.demo.DemoSeeder;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL the integration tests use: {@code SLUICE_TEST_DB_URL}, else the local server
 * at localhost:5432, else an embedded one. Tests run in their own database, {@code
 * sluice_test}, seeded once per JVM with the demo tables and the type samples.
 */
public final class TestDatabase {

  public static final String DEFAULT_URL = "postgresql://postgres@localhost:5432/postgres";
  /** The test database; {@code SLUICE_IT_DB} names another, so test runs side by side do not share one. */
  public static final String DATABASE = System.getenv().getOrDefault("SLUICE_IT_DB", "sluice_test");
  public static final int DEMO_ROWS = 50_000;

  private static String url;

  private TestDatabase() {}

  /** The {@code postgresql://} URL of the seeded test database. */
  public static synchronized String url() {
    if (url == null) {
      url = prepare();
    }
    return url;
  }

  private static String prepare() {
    Vertx vertx = Vertx.vertx();
    try {
      String configured = System.getenv("SLUICE_TEST_DB_URL");
      String server = configured == null || configured.isBlank() ? DEFAULT_URL : configured;
      DatabaseConfig base = DatabaseConfig.of(server, "sluice-it-admin");
      try {
        DatabaseLocator.ping(vertx, base).await(15, TimeUnit.SECONDS);
      } catch (Exception unreachable) {
        if (configured != null && !configured.isBlank()) {
          throw new IllegalStateException("SLUICE_TEST_DB_URL " + configured + " does not answer", unreachable);
        }
        server = EmbeddedDatabase.start(vertx).await(120, TimeUnit.SECONDS).url();
      }
      createDatabase(server);
      String testUrl = withDatabase(server, DATABASE);
      Pool pool = Database.pool(vertx, DatabaseConfig.of(testUrl, "sluice-it-admin"));
      try {
        DemoSeeder.seed(pool, DEMO_ROWS).await(120, TimeUnit.SECONDS);
      } finally {
        pool.close();
      }
      try (Connection conn = jdbc(testUrl); Statement st = conn.createStatement()) {
        st.execute(Fixtures.TYPE_SAMPLES);
      }
      return testUrl;
    } catch (Exception e) {
      throw new IllegalStateException("cannot prepare the test database: " + e.getMessage(), e);
    } finally {
      vertx.close();
    }
  }

  private static void createDatabase(String serverUrl) throws SQLException {
    try (Connection conn = jdbc(serverUrl); Statement st = conn.createStatement()) {
      ResultSet exists = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'");
      if (!exists.next()) {
        st.execute("CREATE DATABASE " + DATABASE);
      }
    }
  }

  static String withDatabase(String url, String database) {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    String password = options.getPassword() == null || options.getPassword().isEmpty() ? "" : ":" + options.getPassword();
    return "postgresql://" + options.getUser() + password + "@" + options.getHost() + ":" + options.getPort() + "/" + database;
  }

  /** A JDBC connection (pgjdbc) to {@code url}, for set-up and for checks such as COPY. */
  public static Connection jdbc(String url) throws SQLException {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    java.util.Properties props = new java.util.Properties();
    props.setProperty("user", options.getUser());
    if (options.getPassword() != null) {
      props.setProperty("password", options.getPassword());
    }
    props.setProperty("ApplicationName", "sluice-it-check");
    return DriverManager.getConnection(
        "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase(), props);
  }

  /** The lines PostgreSQL's own {@code COPY (query) TO STDOUT} writes, in the test database: what an export must add up to. */
  public static java.util.List<String> copy(String query) throws SQLException, java.io.IOException {
    try (Connection conn = jdbc()) {
      java.io.StringWriter out = new java.io.StringWriter();
      conn.unwrap(org.postgresql.PGConnection.class).getCopyAPI().copyOut("COPY (" + query + ") TO STDOUT", out);
      return out.toString().lines().toList();
    }
  }

  public static Connection jdbc() throws SQLException {
    return jdbc(url());
  }

  /** The test database config as the service gets it. */
  public static JsonObject serviceDatabase(String applicationName, int poolSize) {
    return new JsonObject().put("url", url()).put("applicationName", applicationName).put("poolSize", poolSize);
  }
}
