package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.support.Csv;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

@DisplayName("A full export")
class ExportIT extends ServiceTest {

  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final DateTimeFormatter PG_TIMESTAMPTZ = new DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral(' ').append(DateTimeFormatter.ISO_LOCAL_TIME)
      .appendPattern("X").toFormatter();

  private static List<List<String>> copy;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx);
    try (Connection conn = TestDatabase.jdbc()) {
      StringWriter out = new StringWriter();
      conn.unwrap(PGConnection.class).getCopyAPI()
          .copyOut("COPY (SELECT * FROM transactions ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)", out);
      copy = Csv.parse(out.toString());
    }
  }


  @Test
  @DisplayName("as CSV holds exactly what COPY gives for the raw dataset")
  void csvEqualsCopy() {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/transactions_raw/rows?format=csv");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
    List<List<String>> rows = Csv.parse(response.body());
    assertThat(rows).hasSize(TestDatabase.DEMO_ROWS + 1);
    assertThat(rows.get(0)).isEqualTo(copy.get(0));
    int createdAt = copy.get(0).indexOf("created_at");
    for (int r = 1; r < rows.size(); r++) {
      List<String> expected = copy.get(r);
      List<String> actual = rows.get(r);
      assertThat(actual).as("row %d", r).hasSameSizeAs(expected);
      for (int c = 0; c < expected.size(); c++) {
        if (c == createdAt) {
          assertThat(OffsetDateTime.parse(actual.get(c)).toInstant())
              .isEqualTo(OffsetDateTime.parse(expected.get(c), PG_TIMESTAMPTZ).toInstant());
        } else {
          assertThat(actual.get(c)).as("row %d column %s", r, expected.size()).isEqualTo(expected.get(c));
        }
      }
    }
  }

  @Test
  @DisplayName("as NDJSON holds every row once, in order, with the same values as COPY")
  void ndjsonEqualsCopy() throws Exception {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/transactions_raw/rows");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/x-ndjson");
    String[] lines = response.body().split("\n");
    assertThat(lines).hasSize(TestDatabase.DEMO_ROWS);
    List<String> header = copy.get(0);
    for (int r = 0; r < lines.length; r++) {
      JsonNode row = JSON.readTree(lines[r]);
      List<String> expected = copy.get(r + 1);
      assertThat(row.size()).isEqualTo(header.size());
      for (int c = 0; c < header.size(); c++) {
        JsonNode value = row.get(header.get(c));
        String want = expected.get(c);
        switch (header.get(c)) {
          case "id", "account_id" -> assertThat(value.isIntegralNumber() ? value.asText() : null).isEqualTo(want);
          case "amount" -> assertThat(value.isBigDecimal() ? value.decimalValue() : null)
              .isEqualByComparingTo(new BigDecimal(want));
          case "created_at" -> assertThat(OffsetDateTime.parse(value.asText()).toInstant())
              .isEqualTo(OffsetDateTime.parse(want, PG_TIMESTAMPTZ).toInstant());
          case "tags" -> assertThat(value).isEqualTo(JSON.readTree(want));
          default -> assertThat(value.isNull() ? null : value.asText()).as("%s of row %d", header.get(c), r + 1).isEqualTo(want);
        }
      }
    }
  }

  @Test
  @DisplayName("stops at the limit asked for")
  void honoursLimit() {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/transactions_raw/rows?limit=250");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body().split("\n")).hasSize(250);
    assertThat(response.body()).startsWith("{\"id\":1,");
  }
}
