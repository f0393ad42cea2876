package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.dataset.HealthProbe;
import io.sluice.support.Backends;
import io.sluice.support.BridgeSocket;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The credit protocol through the TCP event-bus bridge: the Node.js example consumer against
 * the database's own count, and raw bridge frames for what the bridge lets through and what not.
 */
@DisplayName("The TCP event-bus bridge")
class BridgeIT extends ServiceTest {

  private static final String OPEN = "sluice.transform.open";
  private static final int MAX_STREAMS = 2;
  private static int bridgePort;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    bridgePort = TestSluice.freePort();
    startSluice(vertx, json -> json.put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort)
        .put("maxStreamsPerClient", MAX_STREAMS)));
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  @Test
  @DisplayName("lets the Node.js example consumer stream a whole dataset with credits, every row of it")
  void nodeConsumerReadsWholeDataset() throws Exception {
    NodeRun run = node("--dataset", "transactions");

    assertThat(run.exitCode()).as("exit code; stderr: %s", run.stderr()).isZero();
    assertThat(Long.parseLong(run.stdout().strip())).isEqualTo(count("SELECT count(*) FROM transactions"));
  }

  @Test
  @DisplayName("passes the Node.js consumer's parameters to the dataset")
  void nodeConsumerWithParameters() throws Exception {
    NodeRun run = node("--dataset", "transactions", "--param", "status=settled", "--param", "currency=EUR", "--window", "2");

    assertThat(run.exitCode()).as("exit code; stderr: %s", run.stderr()).isZero();
    assertThat(Long.parseLong(run.stdout().strip()))
        .isEqualTo(count("SELECT count(*) FROM transactions WHERE status = 'settled' AND currency = 'EUR'"))
        .isPositive();
  }

  @Test
  @DisplayName("makes the Node.js consumer print a refused open and exit with 1")
  void nodeConsumerReportsRefusal() throws Exception {
    NodeRun run = node("--dataset", "no_such_dataset");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).contains("not-found").contains("no_such_dataset");
  }

  @Test
  @DisplayName("sends batches as JSON objects keyed by column name, value for value what NDJSON serves")
  void batchesAreJson() {
    List<JsonObject> ndjson = Arrays.stream(Http.get(port, "/v1/datasets/transactions/rows?limit=250").body().split("\n"))
        .map(JsonObject::new).toList();
    String stream = UUID.randomUUID().toString();
    try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
      client.send(open(stream, new JsonObject().put("dataset", "transactions").put("limit", 250))).register(data(stream));
      JsonObject reply = client.read();
      assertThat(reply.getString("address")).isEqualTo("reply." + stream);
      client.send(control(stream), "credit", new JsonObject().put("n", 100));

      List<JsonObject> rows = new ArrayList<>();
      JsonObject frame;
      while (!"end".equals(kind(frame = client.read()))) {
        if ("batch".equals(kind(frame))) {
          JsonObject batch = frame.getJsonObject("body");
          batch.getJsonArray("rows").forEach(row -> rows.add((JsonObject) row));
          assertThat(batch.getJsonArray("keys")).hasSize(batch.getJsonArray("rows").size());
        }
      }
      assertThat(frame.getJsonObject("body").getLong("rows")).isEqualTo(250);
      assertThat(rows).containsExactlyElementsOf(ndjson);
    }
  }

  @Test
  @DisplayName("refuses a client the data and control addresses of a stream another client opened, and its stream id")
  void streamsBelongToTheirClient() {
    String stream = UUID.randomUUID().toString();
    try (BridgeSocket owner = BridgeSocket.connect(bridgePort); BridgeSocket other = BridgeSocket.connect(bridgePort)) {
      owner.send(open(stream, new JsonObject().put("dataset", "transactions").put("limit", 10))).register(data(stream));
      assertThat(owner.read().getString("type")).isEqualTo("message");

      other.register(data(stream));
      assertRefused(other.read());
      other.send(control(stream), "credit", new JsonObject().put("n", 1));
      assertRefused(other.read());
      other.send(open(stream, new JsonObject().put("dataset", "transactions")));
      assertRefused(other.read());

      owner.send(control(stream), "credit", new JsonObject().put("n", 10));
      assertThat(rowsUntilEnd(owner)).isEqualTo(10);
      assertThat(other.read(Duration.ofMillis(200))).as("what the other client received").isNull();
    }
  }

  @Test
  @DisplayName("refuses an open of the built-in health probe as of an unknown dataset")
  void healthProbeIsNoDataset() {
    String stream = UUID.randomUUID().toString();
    try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
      client.send(open(stream, new JsonObject().put("dataset", HealthProbe.NAME))).register(data(stream));

      JsonObject refusal = client.read();
      assertRefused(refusal);
      assertThat(new JsonObject(refusal.getString("message")).getString("code")).isEqualTo("not-found");
    }
  }

  @Test
  @DisplayName("refuses an open whose data would go anywhere but the stream's own data address")
  void openMustReplyToItsDataAddress() {
    String stream = UUID.randomUUID().toString();
    try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
      JsonObject open = open(stream, new JsonObject().put("dataset", "transactions"));
      open.getJsonObject("body").put("replyTo", "sluice.cursor.open");
      client.send(open);

      assertRefused(client.read());
    }
  }

  @Test
  @DisplayName("refuses an open of an export's partition: a snapshot id is no credential, partitions are read over HTTP by their owner")
  void noPartitionsOverTheBridge() {
    String stream = UUID.randomUUID().toString();
    try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
      client.send(open(stream, new JsonObject().put("dataset", "transactions").put("partition", new JsonObject()
          .put("export", "x").put("snapshot", "00000003-0000001B-1").put("index", 0).put("count", 1))));

      JsonObject refusal = client.read();
      assertRefused(refusal);
      assertThat(new JsonObject(refusal.getString("message")).getString("parameter")).isEqualTo("partition");
    }
  }

  @Test
  @DisplayName("refuses addresses outside its allow-list, with the reason in 'message'")
  void allowList() {
    try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
      client.send(new JsonObject().put("type", "send").put("address", "sluice.cursor.open").put("replyAddress", "r")
          .put("body", new JsonObject()));
      assertThat(client.read()).isEqualTo(new JsonObject().put("type", "err").put("message", "access_denied"));

      client.send(new JsonObject().put("type", "publish").put("address", OPEN).put("body", new JsonObject()));
      assertRefused(client.read());

      client.register("sluice.cursor.check");
      assertRefused(client.read());
    }
  }

  @Test
  @DisplayName("cancels the stream of a client that disconnects mid-stream: no backend is left, long before the lease")
  void disconnectMidStream() {
    String stream = UUID.randomUUID().toString();
    try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
      client.send(open(stream, new JsonObject().put("dataset", "transactions_raw"))).register(data(stream));
      client.read();
      client.send(control(stream), "credit", new JsonObject().put("n", 2));
      JsonObject frame;
      while (!"batch".equals(kind(frame = client.read()))) {
        assertThat(kind(frame)).isIn("started", "ping");
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> Backends.busy() > 0);
    }
    // the open's lease is 10 s: a release within 3 s is the bridge's cancel
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() -> Backends.busy() == 0);
  }

  @Test
  @DisplayName("refuses a client more than maxStreamsPerClient streams, as too-many-streams on the open's reply address, until it unregisters one")
  void streamsPerClientAreBounded() {
    try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
      List<String> held = new ArrayList<>();
      for (int i = 0; i < MAX_STREAMS; i++) {
        String stream = UUID.randomUUID().toString();
        client.send(open(stream, new JsonObject().put("dataset", "series").put("params", new JsonObject().put("count", "10"))));
        assertThat(client.read().getString("type")).isEqualTo("message");
        held.add(stream);
      }

      String extra = UUID.randomUUID().toString();
      client.send(open(extra, new JsonObject().put("dataset", "series").put("params", new JsonObject().put("count", "10"))));
      JsonObject refused = client.read();
      assertThat(refused.getString("type")).isEqualTo("err");
      assertThat(refused.getString("address")).isEqualTo("reply." + extra);
      assertThat(refused.getInteger("failureCode")).isEqualTo(429);
      assertThat(new JsonObject(refused.getString("message")).getString("code")).isEqualTo("too-many-streams");

      client.send(new JsonObject().put("type", "unregister").put("address", data(held.get(0))));
      String next = UUID.randomUUID().toString();
      client.send(open(next, new JsonObject().put("dataset", "series").put("params", new JsonObject().put("count", "10"))));
      JsonObject accepted;
      do {
        accepted = client.read();
      } while ("err".equals(accepted.getString("type")) && accepted.getString("address") == null);
      assertThat(accepted.getString("address")).isEqualTo("reply." + next);
      assertThat(accepted.getString("type")).isEqualTo("message");
    }
  }

  @Test
  @DisplayName("survives the unknown-type trap: after a frame of an unknown type the connection answers nothing, and its stream is released by the lease")
  void unknownFrameType() {
    String stream = UUID.randomUUID().toString();
    try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
      JsonObject open = open(stream, new JsonObject().put("dataset", "transactions_raw"));
      open.getJsonObject("body").put("leaseMs", 2_000);
      client.send(open).register(data(stream));
      client.read();
      client.send(control(stream), "credit", new JsonObject().put("n", 1));
      await().atMost(Duration.ofSeconds(5)).until(() -> Backends.busy() > 0);

      client.send(new JsonObject().put("type", "hello").put("address", control(stream)));
      client.send(new JsonObject().put("type", "ping"));

      List<JsonObject> after = client.readUntilSilent(Duration.ofSeconds(1));
      assertThat(after).as("frames after the unknown type").noneMatch(frame -> "err".equals(frame.getString("type")))
          .noneMatch(frame -> "pong".equals(frame.getString("type")));
      // the client can send nothing any more, not even a ping: the producer gives it up after the lease
      await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(50)).until(() -> Backends.busy() == 0);
    }
  }

  private static JsonObject open(String stream, JsonObject request) {
    return new JsonObject().put("type", "send").put("address", OPEN).put("replyAddress", "reply." + stream)
        .put("body", new JsonObject().put("stream", stream).put("replyTo", data(stream)).put("request", request)
            .put("credits", 0).put("leaseMs", 10_000));
  }

  private static long rowsUntilEnd(BridgeSocket client) {
    long rows = 0;
    JsonObject frame;
    while (!"end".equals(kind(frame = client.read()))) {
      if ("batch".equals(kind(frame))) {
        rows += frame.getJsonObject("body").getJsonArray("rows").size();
      }
    }
    return rows;
  }

  private static void assertRefused(JsonObject frame) {
    assertThat(frame.getString("type")).as("frame %s", frame).isEqualTo("err");
  }

  private static String kind(JsonObject frame) {
    JsonObject headers = frame.getJsonObject("headers");
    return headers == null ? null : headers.getString("sluice-frame");
  }

  private static String data(String stream) {
    return "sluice.stream." + stream + ".data";
  }

  private static String control(String stream) {
    return "sluice.stream." + stream + ".control";
  }

  private static long count(String sql) throws SQLException {
    try (Connection conn = TestDatabase.jdbc(); ResultSet rs = conn.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private record NodeRun(int exitCode, String stdout, String stderr) {}

  /** Runs examples/node/consumer.js against the bridge; Node.js must be on the PATH (CI has it). */
  private static NodeRun node(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(nodeExecutable(), "examples/node/consumer.js", "--port", String.valueOf(bridgePort)));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("node-consumer", ".out");
    Path err = Files.createTempFile("node-consumer", ".err");
    Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the Node.js consumer did not finish within 120 s; stderr: " + Files.readString(err));
      }
      return new NodeRun(process.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static String nodeExecutable() {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(dir -> Path.of(dir, "node"))
        .filter(Files::isExecutable)
        .findFirst()
        .map(Path::toString)
        .orElseThrow(() -> new AssertionError("Node.js ('node') is not on the PATH: BridgeIT runs examples/node/consumer.js with it"));
  }
}
