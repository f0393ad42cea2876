package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.db.Database;
import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Two hundred clients at once on eight stream connections, each leaving at a seeded random
 * point (some read to the end): nothing leaks, not a backend, a stream, a blocked response,
 * nor heap.
 */
@DisplayName("Two hundred concurrent clients")
class ManyClientsIT extends ServiceTest {

  private static final int CLIENTS = 200;
  private static final int POOL_SIZE = 8;
  private static final int ROWS = 20_000;
  /** Bytes of the NDJSON body of {@value #ROWS} series rows, about. */
  private static final int BODY_BYTES = 600_000;
  private static final String PATH = "/v1/datasets/series/rows?count=" + ROWS;

  private enum Outcome { COMPLETE, CUT, BUSY }

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> {
      json.getJsonObject("http").put("sendBufferSize", 32 * 1024).put("maxStreamsPerClient", 0);
      json.getJsonObject("database").put("poolSize", POOL_SIZE).put("maxWaitQueue", CLIENTS).put("queueTimeoutMs", 30_000);
    });
  }

  @Test
  @DisplayName("leaving at random points leave no backend, no stream and no blocked response, and the heap as it was")
  void randomDisconnects() throws Exception {
    run(1); // warm-up: classes, JIT, Netty's and Vert.x's pools
    awaitNothingHeld();
    long before = heapAfterFullGc();

    Map<Outcome, Integer> outcomes = run(2);
    awaitNothingHeld();
    long after = heapAfterFullGc();

    assertThat(outcomes.getOrDefault(Outcome.COMPLETE, 0)).as("clients that read to the end").isPositive();
    assertThat(outcomes.getOrDefault(Outcome.CUT, 0)).as("clients that left early").isPositive();
    assertThat(after).as("heap after a full GC, before the run %d bytes", before).isLessThanOrEqualTo((long) (before * 1.10));
  }

  /** Runs {@value #CLIENTS} clients at once, seeded; each reads to the end or leaves after a random number of bytes. */
  private static Map<Outcome, Integer> run(long seed) throws Exception {
    Random random = new Random(seed);
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<Outcome>> results = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        boolean toTheEnd = random.nextInt(4) == 0;
        int budget = random.nextInt(BODY_BYTES);
        boolean reset = random.nextBoolean();
        results.add(clients.submit(() -> toTheEnd ? readToEnd() : leaveAfter(budget, reset)));
      }
      Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
      for (Future<Outcome> result : results) {
        outcomes.merge(result.get(60, TimeUnit.SECONDS), 1, Integer::sum);
      }
      return outcomes;
    } finally {
      clients.shutdownNow();
    }
  }

  private static Outcome readToEnd() throws Exception {
    try (RawHttpClient client = RawHttpClient.get(port, PATH)) {
      RawHttpClient.Chunked response = RawHttpClient.Chunked.decode(client.readToEnd());
      if (response.status() == 503) {
        assertThat(new JsonObject(response.body()).getJsonObject("error").getString("code")).isEqualTo("busy");
        return Outcome.BUSY;
      }
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.complete()).as("a client that reads everything gets a complete body").isTrue();
      assertThat(response.body().lines().count()).isEqualTo(ROWS);
      return Outcome.COMPLETE;
    }
  }

  private static Outcome leaveAfter(int budget, boolean reset) throws Exception {
    RawHttpClient client = RawHttpClient.get(port, PATH);
    for (int received = 0; received < budget; ) {
      byte[] bytes = client.read(Math.min(8 * 1024, budget - received));
      if (bytes.length == 0) {
        break;
      }
      received += bytes.length;
    }
    if (reset) {
      client.abort();
    } else {
      client.close();
    }
    return Outcome.CUT;
  }

  /** Waits until no stream, backend of a stream, blocked response or held connection is left. */
  private static void awaitNothingHeld() {
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      Map<String, Integer> states = Backends.states();
      assertThat(states).as("backends of the service").doesNotContainKeys("active", "idle in transaction", "idle in transaction (aborted)");
      assertThat(states.values().stream().mapToInt(Integer::intValue).sum()).as("backends beside the pool for short queries, in %s", states)
          .isLessThanOrEqualTo(Database.QUERY_POOL_SIZE);
      assertThat(sluice.metrics().activeCursors()).as("open streams").isZero();
      assertThat(sluice.metrics().blockedResponses()).as("blocked responses").isZero();
      assertThat(sluice.metrics().awaitingCredit()).as("cursors awaiting credit").isZero();
      assertThat(sluice.metrics().registry().get("sluice.db.connections.held").gauge().value()).as("connections held").isZero();
    });
  }

  /** Heap in use after a few full collections, measured in this JVM, where the service runs. */
  private static long heapAfterFullGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      memory.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
