package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.RestartablePostgres;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * The database restarts under a running stream: an embedded PostgreSQL the test owns is
 * stopped (a fast shutdown, which terminates every session) and started again on the same
 * port and data while a client is mid-stream.
 */
@DisplayName("When the database restarts mid-stream")
class DatabaseRestartIT extends ServiceTest {

  private static final int ROWS = 200_000;
  private static final String PATH = "/v1/datasets/restart_rows/rows";
  private static RestartablePostgres postgres;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    postgres = RestartablePostgres.start();
    try (Connection conn = TestDatabase.jdbc(postgres.url()); Statement st = conn.createStatement()) {
      st.execute("CREATE TABLE restart_rows AS SELECT g AS id, md5(g::text) AS pad FROM generate_series(1, " + ROWS + ") AS g");
      st.execute("ALTER TABLE restart_rows ADD PRIMARY KEY (id)");
    }
    startSluice(vertx, json -> {
      json.getJsonObject("http").put("sendBufferSize", 32 * 1024);
      json.getJsonObject("database").put("url", postgres.url());
      // the catalogue checks every dataset's SQL at start-up: only this one runs on the test's server
      json.put("datasets", new JsonArray().add(new JsonObject()
          .put("name", "restart_rows")
          .put("sql", "SELECT id, pad FROM restart_rows")
          .put("orderBy", new JsonArray().add("id"))));
    });
  }

  @AfterAll
  static void stopDatabase() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  @DisplayName("the client sees a partial end with a token, new streams work once it is back, and the segments add up to one COPY")
  void restartMidStream() throws Exception {
    String cutBody;
    try (RawHttpClient client = RawHttpClient.get(port, PATH)) {
      // the client reads nothing yet: the stream is open, its transaction idle, its cursor waiting for credit
      await().atMost(Duration.ofSeconds(20)).until(() ->
          sluice.metrics().blockedResponses() == 1 && sluice.metrics().awaitingCredit() == 1);
      assertThat(Backends.states(postgres.url(), TestSluice.APPLICATION_NAME)).containsEntry("idle in transaction", 1);

      postgres.stop();

      cutBody = RawHttpClient.Chunked.decode(client.readToEnd()).body();
    }
    // the dead connection is closed, not kept: well under the lease
    await().atMost(Duration.ofSeconds(1)).until(() -> sluice.metrics().activeCursors() == 0);
    List<String> lines = cutBody.lines().toList();
    JsonObject record = new JsonObject(lines.get(lines.size() - 1)).getJsonObject("_sluice");
    assertThat(record.getString("status")).isEqualTo("partial");
    assertThat(record.getJsonObject("error").getString("code")).isEqualTo("database-unavailable");
    assertThat(record.getString("resume")).isNotBlank();
    assertThat(lines.size() - 1).as("rows before the cut").isPositive().isLessThan(ROWS);

    HttpResponse<String> whileDown = Http.get(port, PATH + "?limit=10");
    assertThat(whileDown.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(whileDown.body()).getJsonObject("error").getString("code")).isEqualTo("database-unavailable");
    assertThat(whileDown.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());

    postgres.startServer();

    await().atMost(Duration.ofSeconds(30)).until(() -> Http.get(port, PATH + "?limit=10").statusCode() == 200);
    HttpResponse<String> fresh = Http.get(port, PATH + "?limit=1000");
    assertThat(fresh.statusCode()).isEqualTo(200);
    assertThat(fresh.body().lines()).hasSize(1000);
    // the pool of short queries answers HEAD's estimate: it dropped the old server's connections
    assertThat(head(PATH).headers().firstValue("Sluice-Estimated-Rows")).as("estimate from the pool after the restart").isPresent();

    HttpResponse<String> rest = Http.get(port, PATH + "?resume=" + URLEncoder.encode(record.getString("resume"), StandardCharsets.UTF_8));
    assertThat(rest.statusCode()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    lines.subList(0, lines.size() - 1).forEach(l -> ids.add(new JsonObject(l).getValue("id").toString()));
    rest.body().lines().forEach(l -> ids.add(new JsonObject(l).getValue("id").toString()));
    assertThat(ids).as("ids of both segments, in order").isEqualTo(copyIds("SELECT id FROM restart_rows ORDER BY id"));

    await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> {
      assertThat(Backends.states(postgres.url(), TestSluice.APPLICATION_NAME)).doesNotContainKeys("active", "idle in transaction");
      assertThat(sluice.metrics().activeCursors()).isZero();
    });
  }

  private static HttpResponse<Void> head(String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding());
  }

  /** The ids of the query, as the restarted server's own COPY writes them. */
  private static List<String> copyIds(String query) throws Exception {
    try (Connection conn = TestDatabase.jdbc(postgres.url())) {
      StringWriter out = new StringWriter();
      conn.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (" + query + ") TO STDOUT", out);
      return out.toString().lines().toList();
    }
  }
}
