package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.resume.ResumeTokens;
import io.sluice.support.Backends;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestDatabase;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Resuming: segments cut anywhere add up to one {@code COPY} of the query, with {@code
 * after=} (the client's own last row) and with the token of a cut stream's last record.
 */
@DisplayName("Resuming a stream")
class ResumeIT extends ServiceTest {

  private static final ResumeTokens TOKENS = new ResumeTokens(TestSluice.RESUME_KEY, 60);

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.getJsonObject("http").put("sendBufferSize", 32 * 1024));
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  /** Reads the complete lines of at most {@code budget} body bytes of an NDJSON export, then drops the connection. */
  private static List<String> linesWithin(String path, int budget) throws IOException {
    try (RawHttpClient client = RawHttpClient.send(port,
        "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n")) {
      byte[] body = client.readBodyUpTo(budget);
      String text = new String(body, StandardCharsets.UTF_8);
      int lastNewline = text.lastIndexOf('\n');
      List<String> lines = lastNewline < 0 ? List.of() : text.substring(0, lastNewline).lines().toList();
      client.abort();
      return lines;
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  @DisplayName("with after= from clients cut after a random number of bytes adds up to one COPY of the query")
  void afterCutsAnywhere(long seed) throws Exception {
    Random random = new Random(seed);
    List<String> ids = new ArrayList<>();
    String after = null;
    for (int segment = 0; segment < 200; segment++) {
      String path = "/v1/datasets/transactions_raw/rows?meta=true" + (after == null ? "" : "&after=" + after);
      List<String> lines = linesWithin(path, 1 + random.nextInt(400_000));
      boolean complete = false;
      for (String line : lines) {
        JsonObject row = new JsonObject(line);
        if (row.containsKey("_sluice")) {
          complete = row.getJsonObject("_sluice").getString("status").equals("complete");
        } else {
          ids.add(row.getValue("id").toString());
        }
      }
      if (complete) {
        break;
      }
      after = ids.isEmpty() ? null : ids.get(ids.size() - 1);
    }
    assertThat(ids).as("ids of every segment, in order").isEqualTo(TestDatabase.copy("SELECT id FROM transactions ORDER BY id"));
  }

  @Test
  @DisplayName("with the token of a stream whose backend was terminated goes on after the last row written, losing and repeating nothing")
  void tokenAfterBackendTerminated() throws Exception {
    String path = "/v1/datasets/transactions_raw/rows";
    String cutBody;
    try (RawHttpClient client = RawHttpClient.get(port, path)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> sluice.metrics().blockedResponses() == 1 && sluice.metrics().awaitingCredit() == 1);
      assertThat(Backends.terminate("idle in transaction")).isEqualTo(1);
      cutBody = RawHttpClient.Chunked.decode(client.readToEnd()).body();
    }
    List<String> lines = cutBody.lines().toList();
    JsonObject record = new JsonObject(lines.get(lines.size() - 1)).getJsonObject("_sluice");
    assertThat(record.getString("status")).isEqualTo("partial");
    assertThat(record.getJsonObject("error").getString("code")).isEqualTo("database-unavailable");

    HttpResponse<String> rest = Http.get(port, path + "?resume=" + URLEncoder.encode(record.getString("resume"), StandardCharsets.UTF_8));

    assertThat(rest.statusCode()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    lines.subList(0, lines.size() - 1).forEach(l -> ids.add(new JsonObject(l).getValue("id").toString()));
    rest.body().lines().forEach(l -> ids.add(new JsonObject(l).getValue("id").toString()));
    assertThat(ids).isEqualTo(TestDatabase.copy("SELECT id FROM transactions ORDER BY id"));
  }

  @Test
  @DisplayName("counts limit within the resumed segment")
  void limitPerSegment() {
    HttpResponse<String> segment = Http.get(port, "/v1/datasets/series/rows?count=100&after=40&limit=5");

    assertThat(segment.body().lines().map(l -> new JsonObject(l).getLong("n"))).containsExactly(41L, 42L, 43L, 44L, 45L);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "tampered|/v1/datasets/series/rows?count=10|TAMPER|signature",
      "for another dataset|/v1/datasets/transactions_raw/rows|TOKEN|dataset",
      "for other parameters|/v1/datasets/series/rows?count=11|TOKEN|other parameters",
      "expired|/v1/datasets/series/rows?count=10|EXPIRED|expired",
      "not a token|/v1/datasets/series/rows?count=10|garbage|version"})
  @DisplayName("refuses a token it cannot use with 400 saying why, before any database work")
  void badTokens(String what, String path, String kind, String why) {
    String token = switch (kind) {
      case "TOKEN" -> TOKENS.mint("series", Map.of("count", "10"), List.of("3"), "anonymous");
      case "TAMPER" -> {
        String good = TOKENS.mint("series", Map.of("count", "10"), List.of("3"), "anonymous");
        String forged = TOKENS.mint("series", Map.of("count", "10"), List.of("0"), "anonymous");
        yield forged.substring(0, forged.lastIndexOf('.')) + good.substring(good.lastIndexOf('.'));
      }
      case "EXPIRED" -> new ResumeTokens(TestSluice.RESUME_KEY, 1, Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)))
          .mint("series", Map.of("count", "10"), List.of("3"), "anonymous");
      default -> kind;
    };
    double opened = sluice.metrics().streamsOpened();

    HttpResponse<String> response = Http.get(port, path + (path.contains("?") ? "&" : "?") + "resume=" + URLEncoder.encode(token, StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("parameter")).isEqualTo("resume");
    assertThat(error.getString("message")).contains(why);
    assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
  }

  @Test
  @DisplayName("refuses an after= that is not of the key's type, and both after= and resume= at once")
  void badAfter() {
    HttpResponse<String> notANumber = Http.get(port, "/v1/datasets/series/rows?count=10&after=abc");
    HttpResponse<String> both = Http.get(port, "/v1/datasets/series/rows?count=10&after=3&resume=x");

    assertThat(notANumber.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(notANumber.body()).getJsonObject("error").getString("parameter")).isEqualTo("after");
    assertThat(both.statusCode()).isEqualTo(400);
  }
}
