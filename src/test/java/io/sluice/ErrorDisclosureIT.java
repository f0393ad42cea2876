package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamRefusedException;
import io.sluice.support.BridgeSocket;
import io.sluice.support.Http;
import io.sluice.support.LogCapture;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.TcpProxy;
import io.sluice.support.TestDatabase;
import io.sluice.support.TestSluice;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;

/**
 * What an error tells a client: its stable code, a message of Sluice's own and the request id,
 * never PostgreSQL's text, SQL, Java class names or event-bus addresses; the detail is in the
 * log, on a line with the same request id. HTTP bodies before the first row, in-band records of
 * cut bodies, and what bridge clients get are all checked. The database is reached through a
 * proxy the test can take down.
 */
@DisplayName("An error a client sees")
class ErrorDisclosureIT extends ServiceTest {

  private static final String OPEN = "sluice.transform.open";
  /** Fragments that only server internals would put in a message. */
  private static final List<String> INTERNALS = List.of("Exception", "java.", "sluice.", "Error:", "SELECT", "FROM ", "::");

  private static TcpProxy proxy;
  private static int bridgePort;
  private LogCapture log;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    try (Connection conn = TestDatabase.jdbc(); Statement st = conn.createStatement()) {
      st.execute("CREATE SEQUENCE IF NOT EXISTS error_it_seq");
    }
    proxy = TcpProxy.toTestDatabase(vertx).await(10, TimeUnit.SECONDS);
    String proxied = proxy.testDatabaseUrl();
    bridgePort = TestSluice.freePort();
    startSluice(vertx, json -> {
      json.getJsonObject("database").put("url", proxied);
      json.put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort));
      // runs in the read-only transaction only when it reads rows: PostgreSQL refuses nextval() there (25006)
      json.getJsonArray("datasets").add(new JsonObject()
          .put("name", "writes_sequence")
          .put("sql", "SELECT g AS n, nextval('error_it_seq') AS v FROM generate_series(1, 3) AS g")
          .put("orderBy", new JsonArray().add("n")));
    });
  }

  @AfterAll
  static void stopProxy() throws Exception {
    proxy.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void captureLog() {
    log = LogCapture.of(Logger.ROOT_LOGGER_NAME);
  }

  @AfterEach
  void releaseLog() {
    log.close();
    proxy.refuse(false);
  }

  private static String requestId() {
    return "err-it-" + UUID.randomUUID();
  }

  /** The error object of a JSON error body, checked for the request id it must carry (also its header). */
  private static JsonObject errorBody(HttpResponse<String> response, String requestId) {
    assertThat(response.headers().firstValue("X-Request-Id")).hasValue(requestId);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("requestId")).as("request id in the body").isEqualTo(requestId);
    return error;
  }

  private static void assertClean(String text, String... serverText) {
    for (String fragment : INTERNALS) {
      assertThat(text).as("what the client sees").doesNotContain(fragment);
    }
    for (String fragment : serverText) {
      assertThat(text).as("what the client sees").doesNotContainIgnoringCase(fragment);
    }
  }

  /** The detail is logged, at WARN or ERROR, on a line naming the request. */
  private void assertLogged(String requestId, String detail) {
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(log.linesWith(requestId))
        .anySatisfy(line -> assertThat(line).containsAnyOf("WARN", "ERROR").contains(detail)));
  }

  /** A raw HTTP/1.1 GET carrying {@code requestId}; the decoded body, read until the server closes. */
  private static RawHttpClient.Chunked rawGet(String path, String requestId) throws Exception {
    try (RawHttpClient client = RawHttpClient.send(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: " + requestId
        + "\r\nConnection: close\r\n\r\n")) {
      return RawHttpClient.Chunked.decode(client.readToEnd());
    }
  }

  @Test
  @DisplayName("before the first row, a data exception of the dataset's SQL is a 400 without PostgreSQL's message")
  void dataExceptionBody() {
    String id = requestId();

    HttpResponse<String> response = Http.get(port, "/v1/datasets/failing/rows?fail_at=1", "X-Request-Id", id);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = errorBody(response, id);
    assertThat(error.getString("code")).isEqualTo("bad-request");
    assertThat(error.getString("sqlState")).isEqualTo("22012");
    assertClean(response.body(), "division by zero", "transactions");
    assertLogged(id, "division by zero");
  }

  @Test
  @DisplayName("a query PostgreSQL refuses (a write in the read-only transaction) is a 500 without its message or SQL")
  void queryFailedBody() {
    String id = requestId();

    HttpResponse<String> response = Http.get(port, "/v1/datasets/writes_sequence/rows", "X-Request-Id", id);

    assertThat(response.statusCode()).isEqualTo(500);
    JsonObject error = errorBody(response, id);
    assertThat(error.getString("code")).isEqualTo("query-failed");
    assertThat(error.getString("sqlState")).isEqualTo("25006");
    assertClean(response.body(), "read-only", "nextval", "error_it_seq", "generate_series");
    assertLogged(id, "read-only transaction");
  }

  @Test
  @DisplayName("a stream cut by a data exception ends with a record that names the request, not PostgreSQL's message")
  void dataExceptionRecord() throws Exception {
    String id = requestId();

    RawHttpClient.Chunked response = rawGet("/v1/datasets/failing/rows?fail_at=2500", id);

    assertThat(response.complete()).isFalse();
    String[] lines = response.body().split("\n");
    JsonObject record = new JsonObject(lines[lines.length - 1]).getJsonObject("_sluice");
    assertThat(record.getString("status")).isEqualTo("partial");
    assertThat(record.getJsonObject("error").getString("code")).isEqualTo("bad-request");
    assertThat(record.getJsonObject("error").getString("requestId")).isEqualTo(id);
    assertClean(lines[lines.length - 1], "division by zero", "transactions");
    assertLogged(id, "division by zero");
  }

  @Test
  @DisplayName("a stream cut by a data exception ends CSV with a field that names the request, not PostgreSQL's message")
  void dataExceptionCsvRecord() throws Exception {
    String id = requestId();

    RawHttpClient.Chunked response = rawGet("/v1/datasets/failing/rows?fail_at=2500&format=csv", id);

    String last = response.body().substring(response.body().lastIndexOf('\n') + 1);
    assertThat(last).startsWith("\"#sluice: stream cut after").contains("bad-request").contains(id);
    assertClean(last, "division by zero", "transactions");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"exploding", "exploding_error"})
  @DisplayName("a transform that throws cuts the stream with a record free of the exception's class and message")
  void transformFails(String dataset) throws Exception {
    String id = requestId();

    RawHttpClient.Chunked response = rawGet("/v1/datasets/" + dataset + "/rows", id);

    assertThat(response.complete()).isFalse();
    String[] lines = response.body().split("\n");
    String last = lines[lines.length - 1];
    JsonObject error = new JsonObject(last).getJsonObject("_sluice").getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("internal-error");
    assertThat(error.getString("message")).isEqualTo("transform failed");
    assertThat(error.getString("requestId")).isEqualTo(id);
    assertClean(last, "boom", "IllegalState", "Assertion");
    assertLogged(id, "boom at 250");
  }

  @Test
  @DisplayName("an unavailable database is a 503 that names neither the server nor the driver's exception")
  void databaseUnavailable() {
    proxy.refuse(true);
    String id = requestId();

    HttpResponse<String> response = Http.get(port, "/v1/datasets/series/rows?count=3", "X-Request-Id", id);

    assertThat(response.statusCode()).isEqualTo(503);
    JsonObject error = errorBody(response, id);
    assertThat(error.getString("code")).isEqualTo("database-unavailable");
    assertThat(error.getInteger("retryAfter")).isEqualTo(5);
    assertClean(response.body(), "127.0.0.1", Integer.toString(proxy.port()), "closed", "refused");
    assertLogged(id, "DatabaseUnavailableException");
  }

  @Test
  @DisplayName("a value Arrow cannot hold cuts the stream with a message naming the request")
  void unrepresentableValue() throws Exception {
    String id = requestId();

    String raw;
    try (RawHttpClient client = RawHttpClient.send(port, "GET /v1/datasets/types/rows?format=arrow HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "X-Request-Id: " + id + "\r\nConnection: close\r\n\r\n")) {
      raw = client.readToEnd();
    }

    // the body ends with the truncated IPC message, cut without the terminating chunk
    String cut = raw.substring(raw.lastIndexOf("sluice: stream cut"));
    assertThat(cut).contains("unrepresentable-value").contains(id);
    assertClean(cut);
    assertLogged(id, "unrepresentable-value");
  }

  @Test
  @DisplayName("refusals found by the HTTP stage carry the request id too")
  void refusalsCarryTheRequestId() {
    String id = requestId();
    HttpResponse<String> unknown = Http.get(port, "/v1/datasets/nope/rows", "X-Request-Id", id);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(errorBody(unknown, id).getString("code")).isEqualTo("not-found");

    String other = requestId();
    HttpResponse<String> bad = Http.get(port, "/v1/datasets/series/rows?count=many", "X-Request-Id", other);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(errorBody(bad, other).getString("parameter")).isEqualTo("count");

    HttpResponse<String> noRoute = Http.get(port, "/nowhere");
    String generated = noRoute.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(errorBody(noRoute, generated).getString("code")).isEqualTo("not-found");
  }

  @Test
  @DisplayName("an open refused because no stage answers names no event-bus address")
  void openNobodyAnswers(Vertx vertx) throws Exception {
    String id = requestId();
    Promise<Throwable> outcome = Promise.promise();
    vertx.runOnContext(v -> new StreamConsumer(vertx, 1_000, 2).open("sluice.nobody.open", new JsonObject(), id)
        .onComplete(ar -> outcome.complete(ar.cause())));

    Throwable refused = outcome.future().await(10, TimeUnit.SECONDS);

    assertThat(refused).isInstanceOf(StreamRefusedException.class);
    JsonObject error = ((StreamRefusedException) refused).error().toJson();
    assertThat(error.getString("code")).isEqualTo("database-unavailable");
    assertThat(error.getString("requestId")).isEqualTo(id);
    assertClean(error.encode(), "nobody", "handler");
    assertLogged(id, "sluice.nobody.open");
  }

  @Test
  @DisplayName("a bridge client's malformed open is refused without Java's words for what is wrong")
  void bridgeMalformedOpen() {
    String stream = UUID.randomUUID().toString();
    String id = requestId();
    try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
      client.send(new JsonObject().put("type", "send").put("address", OPEN).put("replyAddress", "reply." + stream)
          .put("body", new JsonObject().put("stream", stream).put("replyTo", "sluice.stream." + stream + ".data").put("requestId", id)
              .put("request", new JsonObject().put("dataset", "series")).put("credits", "many").put("leaseMs", 10_000)));

      JsonObject refused = client.read();

      assertThat(refused.getString("type")).isEqualTo("err");
      JsonObject error = new JsonObject(refused.getString("message"));
      assertThat(error.getString("code")).isEqualTo("protocol-error");
      assertThat(error.getString("requestId")).isEqualTo(id);
      assertClean(error.encode(), "cast", "class ", "String", "Long", "Number");
      assertLogged(id, "ClassCastException");
    }
  }

  @Test
  @DisplayName("a bridge client's stream that fails gets an error frame without PostgreSQL's message")
  void bridgeStreamFails() {
    String stream = UUID.randomUUID().toString();
    String id = requestId();
    String data = "sluice.stream." + stream + ".data";
    try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
      client.send(new JsonObject().put("type", "send").put("address", OPEN).put("replyAddress", "reply." + stream)
          .put("body", new JsonObject().put("stream", stream).put("replyTo", data).put("requestId", id)
              .put("request", new JsonObject().put("dataset", "failing").put("params", new JsonObject().put("fail_at", "150")))
              .put("credits", 0).put("leaseMs", 10_000)));
      client.register(data);
      JsonObject accepted = client.read();
      assertThat(accepted.getString("type")).isEqualTo("message");
      String control = accepted.getJsonObject("body").getString("control");
      client.send(control, "credit", new JsonObject().put("n", 16));

      JsonObject frame;
      do {
        frame = client.read();
      } while (!"error".equals(frame.getJsonObject("headers", new JsonObject()).getString("sluice-frame")));

      JsonObject error = frame.getJsonObject("body");
      assertThat(error.getString("code")).isEqualTo("bad-request");
      assertThat(error.getString("sqlState")).isEqualTo("22012");
      assertThat(error.getString("requestId")).isEqualTo(id);
      assertClean(error.encode(), "division by zero", "transactions");
      assertLogged(id, "division by zero");
    }
  }
}
