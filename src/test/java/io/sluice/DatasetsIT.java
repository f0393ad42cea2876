package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("The datasets")
class DatasetsIT extends ServiceTest {


  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx);
  }


  private static List<JsonObject> rows(String pathAndQuery) {
    HttpResponse<String> response = Http.get(port, pathAndQuery);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Arrays.stream(response.body().split("\n")).filter(l -> !l.isEmpty()).map(JsonObject::new).toList();
  }

  @Test
  @DisplayName("are listed in the catalogue with their parameters and the columns clients receive")
  void catalogue() {
    JsonArray datasets = new JsonObject(Http.get(port, "/v1/datasets").body()).getJsonArray("datasets");
    JsonObject transactions = new JsonObject(Http.get(port, "/v1/datasets/transactions").body());

    assertThat(datasets.stream().map(d -> ((JsonObject) d).getString("name"))).contains("transactions_raw", "transactions");
    assertThat(transactions.getJsonArray("columns").stream().map(c -> ((JsonObject) c).getString("name")))
        .containsExactly("id", "account_id", "amount", "currency", "merchant", "category", "status", "created_at",
            "description", "tags", "amount_formatted", "merchant_name", "risk_band");
    assertThat(transactions.getJsonArray("columns").stream().map(c -> ((JsonObject) c).getString("kind")))
        .containsExactly("bigint", "bigint", "numeric", "text", "text", "text", "text", "timestamptz",
            "text", "json", "text", "other", "text");
    assertThat(transactions.getJsonArray("parameters").stream().map(p -> ((JsonObject) p).getString("name")))
        .containsExactly("status", "currency", "min_amount", "max_amount", "from", "to", "account");
    assertThat(transactions.getJsonArray("sourceColumns").getJsonObject(2))
        .isEqualTo(new JsonObject().put("name", "amount").put("kind", "numeric").put("array", false).put("type", "numeric(12,2)"));
  }

  @ParameterizedTest(name = "Accept: {0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "text/csv;q=0.5, application/x-ndjson;q=0.9 | application/x-ndjson",
      "text/csv, */*;q=0.1                        | text/csv; charset=utf-8",
      "application/json                           | application/json",
      "*/*                                        | application/x-ndjson",
      "text/csv;q=0, */*                          | application/x-ndjson",
      "text/csv;q=0.5, application/x-ndjson;q=0.4 | text/csv; charset=utf-8",
      "application/*, text/csv;q=0.9              | application/x-ndjson",
      "text/*                                     | text/csv; charset=utf-8",
      "text/event-stream                          | text/event-stream; charset=utf-8",
      "application/vnd.apache.arrow.stream        | application/vnd.apache.arrow.stream",
  })
  @DisplayName("are served in the format Accept prefers")
  void negotiation(String accept, String contentType) {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/series/rows?count=2", "Accept", accept);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue(contentType);
  }

  @Test
  @DisplayName("filter exactly as the same SQL does")
  void filters() throws Exception {
    List<Long> expected = new ArrayList<>();
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT id FROM transactions WHERE status = 'declined' AND currency = 'GBP'"
            + " AND amount >= 500.5 AND amount <= 9000 AND created_at >= '2024-01-02T00:00:00Z' AND created_at < '2024-01-09T12:00:00Z' ORDER BY id")) {
      while (rs.next()) {
        expected.add(rs.getLong(1));
      }
    }

    List<JsonObject> rows = rows("/v1/datasets/transactions/rows?status=declined&currency=GBP&min_amount=500.5&max_amount=9000"
        + "&from=2024-01-02T00:00:00Z&to=2024-01-09T12:00:00%2B00:00");

    assertThat(expected).hasSizeGreaterThan(10);
    assertThat(rows).extracting(r -> r.getLong("id")).containsExactlyElementsOf(expected);
  }

  @Test
  @DisplayName("are enriched: money, merchant name, masked description, risk band")
  void enrichment() throws Exception {
    JsonObject row = rows("/v1/datasets/transactions/rows?account=2920&limit=1").get(0);
    long id = row.getLong("id");
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT t.description, m.name, t.amount, t.currency, (t.tags->>'risk')::numeric"
            + " FROM transactions t LEFT JOIN merchants m ON m.code = t.merchant WHERE t.id = " + id)) {
      assertThat(rs.next()).isTrue();
      String description = rs.getString(1);
      assertThat(row.getString("description")).hasSameSizeAs(description).endsWith(description.substring(description.length() - 4))
          .startsWith("****");
      assertThat(row.getString("merchant_name")).isEqualTo(rs.getString(2));
      assertThat(row.getString("amount_formatted")).contains(rs.getBigDecimal(3).toPlainString().split("\\.")[1].substring(0, 1));
      BigDecimal risk = rs.getBigDecimal(5);
      String band = risk.compareTo(new BigDecimal("0.3")) < 0 ? "low" : risk.compareTo(new BigDecimal("0.7")) < 0 ? "medium" : "high";
      assertThat(row.getString("risk_band")).isEqualTo(band);
    }
  }

  @Test
  @DisplayName("see a lookup table change once its cache is refreshed")
  void lookupRefresh() throws Exception {
    assertThat(rows("/v1/datasets/labelled/rows")).extracting(r -> r.getString("label")).containsExactly("one", "two", "none");
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      st.execute("INSERT INTO it_labels VALUES (3, 'three') ON CONFLICT (code) DO UPDATE SET label = excluded.label");
      st.execute("UPDATE it_labels SET label = 'uno' WHERE code = 1");
    }

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(rows("/v1/datasets/labelled/rows")).extracting(r -> r.getString("label")).containsExactly("uno", "two", "three"));

    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      st.execute("UPDATE it_labels SET label = 'one' WHERE code = 1");
      st.execute("DELETE FROM it_labels WHERE code = 3");
    }
  }
}
