package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.sluice.logging.ProcessLogging;
import io.sluice.logging.StderrLog;
import io.sluice.support.Backends;
import io.sluice.support.BridgeSocket;
import io.sluice.support.ChildSluice;
import io.sluice.support.ClusterNodes;
import io.sluice.support.ClusterNodes.Node;
import io.sluice.support.Http;
import io.sluice.support.LogCapture;
import io.sluice.support.LoggingProbe;
import io.sluice.support.RawHttpClient;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log as operators get it: {@code target/sluice.jar} in a process of its own, whose output
 * is a file (not a terminal), in the format {@code SLUICE_LOG_FORMAT} chooses; and a two-node
 * cluster in this JVM, its lines encoded by the JSON format's encoder. Every line a stream's
 * stages log (cursor, transform, HTTP, the protocol's ends, the audit) carries its request id.
 */
@DisplayName("The log")
@ExtendWith(VertxExtension.class)
class LoggingIT {

  private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern TEXT_LINE = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO |WARN |ERROR) \\[.*");
  private static final String AUDIT = "sluice.audit";
  private static final Set<String> AUDIT_FIELDS = Set.of("time", "requestId", "principal", "dataset", "params", "keyId", "format", "status",
      "httpStatus", "errorCode", "rows", "bytes", "durationMs");

  /**
   * The stage a line of a stream's comes from, by its logger, or null for a line that is not
   * a stream's: start-up, lookups refreshing, the libraries.
   */
  private static String stageOf(String logger) {
    if (logger.equals(AUDIT)) {
      return "audit";
    }
    if (logger.equals("io.sluice.transform.LookupTable")) {
      return null; // refreshes on a timer, for no stream
    }
    if (logger.startsWith("io.sluice.stage.Transform")) {
      return "transform";
    }
    if (logger.startsWith("io.sluice.stage.Source")) {
      return "cursor"; // the source stage, whose keyset source is the cursor
    }
    for (String stage : List.of("cursor", "transform", "http", "protocol")) {
      if (logger.startsWith("io.sluice." + stage + ".")) {
        return stage;
      }
    }
    return null;
  }

  private static List<JsonObject> jsonLines(String output) {
    return output.lines().filter(line -> !line.isBlank()).map(line -> {
      try {
        return new JsonObject(line);
      } catch (DecodeException e) {
        throw new AssertionError("not a JSON line: " + line, e);
      }
    }).toList();
  }

  /** The lines of streams, from the stages' loggers; each must carry one of {@code requestIds}. */
  private static List<JsonObject> streamLines(List<JsonObject> lines, Set<String> requestIds) {
    List<JsonObject> stream = lines.stream().filter(line -> stageOf(line.getString("logger_name")) != null).toList();
    assertThat(stream).as("lines of the stages").allSatisfy(line ->
        assertThat(line.getString("requestId")).as("requestId of " + line.encode()).isIn(requestIds));
    return stream;
  }

  /** The stages that logged lines with {@code requestId}. */
  private static Set<String> stagesOf(List<JsonObject> lines, String requestId) {
    return Set.copyOf(lines.stream().filter(line -> requestId.equals(line.getString("requestId")))
        .map(line -> stageOf(line.getString("logger_name"))).toList());
  }

  /** Waits until {@code streams} streams have written their audit line and closed their cursor (the last lines of a stream). */
  private static void awaitEnds(Supplier<List<JsonObject>> lines, int streams) {
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      List<JsonObject> all = lines.get();
      return all.stream().filter(line -> AUDIT.equals(line.getString("logger_name"))).count() >= streams
          && all.stream().filter(line -> "io.sluice.cursor.CursorStream".equals(line.getString("logger_name"))
              && line.getString("message").contains("closed after")).count() >= streams;
    });
  }

  private static JsonObject auditOf(List<JsonObject> lines, String requestId) {
    List<JsonObject> audit = lines.stream()
        .filter(line -> AUDIT.equals(line.getString("logger_name")) && requestId.equals(line.getString("requestId"))).toList();
    assertThat(audit).as("audit lines of " + requestId).hasSize(1);
    return audit.get(0);
  }

  @Test
  @DisplayName("in JSON, carries the client's X-Request-Id on every line of its stream in every stage, and replaces an unfit one")
  void jsonLinesCarryTheRequestId(Vertx vertx) throws Exception {
    String id = "logging-it-" + UUID.randomUUID();
    String failingId = "logging-it-failing-" + UUID.randomUUID();
    String unfit = "unfit id \"" + UUID.randomUUID() + "\" <script>";
    String tooLong = "x".repeat(129);
    try (ChildSluice child = ChildSluice.start(vertx, json -> {}, Map.of("SLUICE_LOG_FORMAT", "json", "SLUICE_LOG_LEVEL", "DEBUG"))) {
      HttpResponse<String> response = Http.get(child.port(), "/v1/datasets/series/rows?count=5", "X-Request-Id", id);
      String failing;
      try (RawHttpClient client = RawHttpClient.send(child.port(), "GET /v1/datasets/failing/rows?fail_at=2500 HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\nX-Request-Id: " + failingId + "\r\nConnection: close\r\n\r\n")) {
        failing = RawHttpClient.Chunked.decode(client.readToEnd()).body();
      }
      HttpResponse<String> unfitResponse = Http.get(child.port(), "/v1/datasets/series/rows?count=3", "X-Request-Id", unfit);
      HttpResponse<String> longResponse = Http.get(child.port(), "/v1/datasets/series/rows?count=3", "X-Request-Id", tooLong);

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("X-Request-Id")).hasValue(id);
      assertThat(failing).as("the cut record").contains(failingId);
      String replaced = unfitResponse.headers().firstValue("X-Request-Id").orElseThrow();
      String replacedLong = longResponse.headers().firstValue("X-Request-Id").orElseThrow();
      assertThat(List.of(replaced, replacedLong)).as("generated ids").allMatch(generated -> UUID_TEXT.matcher(generated).matches())
          .doesNotHaveDuplicates();
      awaitEnds(() -> jsonLines(log(child)), 4);

      List<JsonObject> lines = jsonLines(log(child));
      List<JsonObject> stream = streamLines(lines, Set.of(id, failingId, replaced, replacedLong));
      assertThat(stagesOf(stream, id)).as("stages that logged the stream").contains("cursor", "transform", "http", "audit");
      assertThat(stagesOf(stream, failingId)).as("stages that logged the failing stream").contains("cursor", "transform", "http", "audit");
      assertThat(stream).as("the failure, at WARN in the cursor stage").anySatisfy(line -> {
        assertThat(line.getString("requestId")).isEqualTo(failingId);
        assertThat(line.getString("level")).isEqualTo("WARN");
        assertThat(line.getString("logger_name")).isEqualTo("io.sluice.cursor.CursorStream");
      });
      JsonObject audit = auditOf(lines, id);
      assertThat(audit.fieldNames()).as("the audit's fields, as fields of the line").containsAll(AUDIT_FIELDS).doesNotContain("message");
      assertThat(audit.getJsonObject("params")).isEqualTo(new JsonObject().put("count", "5"));
      assertThat(audit.getString("status")).isEqualTo("complete");
      assertThat(audit.getLong("rows")).isEqualTo(5);
      assertThat(audit.containsKey("errorCode")).isTrue();
      assertThat(auditOf(lines, replaced).getJsonObject("params")).isEqualTo(new JsonObject().put("count", "3"));
      auditOf(lines, replacedLong);
      assertThat(log(child)).as("the unfit ids").doesNotContain("<script>").doesNotContain(tooLong);
    }
  }

  @Test
  @DisplayName("in text, shows the request id in brackets before the message, and the audit object alone on its line, as before")
  void text(Vertx vertx) throws Exception {
    String id = "logging-it-text-" + UUID.randomUUID();
    try (ChildSluice child = ChildSluice.start(vertx, json -> {}, Map.of("SLUICE_LOG_FORMAT", "text"))) {
      assertThat(Http.get(child.port(), "/v1/datasets/series/rows?count=2", "X-Request-Id", id).statusCode()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(20)).until(() -> log(child).lines().anyMatch(line -> line.startsWith("{") && line.contains(id)));
      List<String> lines = log(child).lines().filter(line -> TEXT_LINE.matcher(line).matches() || line.startsWith("{")).toList();
      assertThat(lines).anySatisfy(line -> assertThat(line).matches(TEXT_LINE).contains(" - Sluice serving"));
      assertThat(lines).anySatisfy(line -> assertThat(line).matches(TEXT_LINE).contains(" - [" + id + "] stream ")
          .contains(" opened for dataset 'series'"));
      List<JsonObject> audit = lines.stream().filter(line -> line.startsWith("{")).map(JsonObject::new).toList();
      assertThat(audit).singleElement().satisfies(line -> {
        assertThat(line.fieldNames()).as("the audit line's shape").isEqualTo(AUDIT_FIELDS);
        assertThat(line.getString("requestId")).isEqualTo(id);
      });
    }
  }

  @ParameterizedTest(name = "SLUICE_LOG_FORMAT={0}")
  @ValueSource(strings = {"auto", "AUTO", ""})
  @DisplayName("by default (auto), is JSON when the output is not a terminal")
  void autoOffTerminal(String format, Vertx vertx) throws Exception {
    String id = "logging-it-auto-" + UUID.randomUUID();
    try (ChildSluice child = ChildSluice.start(vertx, json -> {}, Map.of("SLUICE_LOG_FORMAT", format))) {
      assertThat(Http.get(child.port(), "/v1/datasets/series/rows?count=2", "X-Request-Id", id).statusCode()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(20)).until(() -> jsonLines(log(child)).stream()
          .anyMatch(line -> AUDIT.equals(line.getString("logger_name"))));
      List<JsonObject> lines = jsonLines(log(child));
      assertThat(lines).anySatisfy(line -> assertThat(line.getString("message")).startsWith("Sluice serving"));
      assertThat(auditOf(lines, id).getString("status")).isEqualTo("complete");
    }
  }

  @Test
  @DisplayName("carries the request id to the stages of another node: a stream opened on an HTTP-only node, read on a cursor node")
  void acrossNodes() throws Exception {
    ch.qos.logback.classic.Logger sluiceLogger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.sluice");
    Level level = sluiceLogger.getLevel();
    String id = "logging-it-cluster-" + UUID.randomUUID();
    try (ClusterNodes cluster = new ClusterNodes(2)) {
      Node front = cluster.start("http");
      cluster.start("transform,cursor");
      sluiceLogger.setLevel(Level.DEBUG);
      try (LogCapture log = LogCapture.of(Logger.ROOT_LOGGER_NAME)) {
        HttpResponse<String> response = Http.get(front.port(), "/v1/datasets/series/rows?count=5", "X-Request-Id", id);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Request-Id")).hasValue(id);
        awaitEnds(log::json, 1);
        List<JsonObject> stream = streamLines(log.json(), Set.of(id));
        assertThat(stagesOf(stream, id)).contains("cursor", "transform", "http", "audit");
      } finally {
        sluiceLogger.setLevel(level);
      }
    }
  }

  @Test
  @DisplayName("in JSON, writes nothing but JSON objects, one a line, to stdout and stderr: a clustered start, backends terminated"
      + " under running streams, an unhandled exception in a handler")
  void nothingButJson(Vertx vertx) throws Exception {
    String id = "logging-it-terminated-" + UUID.randomUUID();
    Set<String> ids = Set.of(id, id + "-0", id + "-1");
    int bridgePort = TestSluice.freePort();
    try (ClusterNodes cluster = new ClusterNodes(1)) {
      JsonObject member = cluster.nextMember();
      try (ChildSluice child = ChildSluice.start(vertx, json -> {
        json.put("cluster", member);
        json.getJsonObject("http").put("sendBufferSize", 32 * 1024);
        json.put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort));
      }, Map.of("SLUICE_LOG_FORMAT", "json"))) {
        List<RawHttpClient> stalled = new ArrayList<>();
        try {
          for (int i = 0; i < 2; i++) {
            stalled.add(RawHttpClient.send(child.port(), "GET /v1/datasets/transactions_raw/rows HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "X-Request-Id: " + id + "-" + i + "\r\nConnection: close\r\n\r\n"));
          }
          await().atMost(Duration.ofSeconds(20))
              .until(() -> Backends.states(ChildSluice.APPLICATION_NAME).getOrDefault("idle in transaction", 0) == 2);

          assertThat(Backends.terminateAll(ChildSluice.APPLICATION_NAME)).as("backends terminated").isGreaterThanOrEqualTo(2);

          for (RawHttpClient client : stalled) {
            assertThat(RawHttpClient.Chunked.decode(client.readToEnd()).complete()).as("a stream whose backend was terminated").isFalse();
          }
        } finally {
          for (RawHttpClient client : stalled) {
            client.close();
          }
        }
        HttpResponse<String> after = await().atMost(Duration.ofSeconds(20))
            .until(() -> Http.get(child.port(), "/v1/datasets/series/rows?count=3", "X-Request-Id", id), r -> r.statusCode() == 200);
        assertThat(after.body().lines()).hasSize(3);
        // a frame without a type: the bridge throws in its handler, and Vert.x reports what nothing handled
        try (BridgeSocket bridge = BridgeSocket.connect(bridgePort)) {
          bridge.send(new JsonObject());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
          String log = log(child);
          return log.lines().filter(line -> line.contains("\"" + AUDIT + "\"") && line.contains(id)).count() >= 3
              && log.lines().filter(line -> line.contains("(57P01)")).count() >= 2
              && log.contains("Invalid frame type");
        });

        String log = log(child);
        List<String> notJson = log.lines().filter(line -> !isJsonObject(line)).toList();
        assertThat(notJson).as("lines that are not JSON objects, of %d", log.lines().count()).isEmpty();
        List<JsonObject> lines = jsonLines(log);
        assertThat(lines).as("Hazelcast's lines").anySatisfy(line -> assertThat(line.getString("logger_name")).startsWith("com.hazelcast."));
        assertThat(lines).as("PostgreSQL's FATAL, on the stream's line").filteredOn(line -> line.getString("message", "").contains("(57P01)"))
            .hasSizeGreaterThanOrEqualTo(2).allSatisfy(line -> {
              assertThat(line.getString("logger_name")).isEqualTo("io.sluice.cursor.CursorStream");
              assertThat(line.getString("requestId")).isIn(ids);
            });
        assertThat(lines).as("the unhandled exception, its stack in the line").anySatisfy(line -> {
          assertThat(line.getString("level")).isEqualTo("ERROR");
          assertThat(line.getString("stack_trace")).startsWith("java.lang.IllegalArgumentException: Invalid frame type").contains("\n\tat ");
        });
      }
    }
  }

  @Test
  @DisplayName("in JSON, writes what java.util.logging, Hazelcast, Netty, printStackTrace, stderr and uncaught exceptions say as JSON"
      + " objects, one a line, in a process whose logging is set up as Main sets it up")
  void everyChannel() throws Exception {
    Path output = Path.of("target", "logging-probe-" + UUID.randomUUID() + ".log");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", Path.of("target", "sluice.jar") + File.pathSeparator + Path.of("target", "test-classes"),
        "-Dlogback.configurationFile=logback.xml", LoggingProbe.class.getName())
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    builder.environment().put("SLUICE_LOG_FORMAT", "json");
    Process probe = builder.start();
    try {
      assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("the probe ended").isTrue();
    } finally {
      probe.destroyForcibly();
    }
    String log = Files.readString(output);

    assertThat(probe.exitValue()).as("exit status; output:%n%s", log).isZero();
    List<String> notJson = log.lines().filter(line -> !isJsonObject(line)).toList();
    assertThat(notJson).as("lines that are not JSON objects, of %d", log.lines().count()).isEmpty();
    List<JsonObject> lines = jsonLines(log).stream().filter(line -> line.encode().contains(LoggingProbe.PREFIX)).toList();
    assertThat(lines).as("the probe's lines").hasSize(7);
    JsonObject jul = probeLine(lines, "java.util.logging");
    assertThat(jul.getString("logger_name")).isEqualTo("probe.jul");
    assertThat(jul.getString("level")).isEqualTo("WARN");
    assertThat(probeLine(lines, "hazelcast").getString("logger_name")).isEqualTo("probe.hazelcast");
    assertThat(probeLine(lines, "netty").getString("logger_name")).isEqualTo("probe.netty");
    JsonObject stderr = probeLine(lines, "stderr");
    assertThat(stderr.getString("logger_name")).isEqualTo(StderrLog.LOGGER);
    assertThat(stderr.getString("level")).isEqualTo("WARN");
    JsonObject printed = probeLine(lines, "printed");
    assertThat(printed.getString("logger_name")).isEqualTo(StderrLog.LOGGER);
    assertThat(printed.getString("level")).isEqualTo("ERROR");
    assertThat(printed.getString("stack_trace")).contains("\tat io.sluice.support.LoggingProbe.main")
        .contains("Caused by: java.lang.IllegalArgumentException: probe: its cause");
    JsonObject uncaught = probeLine(lines, "uncaught");
    assertThat(uncaught.getString("logger_name")).isEqualTo(ProcessLogging.UNCAUGHT_LOGGER);
    assertThat(uncaught.getString("message")).contains("probe-thread");
    assertThat(uncaught.getString("stack_trace")).startsWith("java.lang.IllegalStateException: probe: uncaught");
    JsonObject unhandled = probeLine(lines, "unhandled");
    assertThat(unhandled.getString("logger_name")).startsWith("io.vertx.core.");
    assertThat(unhandled.getString("stack_trace")).startsWith("java.lang.IllegalStateException: probe: unhandled");
    Files.delete(output);
  }

  /** The one line of {@code lines} that carries the probe's {@code what}, in its message or its stack. */
  private static JsonObject probeLine(List<JsonObject> lines, String what) {
    List<JsonObject> found = lines.stream().filter(line -> (line.getString("message", "") + "\n" + line.getString("stack_trace", ""))
        .contains(LoggingProbe.PREFIX + what)).toList();
    assertThat(found).as("lines of %s", what).hasSize(1);
    return found.get(0);
  }

  private static boolean isJsonObject(String line) {
    try {
      new JsonObject(line);
      return true;
    } catch (DecodeException e) {
      return false;
    }
  }

  private static String log(ChildSluice child) {
    try {
      return child.log();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
