package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A client that reads, but only a few hundred bytes a second: it takes bytes, so it is not
 * stalled, however short the stall timeout; the response waits on it with the cursor paused.
 */
@DisplayName("A client reading a few hundred bytes a second")
class SlowReaderIT extends ServiceTest {

  private static final int STALL_TIMEOUT_SECONDS = 10;
  private static final int BYTES_PER_TICK = 30;
  private static final long TICK_MS = 100;
  /** Enough bytes for several stall timeouts at 300 B/s. */
  private static final int BUDGET = 4_500;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.getJsonObject("http")
        .put("stallTimeoutSeconds", STALL_TIMEOUT_SECONDS).put("sendBufferSize", 1));
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  @Test
  @DisplayName("keeps being served a correct prefix while the cursor waits for credit, and is released within a second once it leaves")
  void slowReader() throws Exception {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    AtomicBoolean ended = new AtomicBoolean();
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    RawHttpClient client = RawHttpClient.send(port, "GET /v1/datasets/transactions_raw/rows HTTP/1.0\r\nHost: x\r\n\r\n", 1024);
    try {
      // 30 bytes every 100 ms: 300 bytes a second
      ticker.scheduleAtFixedRate(() -> {
        try {
          byte[] bytes = client.read(BYTES_PER_TICK);
          if (bytes.length == 0) {
            ended.set(true);
          }
          synchronized (raw) {
            raw.write(bytes);
          }
        } catch (IOException e) {
          ended.set(true);
        }
      }, 0, TICK_MS, TimeUnit.MILLISECONDS);

      await().atMost(Duration.ofSeconds(30)).until(() -> ended.get() || size(raw) >= BUDGET);
      ticker.shutdownNow();
      assertThat(ticker.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

      assertThat(ended).as("the service ended the response of a client that reads").isFalse();
      assertThat(sluice.metrics().activeCursors()).as("streams open").isEqualTo(1);
      assertThat(sluice.metrics().blockedResponses()).as("the response waits on its socket").isEqualTo(1);
      assertThat(sluice.metrics().awaitingCredit()).as("the cursor waits for credit").isEqualTo(1);
      List<String> lines = completeBodyLines(raw.toString(StandardCharsets.UTF_8));
      assertThat(lines).as("complete rows received").isNotEmpty();
      for (int i = 0; i < lines.size(); i++) {
        assertThat(new JsonObject(lines.get(i)).getLong("id")).as("row %d", i).isEqualTo(i + 1L);
      }
    } finally {
      ticker.shutdownNow();
      client.close();
    }

    // well under the lease: the client's close cancelled the stream
    await().atMost(Duration.ofSeconds(1)).until(() -> sluice.metrics().activeCursors() == 0 && Backends.busy() == 0);
  }

  private static int size(ByteArrayOutputStream raw) {
    synchronized (raw) {
      return raw.size();
    }
  }

  /** The complete lines of the body of a raw HTTP/1.0 response prefix. */
  private static List<String> completeBodyLines(String raw) {
    String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
    int lastNewline = body.lastIndexOf('\n');
    return lastNewline < 0 ? List.of() : body.substring(0, lastNewline).lines().toList();
  }
}
