package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.format.EncodingOptions;
import io.sluice.format.OutputFormat;
import io.sluice.format.OutputFormats;
import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.readers.FormatReader;
import io.sluice.value.Column;
import io.sluice.value.ValueKind;
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
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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
  /** The columns of the failing dataset's rows, as the format readers decode them. */
  private static final List<Column> FAILING_COLUMNS =
      List.of(new Column("id", ValueKind.BIGINT, false, "int8"), new Column("x", ValueKind.BIGINT, false, "int8"));
  private static final String STATUS_TRAILER = "Sluice-Status";

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

  static Stream<Named<OutputFormat>> formats() {
    return OutputFormats.ALL.stream().map(format -> Named.of(format.name(), format));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  @DisplayName("HTTP/1.1: a cut body of every format ends, after the last row sent, with the record its strict reader fails on, and no terminating chunk")
  void cutOverHttp11(OutputFormat format) throws Exception {
    FormatReader reader = FormatReader.of(format);
    String requestId = "cut-" + format.name();
    try (RawHttpClient client = RawHttpClient.send(port, "GET " + CUT + "&format=" + format.name() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\nX-Request-Id: " + requestId + "\r\n\r\n")) {
      byte[] raw = client.readBytesToEnd();
      RawHttpClient.ChunkedBytes response = RawHttpClient.ChunkedBytes.decode(raw);
      byte[] body = response.body();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.complete()).as("terminating chunk present").isFalse();
      String afterHeaders = new String(raw, StandardCharsets.ISO_8859_1).split("\r\n\r\n", 2)[1];
      assertThat(afterHeaders).as("no trailer states a status").doesNotContain(STATUS_TRAILER + ":");
      assertThatThrownBy(() -> reader.read(body, FAILING_COLUMNS, EncodingOptions.DEFAULTS)).as("a strict reader of the cut body")
          .isInstanceOf(IOException.class);
      FormatReader.Cut cut = reader.readCut(body, FAILING_COLUMNS, EncodingOptions.DEFAULTS);
      assertThat(cut.rows()).as("the ids of the rows before the record").isNotEmpty()
          .map(row -> row.get(0)).containsExactlyElementsOf(LongStream.rangeClosed(1, cut.rows().size()).boxed().toList());
      assertThat(cut.record().rows()).as("rows before the record").isEqualTo(cut.rows().size());
      assertThat(cut.record().code()).isEqualTo("bad-request");
      assertThat(cut.record().message()).isNotBlank().doesNotContain("division by zero");
      assertThat(cut.record().requestId()).isEqualTo(requestId);
      if (reader.recordCarriesResume()) {
        assertThat(cut.record().resume()).isNotBlank();
      }
      if (reader.namesRows()) {
        assertThat(cut.lastEventId()).as("the fail event repeats the last row's id: a reconnect resumes after it").isEqualTo(cut.lastRowId());
      }
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
