package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A server with no connection slot left for a stream (SQLSTATE 53300, here the role's
 * connection limit) answers; it is only full: the stream gets {@code 503 busy} with
 * Retry-After, and the circuit breaker does not count it, so streams run again as soon as
 * there is a slot.
 */
@DisplayName("A database with every connection slot taken")
class DatabaseFullIT extends ServiceTest {

  /** A login role of this run's own (roles are shared by every database of the server). */
  private static final String ROLE = "sluice_it_capped_" + TestDatabase.DATABASE.replaceAll("[^a-z0-9_]", "_");

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      st.execute("DO $$ BEGIN CREATE ROLE " + ROLE + " LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
      st.execute("ALTER ROLE " + ROLE + " CONNECTION LIMIT -1");
      st.execute("GRANT pg_read_all_data TO " + ROLE); // the catalogue's datasets describe their tables at start-up
    }
    startSluice(vertx, json -> json.getJsonObject("database")
        .put("url", json.getJsonObject("database").getString("url").replaceFirst("//[^@/]+@", "//" + ROLE + "@")));
  }

  @AfterAll
  static void unlimit() throws Exception {
    limit(-1);
  }

  private static void limit(int connections) throws Exception {
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      st.execute("ALTER ROLE " + ROLE + " CONNECTION LIMIT " + connections);
    }
  }

  @Test
  @DisplayName("refuses streams as busy with Retry-After, more often than the breaker's threshold, and serves again once a slot is free")
  void busyNotDown() throws Exception {
    limit(0);
    int attempts = sluice.config().database().breaker().maxFailures() + 2;
    for (int i = 0; i < attempts; i++) {
      HttpResponse<String> refused = Http.get(port, "/v1/datasets/series/rows?count=10");
      assertThat(refused.statusCode()).as("attempt %d: %s", i, refused.body()).isEqualTo(503);
      JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("busy");
      assertThat(error.getString("sqlState")).isEqualTo("53300");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    }
    limit(-1);
    HttpResponse<String> served = Http.get(port, "/v1/datasets/series/rows?count=10");
    assertThat(served.statusCode()).as("the breaker stayed closed: %s", served.body()).isEqualTo(200);
    assertThat(served.body().lines().filter(l -> l.startsWith("{\"n\"")).count()).isEqualTo(10);
  }
}
