package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.SluiceClient;
import io.sluice.dataset.StreamRequest;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamFailedException;
import io.sluice.support.Backends;
import io.sluice.support.BridgeSocket;
import io.sluice.support.FirstColumnCollector;
import io.sluice.support.Fixtures;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.sluice.support.TestSluice;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The event bus (the Java client) and the TCP bridge get what HTTP gets: their streams in the
 * per-dataset metrics, the rate cap, and signed resume tokens that go on exactly where a cut
 * stream stopped, checked like HTTP's.
 */
@DisplayName("Streams of the event bus and the bridge")
class TransportsIT extends ServiceTest {

  private static final String ALL_IDS = "SELECT id FROM transactions ORDER BY id";
  private static final int FETCH_SIZE = 100;
  private static final long DATASET_MAX = 2_000;
  private static int bridgePort;
  private static Context service;
  private static SluiceClient client;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    bridgePort = TestSluice.freePort();
    startSluice(vertx, json -> {
      json.put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort));
      JsonObject capped = Fixtures.testDatasets().getJsonObject(0).copy().put("name", "series_capped").put("maxRowsPerSecond", DATASET_MAX);
      json.getJsonArray("datasets").add(capped);
    });
    service = vertx.getOrCreateContext();
    client = SluiceClient.create(vertx);
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  /** Runs {@code action} on the service's context, as a verticle's code would, and waits for its outcome. */
  private static <T> T onService(Supplier<Future<T>> action) throws Exception {
    Promise<T> outcome = Promise.promise();
    service.runOnContext(v -> action.get().onComplete(outcome));
    return outcome.future().await(60, TimeUnit.SECONDS);
  }

  private static Throwable failureOf(Supplier<Future<?>> action) throws Exception {
    Promise<Throwable> outcome = Promise.promise();
    service.runOnContext(v -> action.get().onComplete(ar -> outcome.complete(ar.cause())));
    return outcome.future().await(60, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a bus stream and a bridge stream show up in /metrics under their dataset, format bus and bridge: ended, rows, time to first row")
  void metered() throws Exception {
    String before = scrape();
    FirstColumnCollector rows = new FirstColumnCollector();
    onService(() -> client.open("series", Map.of("count", "250")).compose(stream -> stream.pipeTo(rows)));
    assertThat(rows.values).hasSize(250);
    String stream = UUID.randomUUID().toString();
    try (BridgeSocket bridge = BridgeSocket.connect(bridgePort)) {
      bridge.send(open(stream, new JsonObject().put("dataset", "series").put("params", new JsonObject().put("count", "120")))).register(data(stream));
      assertThat(bridge.read().getString("type")).isEqualTo("message");
      bridge.send(control(stream), "credit", new JsonObject().put("n", 100));
      assertThat(readUntilEnd(bridge, new ArrayList<>(), new ArrayList<>()).getJsonObject("body").getLong("rows")).isEqualTo(120);
    }
    Throwable refused = failureOf(() -> client.open("series", Map.of("count", "abc")));
    assertThat(refused).isInstanceOf(StreamFailedException.class);

    await().atMost(Duration.ofSeconds(10)).until(() -> {
      String now = scrape();
      return grew(before, now, ended("series", "bridge", "complete")) == 1 && grew(before, now, ended("series", "bus", "complete")) == 1;
    });
    String after = scrape();
    for (String transport : List.of("bus", "bridge")) {
      assertThat(grew(before, after, ended("series", transport, "complete"))).as("%s streams ended complete", transport).isEqualTo(1);
      assertThat(grew(before, after, tagged("sluice_time_to_first_row_seconds_count", "series", transport))).as("%s first rows", transport)
          .isEqualTo(1);
      assertThat(value(after, tagged("sluice_streams_active", "series", transport))).as("%s streams active", transport).isZero();
    }
    assertThat(grew(before, after, tagged("sluice_rows_sent_total", "series", "bus"))).isEqualTo(250);
    assertThat(grew(before, after, tagged("sluice_rows_sent_total", "series", "bridge"))).isEqualTo(120);
    assertThat(grew(before, after, "sluice_streams_refused_total{dataset=\"series\",reason=\"bad-request\"}")).isEqualTo(1);
  }

  @Test
  @DisplayName("a bus stream capped at 1000 rows/s: the cursor never reads more than rate * elapsed + a burst + the pipeline's batches, and every row comes once")
  void busStreamIsRateCapped() throws Exception {
    long rate = 1_000;
    int count = 3_000;
    double burst = Math.min(rate, FETCH_SIZE);
    // the batch that emptied the cap, the client's window, the transform's two ahead, one being fetched
    double slack = (1 + SluiceClient.DEFAULT_WINDOW + 2 + 1) * FETCH_SIZE;
    double readBefore = sluice.metrics().rowsRead();
    List<Object> values = new ArrayList<>();
    double[] mostAhead = {Double.NEGATIVE_INFINITY};
    long start = System.nanoTime();

    onService(() -> client.maxRate(rate).open("series", Map.of("count", String.valueOf(count))).compose(stream -> {
      Promise<Void> ended = Promise.promise();
      stream.endHandler(ended::complete).exceptionHandler(ended::fail);
      stream.handler(batch -> {
        double read = sluice.metrics().rowsRead() - readBefore;
        double elapsed = (System.nanoTime() - start) / 1e9; // after the counter: an upper bound of the cap's time
        mostAhead[0] = Math.max(mostAhead[0], read - rate * elapsed);
        batch.rows().forEach(row -> values.add(row[0]));
      });
      return ended.future();
    }));

    assertThat(values).hasSize(count);
    for (int i = 0; i < count; i++) {
      assertThat(((Number) values.get(i)).longValue()).isEqualTo(i + 1L);
    }
    assertThat(mostAhead[0]).as("most rows the cursor read ahead of rate * elapsed").isLessThanOrEqualTo(burst + slack);
  }

  @Test
  @DisplayName("a bus stream asking more than its dataset's maxRowsPerSecond is refused, naming maxRate")
  void maxRateAboveTheDatasets() throws Exception {
    Throwable refused = failureOf(() -> client.maxRate(DATASET_MAX + 1).open("series_capped", Map.of("count", "5")));

    assertThat(refused).isInstanceOf(StreamFailedException.class);
    assertThat(((StreamFailedException) refused).error().code()).isEqualTo("bad-request");
    assertThat(((StreamFailedException) refused).error().parameter()).isEqualTo("maxRate");
    assertThat(((StreamFailedException) refused).error().message()).contains("at most " + DATASET_MAX);
  }

  @Test
  @DisplayName("a cut bus stream reports a signed resume token, and the Java client's stream opened with it completes the export: every row once")
  void busTokenResumesExactly() throws Exception {
    List<String> ids = new ArrayList<>();
    Promise<StreamFailedException> cut = Promise.promise();
    onService(() -> client.open("transactions_raw", Map.of()).map(stream -> {
      stream.exceptionHandler(err -> cut.complete((StreamFailedException) err));
      stream.handler(batch -> {
        batch.rows().forEach(row -> ids.add(String.valueOf(row[0])));
        stream.pause();
      });
      return null;
    }));
    await().atMost(Duration.ofSeconds(20)).until(() -> sluice.metrics().awaitingCredit() == 1);

    assertThat(Backends.terminate("idle in transaction")).isEqualTo(1);
    StreamFailedException failure = cut.future().await(30, TimeUnit.SECONDS);

    assertThat(failure.error().code()).isEqualTo("database-unavailable");
    assertThat(failure.resumeToken()).startsWith("v1.");
    FirstColumnCollector rest = new FirstColumnCollector();
    onService(() -> client.open(new StreamRequest("transactions_raw", Map.of(), null), failure.resumeToken())
        .compose(stream -> stream.pipeTo(rest)));
    ids.addAll(rest.texts());
    assertThat(ids).isEqualTo(TestDatabase.copy(ALL_IDS));
  }

  @Test
  @DisplayName("a cut bridge stream: each batch's sluice-resume header and the error's resumeToken go on exactly, through the bridge")
  void bridgeTokenResumesExactly() throws Exception {
    List<String> ids = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    String first = UUID.randomUUID().toString();
    JsonObject error;
    try (BridgeSocket bridge = BridgeSocket.connect(bridgePort)) {
      bridge.send(open(first, new JsonObject().put("dataset", "transactions_raw"))).register(data(first));
      assertThat(bridge.read().getString("type")).isEqualTo("message");
      bridge.send(control(first), "credit", new JsonObject().put("n", 2));
      await().atMost(Duration.ofSeconds(20)).until(() -> sluice.metrics().awaitingCredit() == 1);
      assertThat(Backends.terminate("idle in transaction")).isEqualTo(1);
      error = readUntilEnd(bridge, ids, tokens);
    }

    assertThat(kind(error)).isEqualTo("error");
    assertThat(ids).hasSizeGreaterThan(1);
    assertThat(tokens).hasSize(2).allSatisfy(token -> assertThat(token).startsWith("v1."));
    String token = error.getJsonObject("body").getString("resumeToken");
    assertThat(token).as("the error's token, after the last row sent").isEqualTo(tokens.get(tokens.size() - 1));
    String rest = UUID.randomUUID().toString();
    try (BridgeSocket bridge = BridgeSocket.connect(bridgePort)) {
      JsonObject open = open(rest, new JsonObject().put("dataset", "transactions_raw"));
      open.getJsonObject("body").put("resumeToken", token);
      bridge.send(open).register(data(rest));
      assertThat(bridge.read().getString("type")).isEqualTo("message");
      bridge.send(control(rest), "credit", new JsonObject().put("n", 1_000));
      assertThat(kind(readUntilEnd(bridge, ids, new ArrayList<>()))).isEqualTo("end");
    }
    assertThat(ids).isEqualTo(TestDatabase.copy(ALL_IDS));
  }

  @Test
  @DisplayName("a forged or changed token is refused on the bus and through the bridge, as bad-request naming resumeToken")
  void forgedTokenRefused() throws Exception {
    AtomicReference<StreamConsumer> opened = new AtomicReference<>();
    String good = onService(() -> client.open("series", Map.of("count", "300")).compose(stream -> {
      opened.set(stream);
      Promise<String> token = Promise.promise();
      stream.handler(batch -> {
        token.tryComplete(stream.resumeToken());
        stream.handler(null);
      });
      return token.future();
    }));
    assertThat(good).startsWith("v1.");
    String[] parts = good.split("\\.");
    String forged = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();

    Throwable bus = failureOf(() -> client.open(new StreamRequest("series", Map.of("count", "300"), null), forged));
    assertThat(bus).isInstanceOf(StreamFailedException.class);
    assertThat(((StreamFailedException) bus).error().code()).isEqualTo("bad-request");
    assertThat(((StreamFailedException) bus).error().parameter()).isEqualTo("resumeToken");
    assertThat(((StreamFailedException) bus).error().message()).contains("resume token").contains("signature");
    Throwable otherParams = failureOf(() -> client.open(new StreamRequest("series", Map.of("count", "301"), null), good));
    assertThat(((StreamFailedException) otherParams).error().message()).contains("resume token").contains("other parameters");

    String stream = UUID.randomUUID().toString();
    try (BridgeSocket bridge = BridgeSocket.connect(bridgePort)) {
      JsonObject open = open(stream, new JsonObject().put("dataset", "series").put("params", new JsonObject().put("count", "300")));
      open.getJsonObject("body").put("resumeToken", forged);
      bridge.send(open).register(data(stream));
      JsonObject refusal = bridge.read();
      assertThat(refusal.getString("type")).isEqualTo("err");
      JsonObject error = new JsonObject(refusal.getString("message"));
      assertThat(error.getString("code")).isEqualTo("bad-request");
      assertThat(error.getString("parameter")).isEqualTo("resumeToken");
      assertThat(error.getString("message")).contains("signature");
    }
  }

  /** Reads frames up to the stream's end or error, which it returns, adding each batch's first column and resume header. */
  private static JsonObject readUntilEnd(BridgeSocket bridge, List<String> ids, List<String> tokens) {
    JsonObject frame;
    while (!"end".equals(kind(frame = bridge.read())) && !"error".equals(kind(frame))) {
      if ("batch".equals(kind(frame))) {
        frame.getJsonObject("body").getJsonArray("rows").forEach(row -> ids.add(String.valueOf(((JsonObject) row).getValue("id"))));
        tokens.add(frame.getJsonObject("headers").getString("sluice-resume"));
      }
    }
    return frame;
  }

  private static JsonObject open(String stream, JsonObject request) {
    return new JsonObject().put("type", "send").put("address", "sluice.transform.open").put("replyAddress", "reply." + stream)
        .put("body", new JsonObject().put("stream", stream).put("replyTo", data(stream)).put("request", request)
            .put("credits", 0).put("leaseMs", 10_000));
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

  private static String scrape() {
    return Http.get(port, "/metrics").body();
  }

  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static double grew(String before, String after, String series) {
    return value(after, series) - value(before, series);
  }

  private static String ended(String dataset, String format, String status) {
    return "sluice_streams_ended_total{dataset=\"" + dataset + "\",format=\"" + format + "\",status=\"" + status + "\"}";
  }

  private static String tagged(String name, String dataset, String format) {
    return name + "{dataset=\"" + dataset + "\",format=\"" + format + "\"}";
  }
}
