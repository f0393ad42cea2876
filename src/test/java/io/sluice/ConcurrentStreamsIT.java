package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.ConfigLoader;
import io.sluice.db.Database;
import io.sluice.support.Backends;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Sixty-four clients, each from an address of its own, with the shipped database and stream
 * settings: every one is served at once (status and first row while all the others still hold
 * their streams), none is queued or refused, and all of it is released when they leave.
 */
@DisplayName("Sixty-four concurrent clients with the shipped configuration")
class ConcurrentStreamsIT extends ServiceTest {

  private static final int CLIENTS = 64;
  /**
   * Rows of half a kilobyte over the test table's 50,000: 26 MB a stream, more than the kernel's
   * socket buffers and the stream's share of memory can take, so no stream can finish (and give
   * its connection back) while its client does not read. A short series fit whole into those
   * buffers now and then, and its connection was released before the count.
   */
  private static final String PATH = "/v1/datasets/padded/rows";
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    JsonObject shipped = ConfigLoader.loadJson(vertx, "conf/sluice.yaml").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    startSluice(vertx, json -> {
      // the shipped admission and stream settings; only where the database is and how backends are named come from the tests
      JsonObject database = shipped.getJsonObject("database").copy();
      database.put("url", json.getJsonObject("database").getString("url")).put("applicationName", TestSluice.APPLICATION_NAME);
      json.put("database", database);
      json.put("stream", shipped.getJsonObject("stream").copy());
      json.getJsonArray("datasets").add(new JsonObject()
          .put("name", "padded")
          .put("sql", "SELECT id AS n, repeat('x', 500) AS pad FROM transactions")
          .put("orderBy", new io.vertx.core.json.JsonArray().add("n")));
    });
  }

  @AfterEach
  void closeSockets() throws Exception {
    for (Socket socket : sockets) {
      socket.close();
    }
  }

  @Test
  @DisplayName("all 64 get their status and first row while every other stream is still open; no transaction is held after they leave")
  void allServedAtOnce() throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<String>> firstLines = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress("127.0.0." + (i + 2), 0)); // a client address of its own: per-client limits do not apply
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        sockets.add(socket);
        firstLines.add(clients.submit(() -> statusAndFirstRow(socket)));
      }
      for (Future<String> line : firstLines) {
        assertThat(line.get(30, TimeUnit.SECONDS)).as("status and first row").startsWith("200 {\"n\":1,\"pad\":\"xxx");
      }
      assertThat(sluice.metrics().registry().get("sluice.db.connections.held").gauge().value())
          .as("streams holding a connection while every client holds its stream").isEqualTo(CLIENTS);
    } finally {
      clients.shutdownNow();
    }
    closeSockets();
    sockets.clear();
    // the shipped configuration keeps sessions ready for the next streams (database.warmConnections): idle, never in a transaction
    int warm = Math.min(sluice.config().database().warmConnections(), sluice.config().database().poolSize());
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      assertThat(sluice.metrics().activeCursors()).as("open streams").isZero();
      assertThat(Backends.states()).as("backends of the service by state")
          .doesNotContainKeys("active", "idle in transaction", "idle in transaction (aborted)");
      assertThat(Backends.states().values().stream().mapToInt(Integer::intValue).sum()).as("backends beside the query pool and the kept sessions")
          .isLessThanOrEqualTo(Database.QUERY_POOL_SIZE + warm);
    });
  }

  /** Sends the request and reads the status line and the body's first row, then stops reading (the stream stays open). */
  private static String statusAndFirstRow(Socket socket) throws Exception {
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/x-ndjson\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 256);
    String status = in.readLine().split(" ")[1];
    String line;
    while (!(line = in.readLine()).isEmpty()) {
      // headers
    }
    in.readLine(); // the first chunk's size
    String row = in.readLine();
    return status + " " + row;
  }
}
