package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Backends;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Keys from a JWKS URL: verified, rotated by a refresh on an unknown key id, at most once per refresh interval. */
@DisplayName("Keys from a JWKS URL")
class JwksIT extends ServiceTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** The keys the identity provider publishes now. */
  private static final List<JsonObject> PUBLISHED = new CopyOnWriteArrayList<>();
  private static final AtomicInteger FETCHES = new AtomicInteger();
  private static Vertx vertx;
  private static HttpServer provider;
  private static KeyPair first;
  private static KeyPair second;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    first = rsa();
    second = rsa();
    PUBLISHED.add(jwk(first, "k1"));
    int providerPort = TestSluice.freePort();
    provider = vertx.createHttpServer().requestHandler(request -> {
      FETCHES.incrementAndGet();
      request.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("keys", new JsonArray(List.copyOf(PUBLISHED))).encode());
    }).listen(providerPort, "127.0.0.1").await(10, TimeUnit.SECONDS);
    startSluice(vertx, json -> json.put("auth", new JsonObject().put("mode", "jwt")
        .put("jwks", new JsonObject().put("url", "http://127.0.0.1:" + providerPort + "/jwks").put("refreshMinSeconds", 3600))));
  }

  @AfterAll
  static void stopProvider() throws Exception {
    provider.close().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static JsonObject jwk(KeyPair pair, String kid) {
    RSAPublicKey key = (RSAPublicKey) pair.getPublic();
    return new JsonObject().put("kty", "RSA").put("alg", "RS256").put("use", "sig").put("kid", kid)
        .put("n", base64url(key.getModulus())).put("e", base64url(key.getPublicExponent()));
  }

  private static String base64url(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String token(KeyPair pair, String kid, JsonObject claims) {
    String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(pem).setId(kid)))
        .generateToken(claims, new JWTOptions().setAlgorithm("RS256"));
  }

  private static JsonObject claims() {
    return new JsonObject().put("sub", "alice").put("iss", "sluice").put("aud", "sluice").put("exp", Instant.now().getEpochSecond() + 600);
  }

  private static int status(String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/datasets/series/rows?count=3"))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  @DisplayName("accepts a key it fetched; follows a rotation to a new key id with one fetch; refuses unknown ids without fetching again within the interval")
  void rotation() throws Exception {
    assertThat(status(token(first, "k1", claims()))).isEqualTo(200);
    int fetchesBefore = FETCHES.get();

    PUBLISHED.add(jwk(second, "k2"));
    assertThat(status(token(second, "k2", claims()))).as("signed with the rotated-in key").isEqualTo(200);
    assertThat(FETCHES.get()).as("one fetch for the unknown key id").isEqualTo(fetchesBefore + 1);

    KeyPair stranger = rsa();
    assertThat(status(token(stranger, "k3", claims()))).isEqualTo(401);
    assertThat(status(token(stranger, "k4", claims()))).isEqualTo(401);
    assertThat(FETCHES.get()).as("no fetch within refreshMinSeconds of the last").isEqualTo(fetchesBefore + 1);
  }

  @Test
  @DisplayName("refuses alg: none, a token without an audience, and one without exp")
  void refusals() throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String none = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims().encode().getBytes(StandardCharsets.UTF_8)) + ".";
    JsonObject noAudience = claims();
    noAudience.remove("aud");
    JsonObject noExpiry = claims();
    noExpiry.remove("exp");

    assertThat(status(none)).isEqualTo(401);
    assertThat(status(token(first, "k1", noAudience))).isEqualTo(401);
    assertThat(status(token(first, "k1", noExpiry))).isEqualTo(401);
  }
}
