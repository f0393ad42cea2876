package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Backends;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile values in every parameter type: each gets a 400 naming the parameter, or is bound as
 * a value and filters rows, and the data is intact after all of them.
 */
@DisplayName("Injection strings in parameters")
class InjectionIT extends ServiceTest {

  private static final List<String> HOSTILE = List.of(
      "'; DROP TABLE transactions; --",
      "1; DELETE FROM transactions",
      "$1",
      "' OR '1'='1",
      "\" OR 1=1 --",
      "settled' UNION SELECT * FROM pg_shadow --",
      "a\u0000b",
      "%00",
      "x".repeat(10 * 1024));
  private static long rowsBefore;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.getJsonArray("datasets")
        .add(new JsonObject()
            .put("name", "by_merchant")
            .put("description", "a free-text parameter, compared in SQL")
            .put("sql", "SELECT id, merchant FROM transactions WHERE merchant = $1")
            .put("orderBy", new JsonArray().add("id"))
            .put("parameters", new JsonArray().add(new JsonObject().put("name", "merchant").put("type", "string").put("required", true))))
        .add(new JsonObject()
            .put("name", "cast_in_sql")
            .put("description", "a text parameter the SQL casts: PostgreSQL refuses what does not cast")
            .put("sql", "SELECT g AS n FROM generate_series(1, 3) AS g WHERE g = $1::text::int")
            .put("orderBy", new JsonArray().add("n"))
            .put("parameters", new JsonArray().add(new JsonObject().put("name", "n").put("type", "string").put("required", true)))));
    rowsBefore = count();
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  @AfterAll
  static void dataIntact() throws Exception {
    assertThat(count()).as("rows of transactions after every hostile request").isEqualTo(rowsBefore);
  }

  private static long count() throws Exception {
    try (Connection conn = TestDatabase.jdbc(); ResultSet rs = conn.createStatement().executeQuery("SELECT count(*) FROM transactions")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @org.junit.jupiter.api.Test
  @DisplayName("that PostgreSQL refuses while planning get its data exception (400), not the aborted transaction that follows (500)")
  void refusedByPostgres() {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/cast_in_sql/rows?n=" + URLEncoder.encode("1; DROP TABLE x", StandardCharsets.UTF_8));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("bad-request");
    assertThat(error.getString("sqlState")).isEqualTo("22P02");
  }

  /** Every parameter type the datasets declare, with every hostile value. */
  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    List<String[]> parameters = List.of(
        new String[] {"by_merchant", "merchant", "string (free text)"},
        new String[] {"transactions", "status", "string (allowed values)"},
        new String[] {"transactions", "min_amount", "decimal"},
        new String[] {"transactions", "from", "timestamp"},
        new String[] {"transactions", "account", "integer"},
        new String[] {"series", "count", "integer (required)"});
    for (String[] parameter : parameters) {
      for (String value : HOSTILE) {
        cases.add(Arguments.of(parameter[0], parameter[1], parameter[2], value));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{2} {1} = {3}")
  @MethodSource("cases")
  @DisplayName("get a 400 naming the parameter, or are bound as values and match nothing")
  void hostileValue(String dataset, String parameter, String type, String value) {
    String display = value.length() > 40 ? value.substring(0, 40) + "..." : value;
    HttpResponse<String> response = Http.get(port, "/v1/datasets/" + dataset + "/rows?" + parameter + "="
        + URLEncoder.encode(value, StandardCharsets.UTF_8));

    // 414: a 10 KB value makes the query string longer than http.maxQueryBytes
    assertThat(response.statusCode()).as("%s=%s: %s", parameter, display, response.body()).isIn(200, 400, 414);
    if (response.statusCode() == 414) {
      assertThat(value).hasSizeGreaterThan(4096);
    } else if (response.statusCode() == 400) {
      JsonObject error = new JsonObject(response.body()).getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("bad-request");
    } else {
      assertThat(response.body()).as("a value compared as a value matches no merchant").isEmpty();
    }
  }
}
