package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Backends;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A dataset's streams run as its databaseRole: they read what the role may, and nothing else. */
@DisplayName("A dataset with a database role")
class DatabaseRoleIT extends ServiceTest {

  private static final String ROLE = "sluice_it_reader";

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      st.execute("DO $$ BEGIN CREATE ROLE " + ROLE + " NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
      st.execute("GRANT SELECT ON merchants TO " + ROLE);
      st.execute("REVOKE ALL ON transactions FROM " + ROLE);
    }
    startSluice(vertx, json -> json.getJsonArray("datasets")
        .add(new JsonObject().put("name", "merchants_as_reader").put("sql", "SELECT code, name FROM merchants")
            .put("orderBy", new JsonArray().add("code")).put("databaseRole", ROLE))
        .add(new JsonObject().put("name", "transactions_as_reader").put("sql", "SELECT id FROM transactions")
            .put("orderBy", new JsonArray().add("id")).put("databaseRole", ROLE)));
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  @Test
  @DisplayName("reads a table the role may read")
  void granted() {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/merchants_as_reader/rows");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body().lines()).isNotEmpty();
  }

  @Test
  @DisplayName("is refused a table the role may not read, though the service's own user may")
  void notGranted() {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/transactions_as_reader/rows?limit=5");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(500);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("sqlState")).isEqualTo("42501");
  }
}
