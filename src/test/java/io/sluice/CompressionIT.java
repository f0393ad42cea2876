package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Codings;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP compression of row streams and the completion contract: zstd as one frame per body,
 * flushed as it goes; HTTP/2 bodies compressed too, ending with their trailers when complete
 * and reset when cut; on every version a cut body never ends its coding cleanly.
 */
@DisplayName("A compressed stream")
class CompressionIT extends ServiceTest {

  private static final Logger LOG = LoggerFactory.getLogger(CompressionIT.class);
  private static final HttpClient HTTP11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** 20,000 rows, 200 batches of the tests' fetch size. */
  private static final String MANY_ROWS = "/v1/datasets/transactions/rows?limit=20000";
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

  @Test
  @DisplayName("HTTP/1.1 zstd: 20,000 rows are one zstd frame, which a single-frame decoder reads whole")
  void zstdIsOneFrame() throws Exception {
    String identity = Http.get(port, MANY_ROWS).body();

    HttpResponse<byte[]> response = HTTP11.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + MANY_ROWS))
        .header("Accept-Encoding", "zstd").build(), HttpResponse.BodyHandlers.ofByteArray());

    byte[] body = response.body();
    int frames = Codings.zstdFrames(body);
    LOG.info("HTTP/1.1 zstd: {} rows in {} frame(s), {} bytes ({} identity)", 20_000, frames, body.length, identity.length());
    assertThat(response.headers().firstValue("content-encoding")).hasValue("zstd");
    assertThat(frames).as("zstd frames in the body").isEqualTo(1);
    String decoded = Codings.decodeComplete("zstd", body);
    assertThat(decoded).isEqualTo(identity);
    assertThat(ids(decoded)).containsExactlyElementsOf(LongStream.rangeClosed(1, 20_000).boxed().toList());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gzip", "deflate", "zstd", "br"})
  @DisplayName("HTTP/1.1: a cut compressed body has no terminating chunk, no trailers, and a coding that never ends")
  void cutOverHttp11(String coding) throws Exception {
    try (RawHttpClient client = RawHttpClient.send(port, "GET " + CUT + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Accept-Encoding: " + coding + "\r\nConnection: close\r\n\r\n")) {
      byte[] raw = client.readBytesToEnd();
      RawHttpClient.ChunkedBytes response = RawHttpClient.ChunkedBytes.decode(raw);
      String head = new String(raw, StandardCharsets.ISO_8859_1).split("\r\n\r\n", 2)[0];

      assertThat(response.status()).isEqualTo(200);
      assertThat(head).containsIgnoringCase("content-encoding: " + coding);
      assertThat(response.complete()).as("terminating chunk present").isFalse();
      assertThat(new String(raw, StandardCharsets.ISO_8859_1)).doesNotContain("Sluice-Status:");
      Codings.Decoded decoded = Codings.decode(coding, response.body());
      LOG.info("HTTP/1.1 {}, cut: the decoder says {}", coding, decoded.failure());
      assertThat(decoded.endedCleanly()).as("the %s stream ends cleanly", coding).isFalse();
      assertCutRecordLast(decoded.text());
      if (coding.equals("zstd")) {
        assertThat(Codings.zstdFrames(response.body())).as("a complete zstd frame").isEqualTo(-1);
      }
    }
  }

  @Test
  @DisplayName("HTTP/1.1 zstd: a paced stream's first rows decode from its first bytes, long before its end")
  void zstdFlushesAsItGoes() throws Exception {
    // 100 rows a second for 100,000 rows: the end is 1,000 s away
    try (RawHttpClient client = RawHttpClient.send(port, "GET /v1/datasets/series/rows?count=100000&max_rate=100 HTTP/1.1\r\n"
        + "Host: 127.0.0.1\r\nAccept-Encoding: zstd\r\nConnection: close\r\n\r\n")) {
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      String decoded = "";
      while (!decoded.contains("\n")) {
        byte[] bytes = client.read(8192);
        assertThat(bytes).as("the connection ended before a row decoded").isNotEmpty();
        received.write(bytes);
        RawHttpClient.ChunkedBytes response = RawHttpClient.ChunkedBytes.decode(received.toByteArray());
        assertThat(response.complete()).as("the body ended").isFalse();
        decoded = Codings.decode("zstd", response.body()).text();
      }
      LOG.info("HTTP/1.1 zstd, paced: the first row decoded from the first {} bytes received", received.size());
      assertThat(new JsonObject(decoded.substring(0, decoded.indexOf('\n'))).getLong("n")).isEqualTo(1L);
      assertThat(received.size()).as("bytes received for the first row").isLessThan(4096);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gzip", "deflate", "zstd", "br"})
  @DisplayName("HTTP/2: a complete body is compressed as asked and decodes to every row, with its trailers")
  void completeOverHttp2(String coding) throws Exception {
    String identity = Http.get(port, COMPLETE).body();

    Outcome outcome = getOverHttp2(COMPLETE, coding);

    LOG.info("HTTP/2 {}: {} bytes ({} identity), trailers {}", coding, outcome.body().length(), identity.length(),
        outcome.response().trailers().names());
    assertThat(outcome.failure()).isNull();
    assertThat(outcome.response().getHeader("content-encoding")).isEqualTo(coding);
    assertThat(outcome.body().length()).isLessThan(identity.length() / 3);
    assertThat(Codings.decodeComplete(coding, outcome.body().getBytes())).isEqualTo(identity);
    assertThat(outcome.response().trailers().get("Sluice-Status")).isEqualTo("complete");
    assertThat(outcome.response().trailers().get("Sluice-Row-Count")).isEqualTo("2500");
  }

  @Test
  @DisplayName("HTTP/2 zstd: 20,000 rows are one zstd frame")
  void zstdIsOneFrameOverHttp2() throws Exception {
    Outcome outcome = getOverHttp2(MANY_ROWS, "zstd");

    byte[] body = outcome.body().getBytes();
    LOG.info("HTTP/2 zstd: {} rows in {} frame(s), {} bytes", 20_000, Codings.zstdFrames(body), body.length);
    assertThat(outcome.failure()).isNull();
    assertThat(outcome.response().getHeader("content-encoding")).isEqualTo("zstd");
    assertThat(Codings.zstdFrames(body)).isEqualTo(1);
    assertThat(ids(Codings.decodeComplete("zstd", body))).containsExactlyElementsOf(LongStream.rangeClosed(1, 20_000).boxed().toList());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gzip", "deflate", "zstd", "br"})
  @DisplayName("HTTP/2: a cut compressed body is reset with INTERNAL_ERROR, without trailers, its coding unfinished")
  void cutOverHttp2(String coding) throws Exception {
    Outcome outcome = getOverHttp2(CUT, coding);

    assertThat(outcome.response().statusCode()).isEqualTo(200);
    assertThat(outcome.response().getHeader("content-encoding")).isEqualTo(coding);
    assertThat(outcome.failure()).isInstanceOf(StreamResetException.class);
    assertThat(((StreamResetException) outcome.failure()).getCode()).as("RST_STREAM error code").isEqualTo(2);
    assertThat(outcome.response().trailers().names()).as("trailers").isEmpty();
    Codings.Decoded decoded = Codings.decode(coding, outcome.body().getBytes());
    LOG.info("HTTP/2 {}, cut: the decoder says {}", coding, decoded.failure());
    assertThat(decoded.endedCleanly()).as("the %s stream ends cleanly", coding).isFalse();
    assertCutRecordLast(decoded.text());
  }

  private record Outcome(HttpClientResponse response, Buffer body, Throwable failure) {}

  /** GETs {@code path} over h2c (prior knowledge) accepting {@code coding}; the body as it came, undecoded. */
  private static Outcome getOverHttp2(String path, String coding) throws Exception {
    Buffer body = Buffer.buffer();
    Promise<Throwable> ended = Promise.promise();
    HttpClientResponse response = http2.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(request -> request.putHeader("Accept-Encoding", coding).send())
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

  /** The rows of a cut body of {@code failing}, 1, 2, ..., then its in-band error record. */
  private static void assertCutRecordLast(String text) {
    List<String> lines = Arrays.asList(text.split("\n"));
    assertThat(lines.size()).isGreaterThan(1);
    JsonObject record = new JsonObject(lines.get(lines.size() - 1)).getJsonObject("_sluice");
    assertThat(record.getString("status")).isEqualTo("partial");
    assertThat(record.getLong("rows")).as("rows before the record").isEqualTo(lines.size() - 1L);
    assertThat(record.getJsonObject("error").getString("code")).isEqualTo("bad-request");
    assertThat(ids(String.join("\n", lines.subList(0, lines.size() - 1))))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, lines.size() - 1).boxed().toList());
  }

  private static List<Long> ids(String ndjson) {
    return ndjson.lines().map(line -> new JsonObject(line).getLong("id")).toList();
  }
}
