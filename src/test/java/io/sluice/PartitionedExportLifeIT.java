package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.Backends;
import io.sluice.support.ExportClient;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.StreamRequest;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * An export's life with authentication on and a short {@code exports.ttlSeconds}: it belongs to
 * the principal that made it (anyone else gets 404), its claim-bound parameters come from the
 * token, and it expires on time, releasing its snapshot's session.
 */
@DisplayName("A partitioned export's owner and expiry")
class PartitionedExportLifeIT extends ServiceTest {

  private static final String SECRET = "an-hs256-secret-of-at-least-32-characters!";
  private static final long TTL_SECONDS = 2;
  private static JWTAuth jwt;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    startSluice(vertx, json -> {
      json.put("auth", new JsonObject().put("mode", "jwt").put("hs256Secret", SECRET).put("clockSkewSeconds", 5));
      json.put("exports", new JsonObject().put("ttlSeconds", TTL_SECONDS));
      json.getJsonArray("datasets").add(new JsonObject()
          .put("name", "tenant_series")
          .put("sql", "SELECT g AS n, g % 3 AS tenant FROM generate_series(1, 3000) AS g WHERE g % 3 = $1")
          .put("orderBy", new JsonArray().add("n"))
          .put("parameters", new JsonArray().add(new JsonObject().put("name", "tenant").put("type", "integer").put("claim", "tenant_id"))));
    });
  }

  private static ExportClient as(String subject, int tenant) {
    long now = Instant.now().getEpochSecond();
    JsonObject claims = new JsonObject().put("sub", subject).put("iss", "sluice").put("aud", "sluice").put("exp", now + 3600)
        .put("roles", new JsonArray().add("*")).put("tenant_id", tenant);
    return new ExportClient(port, jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256")));
  }

  @Test
  @DisplayName("belongs to its principal: another gets 404 for its manifest, its partitions and its DELETE; its claim-bound parameter is the token's")
  void ownedByItsPrincipal() {
    ExportClient alice = as("alice", 1);
    ExportClient bob = as("bob", 2);
    HttpResponse<String> created = alice.create("tenant_series", "{\"partitions\": 2}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonObject manifest = new JsonObject(created.body());
    String path = "/v1/exports/" + manifest.getString("id");
    String partition = manifest.getJsonArray("partitions").getJsonObject(0).getString("url");

    for (HttpResponse<String> refused : List.of(bob.get(path), bob.get(partition), bob.delete(path))) {
      assertThat(refused.statusCode()).isEqualTo(404);
      assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("not-found");
    }
    assertThat(new ExportClient(port, null).get(path).statusCode()).isEqualTo(401);

    List<HttpResponse<String>> reads = alice.readAll(manifest, "");
    long rows = 0;
    for (HttpResponse<String> read : reads) {
      assertThat(read.statusCode()).isEqualTo(200);
      for (String line : read.body().lines().toList()) {
        assertThat(new JsonObject(line).getInteger("tenant")).isEqualTo(1);
        rows++;
      }
    }
    assertThat(rows).isEqualTo(1000);
    HttpResponse<String> otherTenant = alice.create("tenant_series", "{\"partitions\": 2, \"params\": {\"tenant\": 2}}");
    assertThat(otherTenant.statusCode()).as("a claim-bound parameter cannot be given").isIn(400, 403);
    assertThat(alice.delete(path).statusCode()).isEqualTo(204);
  }

  @Test
  @DisplayName("expires ttlSeconds after it was made, within one second: 410 export-expired and its snapshot's session released")
  void expiresOnTime() {
    ExportClient alice = as("alice", 1);
    HttpResponse<String> created = alice.create("tenant_series", "{\"partitions\": 2}");
    assertThat(created.statusCode()).isEqualTo(201);
    JsonObject manifest = new JsonObject(created.body());
    Instant expiresAt = Instant.parse(manifest.getString("expiresAt"));
    assertThat(Duration.between(Instant.parse(manifest.getString("createdAt")), expiresAt)).isEqualTo(Duration.ofSeconds(TTL_SECONDS));
    String partition = manifest.getJsonArray("partitions").getJsonObject(1).getString("url");
    assertThat(alice.get(partition).statusCode()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(TTL_SECONDS + 3)).pollInterval(Duration.ofMillis(50))
        .until(() -> alice.get(partition).statusCode() == 410 && !Backends.states().containsKey("idle in transaction"));
    Instant over = Instant.now();
    assertThat(over).isBetween(expiresAt, expiresAt.plusSeconds(1));
    HttpResponse<String> gone = alice.get(partition);
    assertThat(new JsonObject(gone.body()).getJsonObject("error").getString("code")).isEqualTo("export-expired");
    assertThat(sluice.exports().held()).isZero();
  }

  @Test
  @DisplayName("ends with its node: a stopped Sluice releases the snapshots it holds")
  void endsWithItsNode() throws Exception {
    String application = TestSluice.APPLICATION_NAME + "-stopping";
    Vertx other = Vertx.vertx();
    try {
      Sluice stopping = TestSluice.start(other, json -> json.getJsonObject("database").put("applicationName", application))
          .await(60, TimeUnit.SECONDS);
      Dataset series = stopping.catalogue().require("series");
      StreamRequest request = new StreamRequest("series", Map.of("count", "100"), null);
      stopping.exports().create(series, request, series.bind(request, Long.MAX_VALUE), 2, "alice").await(30, TimeUnit.SECONDS);
      assertThat(Backends.states(application)).containsEntry("idle in transaction", 1);

      stopping.stop().await(10, TimeUnit.SECONDS);

      assertThat(Backends.states(application)).isEmpty();
    } finally {
      other.close().await(10, TimeUnit.SECONDS);
    }
  }
}
