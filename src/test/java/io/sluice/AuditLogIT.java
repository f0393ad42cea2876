package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.Sluice;
import io.sluice.support.Http;
import io.sluice.support.LogCapture;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * The audit log: one JSON line on the {@code sluice.audit} logger per row stream, however it
 * ends, with the values of sensitive parameters as keyed digests (HMAC-SHA256 under {@code
 * audit.hmacKey}) and the id of the key.
 */
@DisplayName("The audit log")
class AuditLogIT extends ServiceTest {

  private static final String SECRET = "tok-3f9a-RAW-SECRET-VALUE";
  private static final String HMAC_KEY = "audit-it-hmac-key-0123456789abcdef-0123456789";
  private LogCapture audit;
  private LogCapture everything;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, withAuditedDatasets(json -> json.put("audit", new JsonObject().put("hmacKey", HMAC_KEY))));
  }

  /** The test datasets with {@code by_token} and {@code by_account}, whose parameters are sensitive, then {@code tweak}. */
  private static Consumer<JsonObject> withAuditedDatasets(Consumer<JsonObject> tweak) {
    return json -> {
      json.getJsonArray("datasets").add(new JsonObject()
          .put("name", "by_token")
          .put("description", "rows for a token that must not be logged")
          .put("sql", "SELECT g AS n FROM generate_series(1, 3) AS g WHERE $1::text IS NOT NULL AND ($2::text IS NULL OR $2 <> '')")
          .put("orderBy", new JsonArray().add("n"))
          .put("parameters", new JsonArray()
              .add(new JsonObject().put("name", "token").put("required", true).put("sensitive", true))
              .add(new JsonObject().put("name", "label").put("allowed", new JsonArray().add("a").add("b")))));
      json.getJsonArray("datasets").add(new JsonObject()
          .put("name", "by_account")
          .put("description", "rows of an account: a small space of values, six digits")
          .put("sql", "SELECT g AS n FROM generate_series(1, 2) AS g WHERE $1::text IS NOT NULL")
          .put("orderBy", new JsonArray().add("n"))
          .put("parameters", new JsonArray()
              .add(new JsonObject().put("name", "account").put("required", true).put("sensitive", true))));
      tweak.accept(json);
    };
  }

  @BeforeEach
  void capture() {
    audit = LogCapture.of("sluice.audit");
    everything = LogCapture.of(Logger.ROOT_LOGGER_NAME);
  }

  @AfterEach
  void release() {
    audit.close();
    everything.close();
  }

  private static String requestId() {
    return "audit-it-" + UUID.randomUUID();
  }

  /** The one audit line of {@code requestId}, once it is written. */
  private JsonObject lineOf(String requestId) {
    await().atMost(Duration.ofSeconds(10)).until(() -> !entries(requestId).isEmpty());
    List<JsonObject> lines = entries(requestId);
    assertThat(lines).as("audit lines of " + requestId).hasSize(1);
    return lines.get(0);
  }

  private List<JsonObject> entries(String requestId) {
    return audit.events().stream().map(e -> new JsonObject(e.getFormattedMessage()))
        .filter(line -> requestId.equals(line.getString("requestId"))).toList();
  }

  private static String sha256Hex(String value) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
  }

  /** What the log should show for {@code value} under {@code key}: {@code hmac-sha256:} and the first 16 hex digits of the HMAC. */
  private static String hmacPrefix(String key, String value) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
  }

  /** The key id the log names a key by: the first 8 hex digits of the key's SHA-256. */
  private static String keyId(String key) throws Exception {
    return sha256Hex(key).substring(0, 8);
  }

  @Test
  @DisplayName("records a complete stream: who, which dataset and parameters, format, status, rows and the bytes the client got")
  void complete() {
    String id = requestId();

    HttpResponse<String> response = Http.get(port, "/v1/datasets/series/rows?count=5&limit=4", "X-Request-Id", id);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject line = lineOf(id);
    assertThat(line.fieldNames()).containsExactlyInAnyOrder("time", "requestId", "principal", "dataset", "params", "keyId", "format",
        "status", "httpStatus", "errorCode", "rows", "bytes", "durationMs");
    assertThat(line.getString("principal")).isEqualTo("anonymous");
    assertThat(line.getString("dataset")).isEqualTo("series");
    assertThat(line.getJsonObject("params")).isEqualTo(new JsonObject().put("count", "5"));
    assertThat(line.getString("format")).isEqualTo("ndjson");
    assertThat(line.getString("status")).isEqualTo("complete");
    assertThat(line.getInteger("httpStatus")).isEqualTo(200);
    assertThat(line.getValue("errorCode")).isNull();
    assertThat(line.getLong("rows")).isEqualTo(4);
    assertThat(line.getLong("bytes")).isEqualTo(response.body().getBytes(StandardCharsets.UTF_8).length);
    assertThat(line.getLong("durationMs")).isNotNegative();
    assertThat(java.time.Instant.parse(line.getString("time"))).isNotNull();
  }

  @Test
  @DisplayName("records a stream the client left mid-way as cancelled, with the rows and bytes sent until then")
  void clientCut() throws Exception {
    String id = requestId();
    try (RawHttpClient client = RawHttpClient.send(port, "GET /v1/datasets/series/rows?count=2000000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "X-Request-Id: " + id + "\r\n\r\n")) {
      int read = 0;
      while (read < 64 * 1024) {
        read += client.read(8192).length;
      }
      client.abort();
    }

    JsonObject line = lineOf(id);
    assertThat(line.getString("status")).isEqualTo("cancelled");
    assertThat(line.getInteger("httpStatus")).isEqualTo(200);
    assertThat(line.getValue("errorCode")).isNull();
    assertThat(line.getLong("rows")).isBetween(1L, 1_999_999L);
    assertThat(line.getLong("bytes")).isPositive();
  }

  @Test
  @DisplayName("records a stream cut by an error as partial, with its error code")
  void serverCut() throws Exception {
    String id = requestId();
    String body;
    try (RawHttpClient client = RawHttpClient.send(port, "GET /v1/datasets/failing/rows?fail_at=2500 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "X-Request-Id: " + id + "\r\nConnection: close\r\n\r\n")) {
      body = RawHttpClient.Chunked.decode(client.readToEnd()).body();
    }

    JsonObject line = lineOf(id);
    assertThat(line.getString("status")).isEqualTo("partial");
    assertThat(line.getInteger("httpStatus")).isEqualTo(200);
    assertThat(line.getString("errorCode")).isEqualTo("bad-request");
    assertThat(line.getLong("rows")).isEqualTo(body.split("\n").length - 1L);
    assertThat(line.getLong("bytes")).isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  @DisplayName("records refused requests, whichever stage refused them, with the error body's bytes")
  void refused() throws Exception {
    String byCursor = requestId();
    HttpResponse<String> badValue = Http.get(port, "/v1/datasets/series/rows?count=abc", "X-Request-Id", byCursor);
    String byHttp = requestId();
    HttpResponse<String> badFormat = Http.get(port, "/v1/datasets/series/rows?count=3&format=xml&nope=zzz", "X-Request-Id", byHttp);
    String unknown = requestId();
    Http.get(port, "/v1/datasets/nothing_here/rows?x=1", "X-Request-Id", unknown);

    JsonObject cursor = lineOf(byCursor);
    assertThat(cursor.getString("status")).isEqualTo("refused");
    assertThat(cursor.getInteger("httpStatus")).isEqualTo(400);
    assertThat(cursor.getString("errorCode")).isEqualTo("bad-request");
    assertThat(cursor.getString("format")).isEqualTo("ndjson");
    assertThat(cursor.getJsonObject("params")).isEqualTo(new JsonObject().put("count", "abc"));
    assertThat(cursor.getLong("rows")).isZero();
    assertThat(cursor.getLong("bytes")).isEqualTo(badValue.body().getBytes(StandardCharsets.UTF_8).length);

    JsonObject http = lineOf(byHttp);
    assertThat(http.getString("status")).isEqualTo("refused");
    assertThat(http.getInteger("httpStatus")).isEqualTo(400);
    assertThat(http.getValue("format")).as("not known yet").isNull();
    assertThat(http.getJsonObject("params").getString("count")).isEqualTo("3");
    assertThat(http.getJsonObject("params").getString("nope")).as("a parameter the dataset does not declare").isEqualTo(hmacPrefix(HMAC_KEY, "zzz"));
    assertThat(http.getLong("bytes")).isEqualTo(badFormat.body().getBytes(StandardCharsets.UTF_8).length);

    JsonObject notFound = lineOf(unknown);
    assertThat(notFound.getString("dataset")).isEqualTo("nothing_here");
    assertThat(notFound.getInteger("httpStatus")).isEqualTo(404);
    assertThat(notFound.getString("errorCode")).isEqualTo("not-found");
  }

  @Test
  @DisplayName("keys the digests of sensitive parameters (HMAC-SHA256), whose raw value appears nowhere in the log")
  void sensitiveParameter() throws Exception {
    String id = requestId();
    String refusedId = requestId();

    HttpResponse<String> response = Http.get(port, "/v1/datasets/by_token/rows?token=" + SECRET + "&label=a", "X-Request-Id", id);
    HttpResponse<String> refused = Http.get(port, "/v1/datasets/by_token/rows?token=" + SECRET + "&label=zzz", "X-Request-Id", refusedId);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(refused.statusCode()).isEqualTo(400);
    JsonObject line = lineOf(id);
    assertThat(line.getJsonObject("params"))
        .isEqualTo(new JsonObject().put("label", "a").put("token", hmacPrefix(HMAC_KEY, SECRET)));
    assertThat(line.getString("keyId")).isEqualTo(keyId(HMAC_KEY));
    assertThat(line.getLong("rows")).isEqualTo(3);
    assertThat(lineOf(refusedId).getJsonObject("params").getString("token")).isEqualTo(hmacPrefix(HMAC_KEY, SECRET));
    assertThat(everything.text()).as("everything logged").contains(id).doesNotContain(SECRET);
    assertThat(Http.get(port, "/v1/datasets/by_token").body()).contains("\"sensitive\" : true");
  }

  @Test
  @DisplayName("defeats a dictionary: none of 10,000 account numbers hashed with plain SHA-256 matches the recorded digest")
  void dictionary() throws Exception {
    String account = "004596";
    String id = requestId();

    assertThat(Http.get(port, "/v1/datasets/by_account/rows?account=" + account, "X-Request-Id", id).statusCode()).isEqualTo(200);

    String recorded = lineOf(id).getJsonObject("params").getString("account");
    assertThat(dictionary(sha256Hex(account).substring(0, 16))).as("the dictionary finds a plain SHA-256 prefix").containsExactly(account);
    assertThat(dictionary(recorded.substring(recorded.indexOf(':') + 1))).as("accounts whose plain SHA-256 gives the recorded %s", recorded)
        .isEmpty();
    assertThat(recorded).isEqualTo(hmacPrefix(HMAC_KEY, account));
  }

  /** The six-digit account numbers below 10,000 whose SHA-256 begins with {@code hex}. */
  private static List<String> dictionary(String hex) {
    return IntStream.range(0, 10_000).mapToObj(n -> String.format("%06d", n)).filter(candidate -> {
      try {
        return sha256Hex(candidate).startsWith(hex);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).toList();
  }

  @Test
  @DisplayName("gives the same value a different digest under another key, told apart by the key id; without a key, makes one up and warns")
  void otherKeys(Vertx vertx) throws Exception {
    String account = "004596";
    String otherKey = "another-audit-hmac-key-fedcba9876543210-xyz";
    String ours = requestId();
    assertThat(Http.get(port, "/v1/datasets/by_account/rows?account=" + account, "X-Request-Id", ours).statusCode()).isEqualTo(200);
    JsonObject ourLine = lineOf(ours);

    JsonObject otherLine = lineOfAnotherService(vertx, withAuditedDatasets(json -> json.put("audit", new JsonObject().put("hmacKey", otherKey))),
        account);
    JsonObject keylessLine = lineOfAnotherService(vertx, withAuditedDatasets(json -> {}), account);

    assertThat(otherLine.getJsonObject("params").getString("account")).isEqualTo(hmacPrefix(otherKey, account))
        .isNotEqualTo(ourLine.getJsonObject("params").getString("account"));
    assertThat(otherLine.getString("keyId")).isEqualTo(keyId(otherKey)).isNotEqualTo(ourLine.getString("keyId"));
    String madeUpId = keylessLine.getString("keyId");
    assertThat(madeUpId).matches("[0-9a-f]{8}").isNotIn(keyId(HMAC_KEY), keyId(otherKey));
    assertThat(keylessLine.getJsonObject("params").getString("account")).startsWith("hmac-sha256:")
        .isNotIn(ourLine.getJsonObject("params").getString("account"), otherLine.getJsonObject("params").getString("account"));
    assertThat(everything.lines()).as("the warning of the service without a key")
        .anySatisfy(l -> assertThat(l).startsWith("WARN").contains("audit.hmacKey").contains(madeUpId));
  }

  /** Starts another service with {@code tweak}, asks it for {@code account}'s rows, stops it: its audit line. */
  private JsonObject lineOfAnotherService(Vertx vertx, Consumer<JsonObject> tweak, String account) throws Exception {
    Sluice other = TestSluice.start(vertx, tweak).await(60, TimeUnit.SECONDS);
    try {
      String id = requestId();
      assertThat(Http.get(other.config().http().port(), "/v1/datasets/by_account/rows?account=" + account, "X-Request-Id", id).statusCode())
          .isEqualTo(200);
      return lineOf(id);
    } finally {
      other.stop().await(10, TimeUnit.SECONDS);
    }
  }
}
