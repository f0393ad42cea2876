package io.sluice.support;

import static org.awaitility.Awaitility.await;

import io.sluice.Sluice;
import io.vertx.core.Future;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.SqlConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** What PostgreSQL says about the service's sessions, read from {@code pg_stat_activity}. */
public final class Backends {

  private Backends() {}

  /** State to number of backends of the service under test. */
  public static Map<String, Integer> states() {
    return states(TestDatabase.url(), TestSluice.APPLICATION_NAME);
  }

  /** State to number of backends of the service connecting as {@code applicationName} to the test database. */
  public static Map<String, Integer> states(String applicationName) {
    return states(TestDatabase.url(), applicationName);
  }

  /** State to number of backends of {@code applicationName} in the database of {@code url}, on whichever server that names. */
  public static Map<String, Integer> states(String url, String applicationName) {
    Map<String, Integer> states = new TreeMap<>();
    try (Connection conn = TestDatabase.jdbc(url);
        PreparedStatement st = conn.prepareStatement(
            "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity WHERE application_name = ? AND datname = ? GROUP BY 1")) {
      st.setString(1, applicationName);
      st.setString(2, PgConnectOptions.fromUri(url).getDatabase());
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          states.put(rs.getString(1), rs.getInt(2));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return states;
  }

  /** Terminates the service's backends in {@code state} (as PostgreSQL names it); returns how many. */
  public static int terminate(String state) {
    try (Connection conn = TestDatabase.jdbc();
        PreparedStatement st = conn.prepareStatement(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ? AND state = ?")) {
      st.setString(1, TestSluice.APPLICATION_NAME);
      st.setString(2, state);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Terminates every backend of the service connecting as {@code applicationName}, whatever its state; returns how many. */
  public static int terminateAll(String applicationName) {
    try (Connection conn = TestDatabase.jdbc();
        PreparedStatement st = conn.prepareStatement(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ? AND datname = ?")) {
      st.setString(1, applicationName);
      st.setString(2, TestDatabase.DATABASE);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Number of the service's backends busy with a query or holding a transaction open. */
  public static int busy() {
    return states().entrySet().stream().filter(e -> !e.getKey().equals("idle")).mapToInt(Map.Entry::getValue).sum();
  }

  /**
   * Waits until the service holds no transaction and runs no query, and no cursor stream is
   * left open; then checks that no prepared statement survives on any pooled connection.
   */
  public static void awaitReleased(Sluice sluice) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
      org.assertj.core.api.Assertions.assertThat(states()).as("pg_stat_activity states of the service")
          .doesNotContainKeys("idle in transaction", "idle in transaction (aborted)", "active");
      org.assertj.core.api.Assertions.assertThat(sluice.metrics().activeCursors()).as("open cursor streams").isZero();
    });
    // the service's own short queries (an estimate, a health probe) may hold a pooled connection a moment longer
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .ignoreException(io.vertx.core.http.ConnectionPoolTooBusyException.class)
        .untilAsserted(() -> org.assertj.core.api.Assertions.assertThat(preparedStatements(sluice))
            .as("prepared statements left on pooled connections").isZero());
  }

  /** Takes every connection of the pool at once and counts the prepared statements they hold. */
  public static long preparedStatements(Sluice sluice) {
    int size = io.sluice.db.Database.QUERY_POOL_SIZE;
    List<Future<SqlConnection>> connections = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      connections.add(sluice.pool().getConnection());
    }
    try {
      Future.all(connections).await(10, TimeUnit.SECONDS);
      long total = 0;
      for (Future<SqlConnection> conn : connections) {
        total += conn.result().query("SELECT count(*) FROM pg_prepared_statements").execute()
            .await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
      }
      return total;
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(e);
    } finally {
      connections.forEach(c -> c.onSuccess(SqlConnection::close));
    }
  }
}
