package io.sluice.config;

import io.sluice.error.ConfigException;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("The configuration")
class ConfigLoaderTest {

  @Test
  @DisplayName("loads conf/sluice.yaml into typed records with both demo datasets")
  void loadsTheShippedFile(Vertx vertx, VertxTestContext test) {
    ConfigLoader.load(vertx, "conf/sluice.yaml").onComplete(test.succeeding(config -> test.verify(() -> {
      assertThat(config.http().port()).isEqualTo(8080);
      assertThat(config.database().explicit()).isFalse();
      assertThat(config.database().url()).isEqualTo(DatabaseConfig.DEFAULT_URL);
      assertThat(config.stream().fetchSize()).isEqualTo(1000);
      assertThat(config.database().warmConnections()).isEqualTo(64);
      assertThat(config.database().concurrentFetches()).isEqualTo(8);
      assertThat(config.instances()).isEqualTo(Runtime.getRuntime().availableProcessors());
      assertThat(config.datasets()).extracting(d -> d.name()).containsExactly("transactions_raw", "transactions");
      test.completeNow();
    })));
  }

  @Test
  @DisplayName("lets SLUICE_* environment variables override the entries they name")
  void environmentOverrides() {
    JsonObject merged = new JsonObject()
        .put("http", new JsonObject().put("port", 8080))
        .put("SLUICE_HTTP_PORT", "9090")
        .put("SLUICE_DB_URL", "postgresql://app@db:5432/prod")
        .put("SLUICE_FETCH_SIZE", 5000)
        .put("SLUICE_WINDOW", "");

    SluiceConfig config = SluiceConfig.from(ConfigLoader.applyEnvironment(merged));

    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.database().url()).isEqualTo("postgresql://app@db:5432/prod");
    assertThat(config.database().explicit()).isTrue();
    assertThat(config.stream().fetchSize()).isEqualTo(5000);
    assertThat(config.stream().window()).isEqualTo(4);
  }

  @Test
  @DisplayName("keeps text entries text: a signing key of digits, leading zeros and all")
  void textStaysText() {
    String key = "0123456789012345678901234567890123456789";
    JsonObject merged = new JsonObject().put("SLUICE_RESUME_KEY", key).put("SLUICE_DB_APPLICATION_NAME", "007");

    SluiceConfig config = SluiceConfig.from(ConfigLoader.applyEnvironment(merged));

    assertThat(config.resume().signingKey()).isEqualTo(key);
    assertThat(config.database().applicationName()).isEqualTo("007");
  }

  @Test
  @DisplayName("takes the audit key from SLUICE_AUDIT_HMAC_KEY as text, refuses one under 32 characters, and never prints it")
  void auditKey() {
    String key = "00112233445566778899aabbccddeeff0011";
    SluiceConfig config = SluiceConfig.from(ConfigLoader.applyEnvironment(new JsonObject().put("SLUICE_AUDIT_HMAC_KEY", key)));

    assertThat(config.audit().hmacKey()).isEqualTo(key);
    assertThat(config.audit().toString()).doesNotContain(key);
    assertThat(SluiceConfig.from(new JsonObject()).audit().hasKey()).as("none by default").isFalse();
    assertThat(ConfigLoader.environmentVariables()).contains("SLUICE_AUDIT_HMAC_KEY", "SLUICE_AUDIT_HMAC_KEY_FILE");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SluiceConfig.from(
            ConfigLoader.applyEnvironment(new JsonObject().put("SLUICE_AUDIT_HMAC_KEY", "too-short"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("audit.hmacKey").hasMessageNotContaining("too-short");
  }

  @Test
  @DisplayName("reads the cluster and roles from the environment, as the Kubernetes manifests set them")
  void clusterFromEnvironment() {
    JsonObject merged = new JsonObject()
        .put("SLUICE_CLUSTER", "true")
        .put("SLUICE_CLUSTER_HOST", "10.1.2.3")
        .put("SLUICE_CLUSTER_SERVICE", "sluice-cluster.prod.svc.cluster.local")
        .put("SLUICE_CLUSTER_BUS_PORT", "5702")
        .put("SLUICE_ROLES", "http,cursor");

    SluiceConfig config = SluiceConfig.from(ConfigLoader.applyEnvironment(merged));

    assertThat(config.cluster().enabled()).isTrue();
    assertThat(config.cluster().host()).isEqualTo("10.1.2.3");
    assertThat(config.cluster().kubernetesService()).isEqualTo("sluice-cluster.prod.svc.cluster.local");
    assertThat(config.cluster().busPort()).isEqualTo(5702);
    assertThat(config.roles()).containsExactlyInAnyOrder(Role.HTTP, Role.CURSOR);
  }

  @Test
  @DisplayName("reads the stream check's interval and timeout, 10 s and 5 s unless the file or the environment says otherwise")
  void healthFromEnvironment() {
    assertThat(SluiceConfig.from(new JsonObject()).health()).isEqualTo(new HealthConfig(10, 5_000));
    JsonObject merged = new JsonObject()
        .put("health", new JsonObject().put("streamIntervalSeconds", 30).put("streamTimeoutMs", 2_000))
        .put("SLUICE_HEALTH_STREAM_INTERVAL_SECONDS", "60");

    SluiceConfig config = SluiceConfig.from(ConfigLoader.applyEnvironment(merged));

    assertThat(config.health()).isEqualTo(new HealthConfig(60, 2_000));
    assertThat(SluiceConfig.from(ConfigLoader.applyEnvironment(new JsonObject().put("SLUICE_HEALTH_STREAM_TIMEOUT_MS", "750")))
        .health().streamTimeoutMs()).isEqualTo(750);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SluiceConfig.from(new JsonObject()
            .put("health", new JsonObject().put("streamIntervalSeconds", 0))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("streamIntervalSeconds");
  }

  @Test
  @DisplayName("keeps no stream connection ready unless told (the shipped file keeps 64), and refuses negative counts")
  void warmConnections() {
    assertThat(SluiceConfig.from(new JsonObject()).database().warmConnections()).isZero();
    assertThat(SluiceConfig.from(ConfigLoader.applyEnvironment(new JsonObject().put("SLUICE_DB_WARM_CONNECTIONS", "16")))
        .database().warmConnections()).isEqualTo(16);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SluiceConfig.from(new JsonObject()
            .put("database", new JsonObject().put("warmConnections", -1))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("warmConnections");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SluiceConfig.from(new JsonObject()
            .put("database", new JsonObject().put("concurrentFetches", -1))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("concurrentFetches");
  }

  @Test
  @DisplayName("runs every stage unless told otherwise, and names an unknown role")
  void roles() {
    assertThat(SluiceConfig.from(new JsonObject()).roles()).containsExactlyInAnyOrder(Role.values());
    assertThat(SluiceConfig.from(new JsonObject().put("roles", new io.vertx.core.json.JsonArray().add("all"))).roles())
        .containsExactlyInAnyOrder(Role.values());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SluiceConfig.from(new JsonObject().put("roles", "http,db")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'db'");
  }
}
