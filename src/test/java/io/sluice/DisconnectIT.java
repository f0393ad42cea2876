package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that vanishes at any point releases everything: the stream is closed, the
 * prepared statement closed, the transaction rolled back and the connection returned, as
 * {@code pg_stat_activity} and the pooled connections show.
 */
@DisplayName("A client that disconnects")
class DisconnectIT extends ServiceTest {


  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.getJsonObject("http").put("sendBufferSize", 32 * 1024));
  }


  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  /** A cut at a byte count: 0 (before any answer), -1 (right after the headers), or that many response bytes; then a reset or a close. */
  @ParameterizedTest(name = "after {0} bytes")
  @ValueSource(ints = {0, -1, 1, 100, 1_000, 10_000, 100_000, 1_000_000, 4_000_000})
  @DisplayName("after any number of bytes leaves no backend and no stream open within a second")
  void afterNBytes(int n) throws Exception {
    // seeded by n: whether the client resets or closes, and a few bytes more or less
    Random random = new Random(n);
    int budget = n <= 0 ? n : n + random.nextInt(Math.max(1, n / 10));
    RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/transactions_raw/rows");
    if (budget == -1) {
      readHeaders(client);
    } else {
      for (int received = 0; received < budget; ) {
        byte[] bytes = client.read(Math.min(8 * 1024, budget - received));
        if (bytes.length == 0) {
          break;
        }
        received += bytes.length;
      }
    }

    if (random.nextBoolean()) {
      client.abort();
    } else {
      client.close();
    }

    // well under the lease: the client's leaving cancelled the stream
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() ->
        Backends.busy() == 0 && sluice.metrics().activeCursors() == 0 && sluice.metrics().blockedResponses() == 0);
  }

  private static void readHeaders(RawHttpClient client) throws IOException {
    int matched = 0;
    while (matched < 4) {
      byte[] b = client.read(1);
      if (b.length == 0) {
        throw new IOException("the response ended inside its headers");
      }
      matched = (b[0] == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b[0] == '\r' ? 1 : 0);
    }
  }

  @Test
  @DisplayName("while rows flow stops the stream and releases everything")
  void whileRowsFlow() throws Exception {
    RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/transactions_raw/rows");
    int received = 0;
    while (received < 64 * 1024) {
      received += client.read(8 * 1024).length;
    }
    double read = sluice.metrics().rowsRead();

    client.abort();

    Backends.awaitReleased(sluice);
    assertThat(sluice.metrics().rowsRead() - read).as("rows read after the client left").isLessThan(1_000);
  }

  @Test
  @DisplayName("while paused on a full socket is noticed although no drain will ever come")
  void whilePausedOnFullSocket() throws Exception {
    RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/transactions_raw/rows");
    await().atMost(Duration.ofSeconds(20)).until(() ->
        sluice.metrics().blockedResponses() == 1 && sluice.metrics().awaitingCredit() == 1);
    assertThat(Backends.states()).containsKey("idle in transaction");

    client.abort();

    Backends.awaitReleased(sluice);
    assertThat(sluice.metrics().blockedResponses()).isZero();
  }

  @Test
  @DisplayName("before the first row cancels the running query instead of waiting for it")
  void beforeFirstRow() throws Exception {
    RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/slow_start/rows?sleep_ms=60000");
    await().atMost(Duration.ofSeconds(10)).until(() -> Backends.states().getOrDefault("active", 0) == 1);

    client.abort();

    // the query sleeps for 60 s: released well before that means it was cancelled
    Backends.awaitReleased(sluice);
  }

  @Test
  @DisplayName("sees a cut stream, not a complete one, when the query fails mid-stream")
  void cutStream() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/failing/rows?fail_at=3000")) {
      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.complete()).as("terminating chunk present").isFalse();
      assertThat(response.body().split("\n").length).isBetween(100, 2999);
    }
  }

  @Test
  @DisplayName("gets a JSON error with its status when the query fails before the first row")
  void errorBeforeFirstRow() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/failing/rows?fail_at=1")) {
      String raw = client.readToEnd();

      assertThat(raw).startsWith("HTTP/1.1 400");
      assertThat(raw).contains("\"sqlState\":\"22012\"").contains("\"code\":\"bad-request\"").doesNotContain("division by zero");
    }
  }
}
