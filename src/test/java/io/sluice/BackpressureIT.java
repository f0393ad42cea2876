package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Backpressure")
class BackpressureIT extends ServiceTest {

  private static final int SEND_BUFFER = 32 * 1024;
  /** Allowance for what the kernel (both socket buffers) and Netty's outbound buffer hold. */
  private static final int BUFFER_ALLOWANCE = 1024 * 1024;
  private static final int MIN_ROW_BYTES = 150;


  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.getJsonObject("http").put("sendBufferSize", SEND_BUFFER));
  }


  @Test
  @DisplayName("holds a client that stops reading to a bounded number of rows in flight, then delivers every row once")
  void pausedClientBoundsRowsInFlight() throws Exception {
    int fetchSize = sluice.config().stream().fetchSize();
    int window = sluice.config().stream().window();
    double readBefore = sluice.metrics().rowsRead();

    try (RawHttpClient client = RawHttpClient.get(port, "/v1/datasets/transactions_raw/rows")) {
      // the client reads nothing: the socket fills, the response blocks, the cursor runs out of credit
      await().atMost(Duration.ofSeconds(20)).until(() ->
          sluice.metrics().blockedResponses() == 1 && sluice.metrics().awaitingCredit() == 1);

      double inFlight = sluice.metrics().rowsRead() - readBefore;
      // credits granted ahead + the cursor's own batch + what socket and Netty buffers hold
      long bound = (long) (window + 1) * fetchSize + BUFFER_ALLOWANCE / MIN_ROW_BYTES;
      assertThat(inFlight).as("rows read from PostgreSQL while the client reads nothing").isPositive().isLessThanOrEqualTo(bound);
      assertThat(bound).isLessThan(TestDatabase.DEMO_ROWS / 5);
      // stalled: nothing moves until the client reads
      assertThat(sluice.metrics().blockedResponses()).isEqualTo(1);

      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.complete()).isTrue();
      assertThat(response.trailers()).contains("Sluice-Row-Count: " + TestDatabase.DEMO_ROWS).contains("Sluice-Status: complete");
      String[] lines = response.body().split("\n");
      assertThat(lines).hasSize(TestDatabase.DEMO_ROWS);
      for (int i = 0; i < lines.length; i++) {
        assertThat(new JsonObject(lines[i]).getLong("id")).isEqualTo(i + 1L);
      }
    }
    Backends.awaitReleased(sluice);
    assertThat(sluice.metrics().blockedResponses()).isZero();
  }
}
