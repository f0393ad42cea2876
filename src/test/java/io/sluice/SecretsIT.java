package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.ChildSluice;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets reach {@code target/sluice.jar} through the environment or files and never come out
 * again: each test starts the jar with recognisable secrets (PostgreSQL trusts the test's user,
 * so any password works), logging at DEBUG, runs a stream and failing requests, stops it, and
 * searches its whole output.
 */
@DisplayName("Secrets")
@ExtendWith(VertxExtension.class)
class SecretsIT {

  private static final String DB_PASSWORD = "db-pw-Zq81xK-never-log-me";
  private static final String RESUME_KEY = "resume-key-Vw72pL-never-log-me-0123456789";
  private static final String JWT_SECRET = "jwt-secret-Hq30nR-never-log-me-0123456789";
  private static final String AUDIT_KEY = "audit-key-Kp55tW-never-log-me-0123456789";

  /** The test configuration without a signing key: the environment gives it. */
  private static final Consumer<JsonObject> NO_KEY_IN_FILE = json -> json.put("resume", new JsonObject());

  private static Map<String, String> env(String... pairs) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("SLUICE_LOG_LEVEL", "DEBUG"));
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  /** Streams, fails and is stopped; returns all it wrote. */
  private static String exercise(ChildSluice child) throws Exception {
    int port = child.port();
    assertThat(Http.get(port, "/v1/datasets/series/rows?count=5").statusCode()).isEqualTo(200);
    assertThat(Http.get(port, "/v1/datasets/failing/rows?fail_at=1").statusCode()).isEqualTo(400);
    assertThat(Http.get(port, "/v1/datasets/series/rows?count=oops").statusCode()).isEqualTo(400);
    assertThat(Http.get(port, "/v1/datasets/series/rows?count=3&resume=v1.forged.token").statusCode()).isEqualTo(400);
    try (RawHttpClient cut = RawHttpClient.get(port, "/v1/datasets/failing/rows?fail_at=2500")) {
      assertThat(RawHttpClient.Chunked.decode(cut.readToEnd()).body()).contains("\"resume\":\"v1.");
    }
    child.terminate();
    assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
    return child.log();
  }

  /** The id the audit log names a key by: the first 8 hex digits of its SHA-256. */
  private static String keyId(String key) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 8);
  }

  private static void assertNeither(String output, String... secrets) {
    for (String secret : secrets) {
      assertThat(output).as("the process's whole output").doesNotContain(secret);
    }
  }

  @Test
  @DisplayName("given in the environment, are used and never printed")
  void fromEnvironment(Vertx vertx) throws Exception {
    try (ChildSluice child = ChildSluice.start(vertx, NO_KEY_IN_FILE,
        env("SLUICE_DB_PASSWORD", DB_PASSWORD, "SLUICE_RESUME_KEY", RESUME_KEY, "SLUICE_AUDIT_HMAC_KEY", AUDIT_KEY))) {
      String output = exercise(child);

      assertThat(output).contains("Sluice serving");
      assertNeither(output, DB_PASSWORD, RESUME_KEY, AUDIT_KEY);
      String auditKeyId = keyId(AUDIT_KEY);
      // its output is not a terminal: JSON lines, the audit's among them
      List<JsonObject> audit = output.lines().filter(line -> line.startsWith("{")).map(JsonObject::new)
          .filter(line -> "sluice.audit".equals(line.getString("logger_name"))).toList();
      assertThat(audit).as("audit lines, JSON log lines on stdout").hasSizeGreaterThanOrEqualTo(5)
          .allSatisfy(line -> assertThat(line.getString("principal")).isEqualTo("anonymous"))
          .allSatisfy(line -> assertThat(line.getString("keyId")).as("the audit key's id").isEqualTo(auditKeyId));
    }
  }

  @ParameterizedTest(name = "from {0}")
  @ValueSource(strings = {"SLUICE_JWT_HS256_SECRET", "SLUICE_JWT_HS256_SECRET_FILE"})
  @DisplayName("the JWT secret, from the environment or a file, verifies tokens and is never printed")
  void jwtSecret(String variable, Vertx vertx, @TempDir Path dir) throws Exception {
    String value = variable.endsWith("_FILE") ? Files.writeString(dir.resolve("jwt"), JWT_SECRET + "\n").toString() : JWT_SECRET;
    Consumer<JsonObject> jwtOn = json -> json.put("auth", new JsonObject().put("mode", "jwt"));
    try (ChildSluice child = ChildSluice.start(vertx, jwtOn, env(variable, value))) {
      String token = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(JWT_SECRET)))
          .generateToken(new JsonObject().put("sub", "alice").put("iss", "sluice").put("aud", "sluice"),
              new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(600));
      assertThat(Http.get(child.port(), "/v1/datasets/series/rows?count=5", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
      assertThat(Http.get(child.port(), "/v1/datasets/series/rows?count=5", "Authorization", "Bearer " + token + "x").statusCode())
          .isEqualTo(401);
      child.terminate();
      assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();

      assertNeither(child.log(), JWT_SECRET);
    }
  }

  @Test
  @DisplayName("given in files (SLUICE_DB_PASSWORD_FILE, SLUICE_RESUME_KEY_FILE, SLUICE_AUDIT_HMAC_KEY_FILE), are read, trimmed, and never printed")
  void fromFiles(Vertx vertx, @TempDir Path dir) throws Exception {
    Path password = Files.writeString(dir.resolve("db-password"), DB_PASSWORD + "\n");
    Path key = Files.writeString(dir.resolve("resume-key"), "  " + RESUME_KEY + "\n");
    Path auditKey = Files.writeString(dir.resolve("audit-key"), AUDIT_KEY + "\n");
    try (ChildSluice child = ChildSluice.start(vertx, NO_KEY_IN_FILE, env("SLUICE_DB_PASSWORD_FILE", password.toString(),
        "SLUICE_RESUME_KEY_FILE", key.toString(), "SLUICE_AUDIT_HMAC_KEY_FILE", auditKey.toString()))) {
      String output = exercise(child);

      assertThat(output).contains("Sluice serving").contains("\"keyId\":\"" + keyId(AUDIT_KEY) + "\"");
      assertNeither(output, DB_PASSWORD, RESUME_KEY, AUDIT_KEY);
    }
  }

  @Test
  @DisplayName("in the database URL, are never printed, not even by the start-up line naming the database")
  void passwordInUrl(Vertx vertx) throws Exception {
    PgConnectOptions db = PgConnectOptions.fromUri(TestDatabase.url());
    String url = "postgresql://" + db.getUser() + ":" + DB_PASSWORD + "@" + db.getHost() + ":" + db.getPort() + "/" + db.getDatabase();
    try (ChildSluice child = ChildSluice.start(vertx, NO_KEY_IN_FILE, env("SLUICE_DB_URL", url, "SLUICE_RESUME_KEY", RESUME_KEY))) {
      String output = exercise(child);

      assertThat(output).contains("Using the configured PostgreSQL at postgresql://" + db.getUser() + "@");
      assertNeither(output, DB_PASSWORD, RESUME_KEY);
    }
  }

  @Test
  @DisplayName("in a database URL that does not parse, stay out of the start-up error")
  void malformedUrl(Vertx vertx) throws Exception {
    String url = "postgresql://postgres:" + DB_PASSWORD + "@127.0.0.1:not-a-port/postgres";
    try (ChildSluice child = ChildSluice.launch(vertx, NO_KEY_IN_FILE, env("SLUICE_DB_URL", url, "SLUICE_RESUME_KEY", RESUME_KEY))) {
      assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
      String output = child.log();

      assertThat(child.process().exitValue()).isEqualTo(1);
      assertThat(output).contains("database.url is not a valid postgresql:// URL: postgresql://postgres:***@127.0.0.1:not-a-port/postgres");
      assertNeither(output, DB_PASSWORD, RESUME_KEY);
    }
  }

  @Test
  @DisplayName("given both in the environment and in a file, stop start-up, naming the variables and neither value")
  void bothWays(Vertx vertx, @TempDir Path dir) throws Exception {
    Path password = Files.writeString(dir.resolve("db-password"), DB_PASSWORD + "-file");
    try (ChildSluice child = ChildSluice.launch(vertx, NO_KEY_IN_FILE, env("SLUICE_DB_PASSWORD", DB_PASSWORD,
        "SLUICE_DB_PASSWORD_FILE", password.toString(), "SLUICE_RESUME_KEY", RESUME_KEY))) {
      assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
      String output = child.log();

      assertThat(child.process().exitValue()).isEqualTo(1);
      assertThat(output).contains("give SLUICE_DB_PASSWORD or SLUICE_DB_PASSWORD_FILE, not both");
      assertNeither(output, DB_PASSWORD, RESUME_KEY);
    }
  }
}
