package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Arrow's off-heap vectors under the process's cap ({@code http.arrowMemoryBytes}, here 1 MiB):
 * a stream that would pass it is failed, not the process: refused with {@code 503
 * memory-exhausted} when it cannot even start, cut with Arrow's truncated message naming the
 * limit when it runs out mid-way; its memory goes back, the gauge returns to 0, and the next
 * stream is served.
 */
@DisplayName("Arrow's memory cap")
class ArrowMemoryIT extends ServiceTest {

  private static final long CAP = 1024 * 1024;
  private static final int STREAMS = 8;
  private static final int ROWS = 1000;
  private static final Pattern ALLOCATED = Pattern.compile("(?m)^sluice_arrow_memory_allocated_bytes (\\S+)$");
  private static final ExecutorService CLIENTS = Executors.newFixedThreadPool(STREAMS);

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> {
      json.getJsonObject("http").put("arrowMemoryBytes", CAP).put("maxStreamsPerClient", 0);
      json.getJsonObject("database").put("poolSize", STREAMS);
      // batches of about 256 KiB: a stream's vectors hold about that much, so a few fit under the cap, not eight
      json.getJsonObject("stream").put("batchBytes", 256 * 1024);
      json.getJsonArray("datasets").add(new JsonObject()
          .put("name", "wide")
          .put("description", "rows of width bytes of text")
          .put("sql", "SELECT g AS n, repeat(md5(g::text), ($2 / 32)::int) AS wide FROM generate_series(1, $1::int) AS g")
          .put("orderBy", new JsonArray().add("n"))
          .put("parameters", new JsonArray()
              .add(new JsonObject().put("name", "count").put("type", "integer").put("required", true))
              .add(new JsonObject().put("name", "width").put("type", "integer").put("default", "20000"))));
    });
  }

  @AfterAll
  static void stopClients() {
    CLIENTS.shutdownNow();
  }

  /** A whole raw HTTP/1.1 response: status, body, whether it ended with the terminating chunk, trailers. */
  private static RawHttpClient.ChunkedBytes get(String pathAndQuery) {
    try (RawHttpClient client = RawHttpClient.get(port, pathAndQuery)) {
      return RawHttpClient.ChunkedBytes.decode(client.readBytesToEnd());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rows Arrow's own reader finds in {@code body}; it throws on a cut one. */
  private static long rows(byte[] body) throws IOException {
    try (RootAllocator allocator = new RootAllocator();
        ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(body), allocator)) {
      long rows = 0;
      while (reader.loadNextBatch()) {
        rows += reader.getVectorSchemaRoot().getRowCount();
      }
      return rows;
    }
  }

  private static double allocatedGauge() {
    Matcher m = ALLOCATED.matcher(Http.get(port, "/metrics").body());
    assertThat(m.find()).as("sluice_arrow_memory_allocated_bytes in the scrape").isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** The process is up, its Arrow memory all back: the gauge at 0, a stream served whole, nothing left on the database. */
  private static void recovered() throws IOException {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(allocatedGauge()).as("Arrow bytes allocated").isZero());
    RawHttpClient.ChunkedBytes later = get("/v1/datasets/wide/rows?count=50&format=arrow");
    assertThat(later.status()).isEqualTo(200);
    assertThat(later.complete()).isTrue();
    assertThat(later.trailers()).contains("Sluice-Status: complete");
    assertThat(rows(later.body())).isEqualTo(50);
    Backends.awaitReleased(sluice);
    assertThat(allocatedGauge()).isZero();
  }

  @Test
  @DisplayName("refuses with 503 memory-exhausted, naming the limit, a stream whose first batch does not fit")
  void refusedAtStart() throws Exception {
    HttpResponse<String> refused = Http.get(port, "/v1/datasets/wide/rows?count=3&width=2000000&format=arrow");

    assertThat(refused.statusCode()).isEqualTo(503);
    JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("memory-exhausted");
    assertThat(error.getString("message")).contains("http.arrowMemoryBytes").contains(Long.toString(CAP));
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    recovered();
  }

  @Test
  @DisplayName("fails some of 8 concurrent streams of wide rows cleanly (503 or a cut naming the limit), serves the rest whole, and stays up")
  void concurrentStreams() throws Exception {
    List<CompletableFuture<RawHttpClient.ChunkedBytes>> streams = java.util.stream.IntStream.range(0, STREAMS)
        .mapToObj(i -> CompletableFuture.supplyAsync(() -> get("/v1/datasets/wide/rows?count=" + ROWS + "&format=arrow"), CLIENTS))
        .toList();
    List<RawHttpClient.ChunkedBytes> responses = streams.stream().map(CompletableFuture::join).toList();

    List<RawHttpClient.ChunkedBytes> failed = responses.stream().filter(r -> r.status() != 200 || !r.complete()).toList();
    assertThat(failed).as("streams failed for the cap").isNotEmpty();
    for (RawHttpClient.ChunkedBytes response : failed) {
      String text = new String(response.body(), StandardCharsets.ISO_8859_1);
      if (response.status() == 503) {
        JsonObject error = new JsonObject(text).getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("memory-exhausted");
        assertThat(error.getString("message")).contains("http.arrowMemoryBytes");
      } else {
        assertThat(response.status()).isEqualTo(200);
        assertThat(text).as("the cut's truncated message").contains("sluice: stream cut after").contains("memory-exhausted")
            .contains("http.arrowMemoryBytes");
        assertThatThrownBy(() -> rows(response.body())).as("Arrow's reader on a cut body").isInstanceOf(IOException.class);
      }
    }
    for (RawHttpClient.ChunkedBytes response : responses.stream().filter(r -> r.status() == 200 && r.complete()).toList()) {
      assertThat(response.trailers()).contains("Sluice-Status: complete");
      assertThat(rows(response.body())).isEqualTo(ROWS);
    }
    recovered();
  }
}
