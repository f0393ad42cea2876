package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sluice.error.ConfigException;
import io.sluice.support.Backends;
import io.sluice.support.BridgeSocket;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Authentication and authorization against a Sluice with JWT on (HS256, and RS256 plus ES256
 * public keys): every refusal comes before any database work.
 */
@DisplayName("Security")
class SecurityIT extends ServiceTest {

  static final String SECRET = "an-hs256-secret-of-at-least-32-characters!";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static Vertx vertx;
  private static JWTAuth hs256;
  private static KeyPair rsa;
  private static KeyPair ec;
  private static int bridgePort;
  /** A second Sluice that accepts RS256 (key id "rsa-1") and ES256 tokens only. */
  private static Sluice keyed;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    hs256 = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
    rsaGenerator.initialize(2048);
    rsa = rsaGenerator.generateKeyPair();
    KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
    ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
    ec = ecGenerator.generateKeyPair();
    bridgePort = TestSluice.freePort();
    startSluice(vertx, json -> {
      jwtWithTenantDataset(json);
      json.put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort));
    });
    Consumer<JsonObject> publicKeys = json -> {
      jwtWithTenantDataset(json);
      json.getJsonObject("auth").remove("hs256Secret");
      json.getJsonObject("auth").put("metricsRole", "ops");
      json.getJsonObject("auth").put("publicKeys", new JsonArray()
          .add(new JsonObject().put("algorithm", "RS256").put("pem", pem("PUBLIC KEY", rsa.getPublic().getEncoded())).put("id", "rsa-1"))
          .add(new JsonObject().put("algorithm", "ES256").put("pem", pem("PUBLIC KEY", ec.getPublic().getEncoded()))));
    };
    keyed = TestSluice.start(vertx, publicKeys).await(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopKeyed() throws Exception {
    if (keyed != null) {
      keyed.stop().await(10, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  /** JWT with the HS256 secret, transactions_raw for pii-reader, and a dataset scoped by the token's tenant_id. */
  private static void jwtWithTenantDataset(JsonObject json) {
    json.put("auth", new JsonObject().put("mode", "jwt").put("hs256Secret", SECRET).put("clockSkewSeconds", 5));
    json.getJsonArray("datasets").add(new JsonObject()
        .put("name", "tenant_rows")
        .put("sql", "SELECT g AS n, g % 3 AS tenant FROM generate_series(1, 30) AS g WHERE g % 3 = $1")
        .put("orderBy", new JsonArray().add("n"))
        .put("parameters", new JsonArray().add(new JsonObject().put("name", "tenant").put("type", "integer").put("claim", "tenant_id"))));
    json.getJsonArray("datasets").add(new JsonObject()
        .put("name", "cards")
        .put("sql", "SELECT g AS n, 'card-' || g AS card, 'note ' || g AS note FROM generate_series(1, 5) AS g")
        .put("orderBy", new JsonArray().add("n"))
        .put("columnRules", new JsonArray()
            .add(new JsonObject().put("column", "card").put("unlessRole", "pii-reader").put("action", "mask").put("keep", 1))
            .add(new JsonObject().put("column", "note").put("unlessRole", "pii-reader").put("action", "drop"))));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  /** The claims of a token that verifies: subject, issuer, audience, an hour to live, and {@code roles}. */
  private static JsonObject claims(String subject, String... roles) {
    long now = Instant.now().getEpochSecond();
    return new JsonObject().put("sub", subject).put("iss", "sluice").put("aud", "sluice").put("exp", now + 3600)
        .put("roles", new JsonArray(List.of(roles)));
  }

  private static String hs(JsonObject claims) {
    return hs256.generateToken(claims, new JWTOptions().setAlgorithm("HS256"));
  }

  private static String signed(String algorithm, String keyPem, JsonObject claims, String keyId) {
    PubSecKeyOptions key = new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(keyPem);
    if (keyId != null) {
      key.setId(keyId);
    }
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(key)).generateToken(claims, new JWTOptions().setAlgorithm(algorithm));
  }

  private static String unsigned(JsonObject claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8)) + ".";
  }

  private static HttpResponse<String> get(int port, String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertUnauthorized(HttpResponse<String> response, String bearerError) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    String challenge = response.headers().firstValue("WWW-Authenticate").orElseThrow();
    assertThat(challenge).startsWith("Bearer realm=\"sluice\"");
    if (bearerError == null) {
      assertThat(challenge).doesNotContain("error=");
    } else {
      assertThat(challenge).contains("error=\"" + bearerError + "\"");
    }
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("code")).isEqualTo("unauthorized");
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  @DisplayName("fails closed with 401, before any database work, for")
  class Authentication {

    private double opened;
    private double keyedOpened;

    @BeforeEach
    void count() {
      opened = sluice.metrics().streamsOpened();
      keyedOpened = keyed.metrics().streamsOpened();
    }

    @AfterEach
    void noDatabaseWork() {
      assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
      assertThat(keyed.metrics().streamsOpened()).isEqualTo(keyedOpened);
    }

    private HttpResponse<String> rows(String token) throws Exception {
      return get(port, "/v1/datasets/transactions_raw/rows", token);
    }

    @Test
    @DisplayName("no token (a challenge without an error code, RFC 6750 §3.1)")
    void noToken() throws Exception {
      assertUnauthorized(rows(null), null);
      assertUnauthorized(get(port, "/v1/datasets", null), null);
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30"})
    @DisplayName("a malformed token")
    void malformed(String token) throws Exception {
      assertUnauthorized(rows(token), "invalid_token");
    }

    @Test
    @DisplayName("alg: none")
    void algNone() throws Exception {
      assertUnauthorized(rows(unsigned(claims("mallory", "pii-reader"))), "invalid_token");
    }

    @Test
    @DisplayName("HS/RS confusion: the RS256 public key's PEM used as an HS256 secret")
    void algorithmConfusion() throws Exception {
      String forged = signed("HS256", pem("PUBLIC KEY", rsa.getPublic().getEncoded()), claims("mallory", "pii-reader"), null);
      assertUnauthorized(get(keyed.config().http().port(), "/v1/datasets/transactions_raw/rows", forged), "invalid_token");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HS384", "HS512"})
    @DisplayName("an algorithm not configured, even with the right secret")
    void algorithmNotConfigured(String algorithm) throws Exception {
      assertUnauthorized(rows(signed(algorithm, SECRET, claims("mallory", "pii-reader"), null)), "invalid_token");
    }

    @Test
    @DisplayName("an unknown kid, signed by a key Sluice does not have")
    void unknownKid() throws Exception {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      String otherKey = pem("PRIVATE KEY", generator.generateKeyPair().getPrivate().getEncoded());
      String token = signed("RS256", otherKey, claims("mallory", "pii-reader"), "rsa-2");
      assertUnauthorized(get(keyed.config().http().port(), "/v1/datasets/transactions_raw/rows", token), "invalid_token");
    }

    @Test
    @DisplayName("an expired token")
    void expired() throws Exception {
      assertUnauthorized(rows(hs(claims("alice", "pii-reader").put("exp", Instant.now().getEpochSecond() - 60))), "invalid_token");
    }

    @Test
    @DisplayName("a token without exp")
    void noExpiry() throws Exception {
      JsonObject claims = claims("alice", "pii-reader");
      claims.remove("exp");
      assertUnauthorized(rows(hs(claims)), "invalid_token");
    }

    @Test
    @DisplayName("nbf in the future, past the clock skew")
    void notYetValid() throws Exception {
      assertUnauthorized(rows(hs(claims("alice", "pii-reader").put("nbf", Instant.now().getEpochSecond() + 600))), "invalid_token");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"iss", "aud"})
    @DisplayName("a wrong issuer or audience")
    void wrongIssuerOrAudience(String claim) throws Exception {
      assertUnauthorized(rows(hs(claims("alice", "pii-reader").put(claim, "someone-else"))), "invalid_token");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"iss", "aud"})
    @DisplayName("a missing issuer or audience")
    void missingIssuerOrAudience(String claim) throws Exception {
      JsonObject claims = claims("alice", "pii-reader");
      claims.remove(claim);
      assertUnauthorized(rows(hs(claims)), "invalid_token");
    }

    @Test
    @DisplayName("a token in the query string of a request that is not for server-sent events")
    void tokenInQueryString() throws Exception {
      String token = hs(claims("alice", "pii-reader"));
      assertUnauthorized(get(port, "/v1/datasets/transactions_raw/rows?access_token=" + token, null), "invalid_request");
      assertUnauthorized(get(port, "/v1/datasets?access_token=" + token, null), "invalid_request");
    }
  }

  @Test
  @DisplayName("lets a valid token through: HS256, RS256 with its key id, ES256")
  void validTokens() throws Exception {
    assertThat(get(port, "/v1/datasets/series/rows?count=3", hs(claims("alice"))).body().lines()).hasSize(3);
    String rs = signed("RS256", pem("PRIVATE KEY", rsa.getPrivate().getEncoded()), claims("alice"), "rsa-1");
    String es = signed("ES256", pem("PRIVATE KEY", ec.getPrivate().getEncoded()), claims("alice"), null);
    int keyedPort = keyed.config().http().port();
    assertThat(get(keyedPort, "/v1/datasets/series/rows?count=3", rs).statusCode()).isEqualTo(200);
    assertThat(get(keyedPort, "/v1/datasets/series/rows?count=3", es).statusCode()).isEqualTo(200);
    Backends.awaitReleased(keyed);
  }

  @Test
  @DisplayName("takes the token from access_token for server-sent events, where EventSource cannot send a header")
  void sseAccessToken() throws Exception {
    String token = URLEncoder.encode(hs(claims("alice")), StandardCharsets.UTF_8);
    HttpResponse<String> response = get(port, "/v1/datasets/series/rows?count=2&format=sse&access_token=" + token, null);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("event: end");
  }

  @Test
  @DisplayName("leaves the health probes open, and the metrics unless a role is configured for them")
  void openEndpoints() throws Exception {
    assertThat(get(port, "/health/live", null).statusCode()).isEqualTo(200);
    assertThat(get(port, "/health/ready", null).statusCode()).isEqualTo(200);
    assertThat(get(port, "/metrics", null).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("guards /metrics with metricsRole when one is configured: 401 without a token, 403 without the role")
  void metricsRole() throws Exception {
    int keyedPort = keyed.config().http().port();
    String es = pem("PRIVATE KEY", ec.getPrivate().getEncoded());

    assertUnauthorized(get(keyedPort, "/metrics", null), null);
    assertThat(get(keyedPort, "/metrics", signed("ES256", es, claims("bob", "analyst"), null)).statusCode()).isEqualTo(403);
    assertThat(get(keyedPort, "/metrics", signed("ES256", es, claims("olga", "ops"), null)).statusCode()).isEqualTo(200);
    assertThat(get(keyedPort, "/health/ready", null).statusCode()).isEqualTo(200);
  }

  @Nested
  @DisplayName("authorizes by roles and claims")
  class Authorization {

    @Test
    @DisplayName("a token without a dataset's role gets 403, and the listing shows it only what it may read")
    void roles() throws Exception {
      double opened = sluice.metrics().streamsOpened();
      HttpResponse<String> refused = get(port, "/v1/datasets/transactions_raw/rows", hs(claims("bob", "analyst")));

      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("forbidden");
      assertThat(get(port, "/v1/datasets/transactions_raw", hs(claims("bob", "analyst"))).statusCode()).isEqualTo(403);
      assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
      assertThat(names(get(port, "/v1/datasets", hs(claims("bob", "analyst"))))).contains("transactions", "series").doesNotContain("transactions_raw");
      assertThat(names(get(port, "/v1/datasets", hs(claims("carol", "pii-reader"))))).contains("transactions", "transactions_raw");
      assertThat(get(port, "/v1/datasets/transactions_raw/rows?limit=5", hs(claims("carol", "pii-reader"))).body().lines()).hasSize(5);
    }

    private List<String> names(HttpResponse<String> listing) {
      assertThat(listing.statusCode()).isEqualTo(200);
      return new JsonObject(listing.body()).getJsonArray("datasets").stream().map(d -> ((JsonObject) d).getString("name")).toList();
    }

    @Test
    @DisplayName("a parameter bound to a token claim scopes the rows; the query string cannot set it (400), a token without the claim gets 403")
    void tenantClaim() throws Exception {
      HttpResponse<String> tenant1 = get(port, "/v1/datasets/tenant_rows/rows", hs(claims("dan").put("tenant_id", 1)));
      assertThat(tenant1.statusCode()).isEqualTo(200);
      assertThat(tenant1.body().lines().map(JsonObject::new).map(row -> row.getInteger("tenant")).distinct().toList()).containsExactly(1);
      assertThat(tenant1.body().lines()).hasSize(10);

      double opened = sluice.metrics().streamsOpened();
      HttpResponse<String> overridden = get(port, "/v1/datasets/tenant_rows/rows?tenant=2", hs(claims("dan").put("tenant_id", 1)));
      assertThat(overridden.statusCode()).isEqualTo(400);
      assertThat(new JsonObject(overridden.body()).getJsonObject("error").getString("parameter")).isEqualTo("tenant");
      assertThat(get(port, "/v1/datasets/tenant_rows/rows", hs(claims("eve"))).statusCode()).isEqualTo(403);
      assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
    }

    @Test
    @DisplayName("column rules drop or mask columns for a caller without the role, and a hidden column cannot be selected")
    void columnRules() throws Exception {
      List<JsonObject> plain = get(port, "/v1/datasets/cards/rows", hs(claims("bob", "analyst"))).body().lines().map(JsonObject::new).toList();
      List<JsonObject> full = get(port, "/v1/datasets/cards/rows", hs(claims("carol", "pii-reader"))).body().lines().map(JsonObject::new).toList();

      assertThat(plain).hasSize(5).allSatisfy(row -> assertThat(row.fieldNames()).containsExactly("n", "card"));
      assertThat(plain.get(0).getString("card")).isEqualTo("*****1");
      assertThat(full.get(0).getString("card")).isEqualTo("card-1");
      assertThat(full.get(0).getString("note")).isEqualTo("note 1");
      HttpResponse<String> selected = get(port, "/v1/datasets/cards/rows?columns=n,note", hs(claims("bob", "analyst")));
      assertThat(selected.statusCode()).as(selected.body()).isEqualTo(400);
      assertThat(selected.body()).doesNotContain("note 1");
    }

    @Test
    @DisplayName("a resume token replayed by another principal gets 403; its own principal resumes")
    void resumeTokenPrincipal() throws Exception {
      // an SSE event's id is the token that resumes after its row
      HttpResponse<String> first = get(port, "/v1/datasets/series/rows?count=10&format=sse", hs(claims("alice")));
      String token = first.body().lines().filter(line -> line.startsWith("id: ")).map(line -> line.substring(4)).findFirst()
          .orElseThrow(() -> new AssertionError(first.body()));

      HttpResponse<String> stolen = get(port, "/v1/datasets/series/rows?count=10&resume=" + token, hs(claims("mallory")));
      HttpResponse<String> own = get(port, "/v1/datasets/series/rows?count=10&resume=" + token, hs(claims("alice")));

      assertThat(stolen.statusCode()).isEqualTo(403);
      assertThat(own.statusCode()).isEqualTo(200);
    }
  }

  @Nested
  @DisplayName("applies the same rules to TCP bridge clients, whose open frame carries the token")
  class Bridge {

    private JsonObject open(String stream, String dataset, JsonObject params, String token) {
      JsonObject body = new JsonObject().put("stream", stream).put("replyTo", "sluice.stream." + stream + ".data")
          .put("request", new JsonObject().put("dataset", dataset).put("params", params)).put("credits", 0).put("leaseMs", 5_000);
      if (token != null) {
        body.put("token", token);
      }
      try (BridgeSocket client = BridgeSocket.connect(bridgePort)) {
        client.send(new JsonObject().put("type", "send").put("address", "sluice.transform.open").put("replyAddress", "reply." + stream)
            .put("body", body));
        JsonObject answer = client.read();
        client.send(new JsonObject().put("type", "send").put("address", "sluice.stream." + stream + ".control")
            .put("headers", new JsonObject().put("sluice-frame", "cancel")));
        return answer;
      }
    }

    private int refusedWith(JsonObject answer) {
      assertThat(answer.getString("type")).as("%s", answer).isEqualTo("err");
      return answer.getInteger("failureCode");
    }

    @Test
    @DisplayName("no token or an invalid one: 401; a token without the dataset's role: 403; a claim-bound parameter given: 400")
    void refusals() {
      double opened = sluice.metrics().streamsOpened();
      String id = java.util.UUID.randomUUID().toString();

      assertThat(refusedWith(open(id + "a", "series", new JsonObject().put("count", "3"), null))).isEqualTo(401);
      assertThat(refusedWith(open(id + "b", "series", new JsonObject().put("count", "3"), unsigned(claims("mallory", "pii-reader")))))
          .isEqualTo(401);
      assertThat(refusedWith(open(id + "c", "transactions_raw", new JsonObject(), hs(claims("bob", "analyst"))))).isEqualTo(403);
      assertThat(refusedWith(open(id + "d", "tenant_rows", new JsonObject().put("tenant", "2"), hs(claims("dan").put("tenant_id", 1)))))
          .isEqualTo(400);
      assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
    }

    @Test
    @DisplayName("a valid token opens the stream, scoped by its claims")
    void accepted() {
      JsonObject answer = open(java.util.UUID.randomUUID().toString(), "tenant_rows", new JsonObject(), hs(claims("dan").put("tenant_id", 1)));
      assertThat(answer.getString("type")).as("%s", answer).isEqualTo("message");
      assertThat(answer.getJsonObject("body").getString("control")).isNotBlank();
    }
  }

  @Nested
  @DisplayName("refuses to start")
  class StartUp {

    @Test
    @DisplayName("with JWT on and no key (vertx-auth-jwt would accept alg: none)")
    void jwtWithoutKey() {
      Throwable failure = catchThrowable(() -> TestSluice.start(vertx, json -> json.put("auth", new JsonObject().put("mode", "jwt")))
          .await(30, TimeUnit.SECONDS));
      assertThat(failure).isInstanceOf(ConfigException.class).hasMessageContaining("no key");
    }

    @Test
    @DisplayName("when the configuration does not say how callers are authenticated")
    void authUnset() {
      Throwable failure = catchThrowable(() -> TestSluice.start(vertx, json -> json.remove("auth")).await(30, TimeUnit.SECONDS));
      assertThat(failure).isInstanceOf(ConfigException.class).hasMessageContaining("auth.mode");
    }
  }
}
