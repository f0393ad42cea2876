package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code database.warmConnections}: the service keeps sessions open ahead of its streams, a
 * stream reads on one of them, and only a session its stream left clean (no cancel request
 * sent, nothing running) serves the next stream; with four stream permits and three kept.
 */
@DisplayName("Warm stream connections")
class WarmConnectionsIT extends ServiceTest {

  private static final int WARM = 3;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.getJsonObject("database").put("poolSize", 4).put("warmConnections", WARM));
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  @Test
  @DisplayName("keeps warmConnections sessions open before any stream asks for one")
  void keepsSessionsAhead() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(kept()).hasSize(WARM));
  }

  @Test
  @DisplayName("a stream reads on a kept session and hands it back clean: no session is opened or closed for it")
  void streamReusesAKeptSession() throws Exception {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(kept()).hasSize(WARM));
    Set<Integer> before = kept();
    for (int i = 0; i < 3; i++) {
      try (RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/series/rows?count=2500&format=csv")) {
        RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.complete()).isTrue();
        assertThat(response.body().lines().count()).isEqualTo(2501); // the header and every row
      }
      Backends.awaitReleased(sluice);
      // the same backends as before, each idle after DISCARD ALL or never used: none holds a transaction or a statement
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(kept()).isEqualTo(before));
    }
    assertThat(states()).as("DISCARD ALL ran on the session the streams read on").containsValue("DISCARD ALL");
  }

  @Test
  @DisplayName("a session whose stream was cancelled while its statement ran is closed, and a new one is kept in its place")
  void cancelledSessionIsClosed() throws Exception {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(kept()).hasSize(WARM));
    int sleeping;
    try (RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/slow_start/rows?sleep_ms=60000")) {
      sleeping = await().atMost(Duration.ofSeconds(10)).until(WarmConnectionsIT::sleepingBackend, pid -> pid != null);
      client.abort();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(states()).as("the cancelled stream's session").doesNotContainKey(sleeping);
      assertThat(kept()).hasSize(WARM).doesNotContain(sleeping);
    });
  }

  /** Backends of the service kept for streams: idle, and either never used or cleaned with DISCARD ALL. */
  private static Set<Integer> kept() {
    Set<Integer> pids = new TreeSet<>();
    states().forEach((pid, query) -> {
      if (query.isEmpty() || query.equals("DISCARD ALL")) {
        pids.add(pid);
      }
    });
    return pids;
  }

  /** The backend running the slow_start dataset's statement, or null. */
  private static Integer sleepingBackend() {
    return query("SELECT pid, query FROM pg_stat_activity WHERE application_name = ? AND datname = ? AND state = 'active'"
        + " AND query LIKE '%pg_sleep%'").keySet().stream().findFirst().orElse(null);
  }

  /** Idle backends of the service, by pid, with their last statement. */
  private static Map<Integer, String> states() {
    return query("SELECT pid, query FROM pg_stat_activity WHERE application_name = ? AND datname = ? AND state = 'idle'");
  }

  private static Map<Integer, String> query(String sql) {
    Map<Integer, String> rows = new HashMap<>();
    try (Connection conn = TestDatabase.jdbc(); PreparedStatement st = conn.prepareStatement(sql)) {
      st.setString(1, TestSluice.APPLICATION_NAME);
      st.setString(2, PgConnectOptions.fromUri(TestDatabase.url()).getDatabase());
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          rows.put(rs.getInt(1), rs.getString(2));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return rows;
  }
}
