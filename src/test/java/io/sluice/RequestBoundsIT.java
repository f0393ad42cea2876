package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Bounded request sizes (OWASP API4): an oversized request line, header block, query string,
 * parameter count or parameter value is answered with its status and a JSON error body,
 * over a real socket, before any database work. The defaults are under test: an 8 KiB request
 * line, 16 KiB of headers, a 4 KiB query string, 64 query parameters, 1024 characters a value.
 */
@DisplayName("A request larger than the bounds")
class RequestBoundsIT extends ServiceTest {

  private double opened;
  private double read;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx);
  }

  @BeforeEach
  void countersBefore() {
    opened = sluice.metrics().streamsOpened();
    read = sluice.metrics().rowsRead();
  }

  @AfterEach
  void noDatabaseWork() {
    assertThat(sluice.metrics().streamsOpened()).as("cursor streams opened").isEqualTo(opened);
    assertThat(sluice.metrics().rowsRead()).as("rows read").isEqualTo(read);
    // the service's own start-up and probe queries may be running a moment after it starts: none may stay
    await().atMost(Duration.ofSeconds(5)).until(() -> Backends.busy() == 0);
  }

  @Test
  @DisplayName("in its request line (past http.maxRequestLineBytes) gets 414 with a JSON body")
  void requestLineTooLong() throws Exception {
    String path = "/v1/datasets/series/rows?count=5&pad=" + "x".repeat(9_000);

    JsonObject error = rawError(get(path), 414);

    assertThat(error.getString("code")).isEqualTo("uri-too-long");
    assertThat(error.getInteger("status")).isEqualTo(414);
    assertThat(error.getString("message")).contains("8192");
  }

  @Test
  @DisplayName("in its headers (past http.maxHeaderBytes) gets 431 with a JSON body")
  void headersTooLarge() throws Exception {
    String head = "GET /v1/datasets/series/rows?count=5 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "X-Filler-1: " + "y".repeat(9_000) + "\r\nX-Filler-2: " + "y".repeat(9_000) + "\r\nConnection: close\r\n\r\n";

    JsonObject error = rawError(head, 431);

    assertThat(error.getString("code")).isEqualTo("headers-too-large");
    assertThat(error.getInteger("status")).isEqualTo(431);
    assertThat(error.getString("message")).contains("16384");
  }

  @Test
  @DisplayName("in its query string (past http.maxQueryBytes, within the request line) gets 414 with a JSON body")
  void queryTooLong() throws Exception {
    String path = "/v1/datasets/series/rows?count=5&pad=" + "x".repeat(5_000);

    JsonObject error = rawError(get(path), 414);

    assertThat(error.getString("code")).isEqualTo("uri-too-long");
    assertThat(error.getString("message")).contains("query string").contains("4096");
  }

  @Test
  @DisplayName("with a query string of exactly http.maxQueryBytes passes the bound, to be checked as usual")
  void queryAtTheBound() {
    String prefix = "count=5&pad=";
    String query = prefix + "x".repeat(4096 - prefix.length());

    HttpResponse<String> response = Http.get(port, "/v1/datasets/series/rows?" + query);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("parameter")).isEqualTo("pad");
  }

  @Test
  @DisplayName("with more query parameters than http.maxQueryParameters gets 400 saying so")
  void tooManyParameters() throws Exception {
    String query = IntStream.range(0, 65).mapToObj(i -> "p" + i + "=1").collect(Collectors.joining("&"));

    JsonObject error = rawError(get("/v1/datasets/series/rows?" + query), 400);

    assertThat(error.getString("code")).isEqualTo("bad-request");
    assertThat(error.getString("message")).contains("65 query parameters").contains("64");
    assertThat(error.containsKey("parameter")).isFalse();
  }

  @Test
  @DisplayName("with a parameter value longer than its maxLength gets 400 naming the parameter")
  void parameterValueTooLong() throws Exception {
    JsonObject error = rawError(get("/v1/datasets/transactions/rows?currency=" + "E".repeat(1025)), 400);

    assertThat(error.getString("parameter")).isEqualTo("currency");
    assertThat(error.getString("message")).contains("currency").contains("1024");
  }

  private static String get(String pathAndQuery) {
    return "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  }

  /** Sends {@code head} on a socket, reads the whole answer and returns its JSON {@code error}, checking status and headers. */
  private JsonObject rawError(String head, int status) throws Exception {
    String raw;
    try (RawHttpClient client = RawHttpClient.send(port, head, 64 * 1024)) {
      raw = client.readToEnd();
    }
    String statusLine = raw.substring(0, raw.indexOf("\r\n"));
    assertThat(statusLine).matches("HTTP/1\\.[01] " + status + " .*");
    String headers = raw.substring(0, raw.indexOf("\r\n\r\n")).toLowerCase();
    assertThat(headers).contains("content-type: application/json").contains("x-request-id: ");
    String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
    JsonObject error = new JsonObject(body).getJsonObject("error");
    assertThat(error.getInteger("status")).isEqualTo(status);
    assertThat(error.getString("message")).isNotBlank();
    return error;
  }
}
