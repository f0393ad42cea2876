package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.dataset.StreamRequest;
import io.sluice.protocol.Frames;
import io.sluice.value.RowBatch;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.RecordingConsumer;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.sluice.support.Http;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Limits on a stream's life: batches bounded in bytes, the stall timeout and the whole-stream deadline. */
@DisplayName("A stream's limits")
class DeliveryLimitsIT extends ServiceTest {

  private static final int BATCH_BYTES = 256 * 1024;
  private static final long MAX_DURATION_MS = 4_000;
  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    startSluice(vertx, json -> {
      json.getJsonObject("http").put("stallTimeoutSeconds", 1).put("sendBufferSize", 16 * 1024);
      json.getJsonObject("stream").put("batchBytes", BATCH_BYTES).put("maxDurationMs", MAX_DURATION_MS);
    });
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  @Test
  @DisplayName("of 50 KB rows travels in batches of at most batchBytes, however many rows a fetch may hold")
  void batchesBoundedInBytes() throws Exception {
    RecordingConsumer listener = RecordingConsumer.flowing(vertx, 2).open(Frames.SOURCE_OPEN, "wide_rows", Map.of("count", "60"));

    await().atMost(Duration.ofSeconds(20)).until(listener::finished);

    assertThat(listener.errors).isEmpty();
    assertThat(listener.rows()).isEqualTo(60);
    assertThat(listener.batches).allSatisfy(batch -> assertThat(bytes(batch)).isLessThanOrEqualTo(BATCH_BYTES));
  }

  private static long bytes(RowBatch batch) {
    return batch.rows().stream().mapToLong(row -> ((String) row[1]).length() + 8).sum();
  }

  @Test
  @DisplayName("whose client takes nothing is ended after the stall timeout, however many bytes the client trickles in")
  void stalledClient() throws Exception {
    ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
    try (RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/transactions_raw/rows")) {
      trickler.scheduleAtFixedRate(() -> {
        try {
          client.trickle();
        } catch (Exception closed) {
          // the server gave up on us, as it should
        }
      }, 0, 200, TimeUnit.MILLISECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().blockedResponses() == 1);

      // cut 1 s after the client last took a byte (TimeLimitsIT measures it): released long before the lease or the idle timeout
      await().atMost(Duration.ofSeconds(3)).until(() -> sluice.metrics().activeCursors() == 0 && Backends.busy() == 0);
      assertThat(sluice.metrics().blockedResponses()).isZero();
    } finally {
      trickler.shutdownNow();
    }
  }

  @Test
  @DisplayName("of as many stalled clients as there are stream connections are each ended, every connection released, and a waiting client served")
  void stalledClientsExhaustThePool() throws Exception {
    int poolSize = sluice.config().database().poolSize();
    List<RawHttpClient> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < poolSize; i++) {
        stalled.add(RawHttpClient.get(port, "/v1/datasets/transactions_raw/rows"));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().blockedResponses() == poolSize);
      assertThat(Backends.states()).containsEntry("idle in transaction", poolSize);

      // every connection is taken: this one waits in the queue until the stalled ones are given up
      CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() -> Http.get(port, "/v1/datasets/series/rows?count=5"));

      HttpResponse<String> served = waiting.get(10, TimeUnit.SECONDS);
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(served.body().lines()).hasSize(5);
      // each given up 1 s after its client last took a byte: the last ones are released well under the lease
      await().atMost(Duration.ofSeconds(1)).until(() -> sluice.metrics().activeCursors() == 0 && Backends.busy() == 0);
      for (RawHttpClient client : stalled) {
        RawHttpClient.Chunked cut = RawHttpClient.Chunked.decode(client.readToEnd());
        assertThat(cut.status()).isEqualTo(200);
        assertThat(cut.complete()).as("a stalled client's body ends cleanly").isFalse();
      }
    } finally {
      for (RawHttpClient client : stalled) {
        client.close();
      }
    }
  }

  @Test
  @DisplayName("still running at its deadline ends with deadline-exceeded and releases everything")
  void deadline() throws Exception {
    RecordingConsumer listener = RecordingConsumer.paused(vertx, 1).open(Frames.SOURCE_OPEN, "series", Map.of("count", "1000000"));
    // one credit, never more: the stream waits, keeping the consumer's lease alive with pings

    await().atMost(Duration.ofMillis(MAX_DURATION_MS + 2_000)).until(listener::finished);

    assertThat(listener.rows()).isPositive();
    assertThat(listener.errors).singleElement().extracting(StreamError::code).isEqualTo(StreamError.DEADLINE_EXCEEDED);
  }
}
