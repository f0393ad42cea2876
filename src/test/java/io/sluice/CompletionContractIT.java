package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.Sse;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The completion contract of docs/http.md: a complete body ends cleanly with its trailers (or
 * its summary on HTTP/1.0); a cut one carries an in-band error record and never ends cleanly,
 * over HTTP/1.1, HTTP/1.0 and HTTP/2.
 */
@DisplayName("A client can tell a complete body from a cut one")
class CompletionContractIT extends ServiceTest {

  /** Fails with division by zero at row 3000, after rows have gone out. */
  private static final String CUT = "/v1/datasets/failing/rows?fail_at=3000";
  private static final String COMPLETE = "/v1/datasets/series/rows?count=2500";

  private static HttpClientAgent http2;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx);
    http2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
  }

  @AfterAll
  static void closeClient() throws Exception {
    http2.close().await(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void nothingLeaks() {
    Backends.awaitReleased(sluice);
  }

  @Test
  @DisplayName("HTTP/1.1: a complete NDJSON body ends with the terminating chunk and trailers, and holds rows only")
  void completeOverHttp11() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, COMPLETE)) {
      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());

      assertThat(response.complete()).isTrue();
      assertThat(response.trailers()).contains("Sluice-Status: complete").contains("Sluice-Row-Count: 2500");
      assertThat(lines(response.body())).hasSize(2500).noneMatch(line -> line.contains("_sluice"));
    }
  }

  @Test
  @DisplayName("HTTP/1.1: meta=true adds a summary record after the last row")
  void summaryWhenAsked() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, COMPLETE + "&meta=true")) {
      List<String> lines = lines(RawHttpClient.Chunked.decode(client.readToEnd()).body());

      assertThat(lines).hasSize(2501);
      assertThat(new JsonObject(lines.get(2500)).getJsonObject("_sluice"))
          .isEqualTo(new JsonObject().put("status", "complete").put("rows", 2500));
    }
  }

  @Test
  @DisplayName("HTTP/1.1: a cut NDJSON body ends with an error record naming the rows sent, and no terminating chunk")
  void cutNdjsonOverHttp11() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, CUT)) {
      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.complete()).as("terminating chunk present").isFalse();
      assertErrorRecordLast(lines(response.body()));
    }
  }

  @Test
  @DisplayName("HTTP/1.1: a cut CSV body ends in a record a strict CSV reader rejects")
  void cutCsvOverHttp11() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, CUT + "&format=csv")) {
      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());

      assertThat(response.complete()).isFalse();
      String body = response.body();
      String last = body.substring(body.lastIndexOf("\r\n") + 2);
      assertThat(last).startsWith("\"#sluice: stream cut after ").contains("bad-request").doesNotEndWith("\"");
      CsvMapper csv = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
      assertThatThrownBy(() -> {
        try (MappingIterator<String[]> rows = csv.readerFor(String[].class).readValues(body)) {
          rows.readAll();
        }
      }).isInstanceOf(IOException.class);
    }
  }

  @Test
  @DisplayName("HTTP/1.1: a cut JSON array ends with the error record as its last element and is never valid JSON")
  void cutJsonOverHttp11() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, CUT + "&format=json")) {
      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());

      assertThat(response.complete()).isFalse();
      String body = response.body();
      assertThatThrownBy(() -> new ObjectMapper().readTree(body)).isInstanceOf(IOException.class);
      // the unterminated array's elements are still readable one by one
      List<String> lines = lines(body.substring(1).strip());
      List<String> elements = lines.stream().map(l -> l.endsWith(",") ? l.substring(0, l.length() - 1) : l).toList();
      assertErrorRecordLast(elements);
    }
  }

  @Test
  @DisplayName("HTTP/1.1: a complete JSON array with meta=true ends with the summary element")
  void completeJsonWithSummary() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, COMPLETE + "&format=json&meta=true")) {
      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());

      assertThat(response.complete()).isTrue();
      JsonArray array = new JsonArray(response.body());
      assertThat(array.size()).isEqualTo(2501);
      assertThat(array.getJsonObject(2500).getJsonObject("_sluice").getString("status")).isEqualTo("complete");
    }
  }

  @Test
  @DisplayName("HTTP/1.1: a cut SSE stream ends with a fail event carrying the error, after the last row's event")
  void cutSseOverHttp11() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, CUT + "&format=sse")) {
      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());

      assertThat(response.complete()).isFalse();
      List<Sse.Event> events = Sse.parse(response.body());
      Sse.Event last = events.get(events.size() - 1);
      assertThat(last.type()).isEqualTo("fail");
      JsonObject summary = new JsonObject(last.data());
      assertThat(summary.getString("status")).isEqualTo("partial");
      assertThat(summary.getLong("rows")).isEqualTo(events.size() - 1L);
      assertThat(last.lastEventId()).as("the fail event repeats the last row's id: a reconnect resumes after it")
          .isEqualTo(events.get(events.size() - 2).lastEventId());
      assertThat(summary.getString("resume")).isNotBlank();
      assertThat(events.subList(0, events.size() - 1)).allMatch(e -> e.type().equals("message"));
    }
  }

  @Test
  @DisplayName("HTTP/1.0 with keep-alive: a complete body ends with a summary record and the connection closes")
  void completeOverHttp10KeepAlive() throws Exception {
    try (RawHttpClient client = RawHttpClient.send(port, "GET " + COMPLETE + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")) {
      String raw = client.readTimeout(20_000).readToEnd();

      assertThat(raw).startsWith("HTTP/1.0 200").doesNotContainIgnoringCase("transfer-encoding");
      List<String> lines = lines(raw.substring(raw.indexOf("\r\n\r\n") + 4));
      assertThat(lines).hasSize(2501);
      assertThat(new JsonObject(lines.get(2500)).getJsonObject("_sluice").getString("status")).isEqualTo("complete");
    }
  }

  @Test
  @DisplayName("HTTP/1.0: a cut body ends with the error record and the connection closes")
  void cutOverHttp10() throws Exception {
    try (RawHttpClient client = RawHttpClient.send(port, "GET " + CUT + " HTTP/1.0\r\n\r\n")) {
      String raw = client.readTimeout(20_000).readToEnd();

      assertThat(raw).startsWith("HTTP/1.0 200");
      assertErrorRecordLast(lines(raw.substring(raw.indexOf("\r\n\r\n") + 4)));
    }
  }

  @Test
  @DisplayName("HTTP/2: a complete body ends its stream with the trailers")
  void completeOverHttp2() throws Exception {
    Outcome outcome = getOverHttp2(COMPLETE);

    assertThat(outcome.failure()).isNull();
    assertThat(outcome.response().trailers().get("Sluice-Status")).isEqualTo("complete");
    assertThat(outcome.response().trailers().get("Sluice-Row-Count")).isEqualTo("2500");
    assertThat(lines(outcome.body().toString())).hasSize(2500);
  }

  @Test
  @DisplayName("HTTP/2: a cut body is reset with INTERNAL_ERROR, not NO_ERROR, after the error record")
  void cutOverHttp2() throws Exception {
    Outcome outcome = getOverHttp2(CUT);

    assertThat(outcome.response().statusCode()).isEqualTo(200);
    assertThat(outcome.failure()).isInstanceOf(StreamResetException.class);
    assertThat(((StreamResetException) outcome.failure()).getCode()).as("RST_STREAM error code").isEqualTo(2);
    assertErrorRecordLast(lines(outcome.body().toString()));
  }

  private record Outcome(HttpClientResponse response, Buffer body, Throwable failure) {}

  private static Outcome getOverHttp2(String path) throws Exception {
    Buffer body = Buffer.buffer();
    Promise<Throwable> ended = Promise.promise();
    HttpClientResponse response = http2.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(request -> request.send())
        .map(r -> {
          assertThat(r.version()).isEqualTo(HttpVersion.HTTP_2);
          r.handler(body::appendBuffer);
          r.exceptionHandler(ended::tryComplete);
          r.endHandler(v -> ended.tryComplete(null));
          return r;
        })
        .await(30, TimeUnit.SECONDS);
    Throwable failure = ended.future().await(30, TimeUnit.SECONDS);
    return new Outcome(response, body, failure);
  }

  private static void assertErrorRecordLast(List<String> lines) {
    assertThat(lines.size()).isGreaterThan(1);
    JsonObject record = new JsonObject(lines.get(lines.size() - 1)).getJsonObject("_sluice");
    assertThat(record.getString("status")).isEqualTo("partial");
    assertThat(record.getLong("rows")).as("rows before the record").isEqualTo(lines.size() - 1L);
    assertThat(record.getJsonObject("error").getString("code")).isEqualTo("bad-request");
    assertThat(record.getJsonObject("error").getString("message")).doesNotContain("division by zero");
    lines.subList(0, lines.size() - 1).forEach(line -> assertThat(new JsonObject(line).containsKey("id")).isTrue());
  }

  private static List<String> lines(String body) {
    return body.isEmpty() ? List.of() : Arrays.asList(body.split("\n"));
  }
}
