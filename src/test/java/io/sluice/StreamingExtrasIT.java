package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.BrotliInputStream;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.Sse;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Compression, heartbeats (at 1 s, so that a slow first fetch shows them) and the row estimate. */
@DisplayName("A stream, beyond its rows")
class StreamingExtrasIT extends ServiceTest {

  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final HttpClient HTTP2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
  private static final String ROWS = "/v1/datasets/transactions/rows?limit=3000";

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.getJsonObject("http").put("heartbeatSeconds", 1));
  }

  private static HttpResponse<byte[]> get(String pathAndQuery, String encoding) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .header("Accept-Encoding", encoding).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String decode(HttpResponse<byte[]> response) throws Exception {
    String encoding = response.headers().firstValue("content-encoding").orElse("identity");
    InputStream in = new ByteArrayInputStream(response.body());
    InputStream decoded = switch (encoding) {
      case "gzip" -> new GZIPInputStream(in);
      case "deflate" -> new InflaterInputStream(in);
      case "zstd" -> new ZstdInputStream(in);
      case "br" -> {
        Brotli4jLoader.ensureAvailability();
        yield new BrotliInputStream(in);
      }
      default -> in;
    };
    return new String(decoded.readAllBytes(), StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gzip", "deflate", "zstd", "br"})
  @DisplayName("is compressed as the client accepts, and decodes to the identity body with its trailers intact")
  void compression(String encoding) throws Exception {
    String identity = Http.get(port, ROWS).body();

    HttpResponse<byte[]> response = get(ROWS, encoding);

    assertThat(response.headers().firstValue("content-encoding")).hasValue(encoding);
    assertThat(response.body().length).isLessThan(identity.length() / 3);
    assertThat(decode(response)).isEqualTo(identity);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gzip", "deflate", "zstd", "br"})
  @DisplayName("over HTTP/2 is compressed too, and decodes to the identity body")
  void compressionOverHttp2(String encoding) throws Exception {
    String identity = Http.get(port, ROWS).body();

    HttpResponse<byte[]> response = HTTP2.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + ROWS))
        .header("Accept-Encoding", encoding).build(), HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.headers().firstValue("content-encoding")).hasValue(encoding);
    assertThat(response.body().length).isLessThan(identity.length() / 3);
    assertThat(decode(response)).isEqualTo(identity);
  }

  @Test
  @DisplayName("is not compressed when the client says identity")
  void identity() throws Exception {
    HttpResponse<byte[]> response = get(ROWS, "identity");

    assertThat(response.headers().firstValue("content-encoding").orElse("identity")).isEqualTo("identity");
    assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(Http.get(port, ROWS).body());
  }

  @Test
  @DisplayName("sends heartbeats while the first fetch is slow, through gzip, as blank lines NDJSON readers skip")
  void heartbeatsThroughGzip() throws Exception {
    HttpResponse<byte[]> response = get("/v1/datasets/slow_start/rows?sleep_ms=2500", "gzip");

    String body = decode(response);
    assertThat(response.headers().firstValue("content-encoding")).hasValue("gzip");
    assertThat(body).startsWith("\n");
    List<String> lines = Arrays.stream(body.split("\n")).filter(l -> !l.isBlank()).toList();
    assertThat(lines).hasSize(100);
    assertThat(new ObjectMapper().readerFor(java.util.Map.class).readValues(body).readAll()).hasSize(100);
  }

  @Test
  @DisplayName("commits the 200 with its first heartbeat, before any row exists")
  void heartbeatCommitsStatus() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/slow_start/rows?sleep_ms=2500&format=sse")) {
      String first = new String(client.read(4096), StandardCharsets.UTF_8);
      assertThat(first).startsWith("HTTP/1.1 200");

      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(first + client.readToEnd());
      assertThat(response.body()).startsWith(": heartbeat\n\n");
      List<Sse.Event> events = Sse.parse(response.body());
      assertThat(events).hasSize(101);
      assertThat(events.get(100).type()).isEqualTo("end");
    }
  }

  @Test
  @DisplayName("keeps a JSON array valid with its whitespace heartbeats")
  void jsonHeartbeats() throws Exception {
    String body = Http.get(port, "/v1/datasets/slow_start/rows?sleep_ms=1500&format=json").body();

    assertThat(body).startsWith("[\n");
    assertThat(new ObjectMapper().readTree(body).size()).isEqualTo(100);
  }

  @Test
  @DisplayName("tells the planner's row estimate in Sluice-Estimated-Rows")
  void estimate() {
    HttpResponse<String> limited = Http.get(port, "/v1/datasets/transactions_raw/rows?limit=10");
    HttpResponse<String> series = Http.get(port, "/v1/datasets/series/rows?count=5");

    assertThat(limited.headers().firstValue("sluice-estimated-rows")).hasValue("10");
    assertThat(series.headers().firstValue("sluice-estimated-rows")).isPresent();
  }
}
