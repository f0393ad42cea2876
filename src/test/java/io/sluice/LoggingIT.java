package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.sluice.support.ChildSluice;
import io.sluice.support.ClusterNodes;
import io.sluice.support.ClusterNodes.Node;
import io.sluice.support.Http;
import io.sluice.support.LogCapture;
import io.sluice.support.RawHttpClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
  private static final Set<String> AUDIT_FIELDS = Set.of("time", "requestId", "principal", "dataset", "params", "format", "status",
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

  private static String log(ChildSluice child) {
    try {
      return child.log();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
