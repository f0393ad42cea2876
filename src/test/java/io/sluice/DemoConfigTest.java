package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.AuthConfig;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What `java -jar sluice.jar demo` makes of the shipped configuration, which asks for JWT. */
@DisplayName("The demo's configuration")
class DemoConfigTest {

  private static Vertx vertx;
  private static JsonObject shipped;

  @BeforeAll
  static void load() throws Exception {
    vertx = Vertx.vertx();
    shipped = ConfigLoader.loadJson(vertx, "conf/sluice.yaml").await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("turns authentication off, with every role, when no key is configured: the README's quick start must run")
  void withoutKeyAuthIsOff() {
    SluiceConfig demo = Main.demoConfig(SluiceConfig.from(shipped.copy()));

    assertThat(demo.auth().mode()).isEqualTo(AuthConfig.Mode.NONE);
    assertThat(demo.auth().anonymousHolds("pii-reader")).isTrue();
    assertThat(demo.auth().validated()).isNotNull();
  }

  @Test
  @DisplayName("keeps JWT when a secret is configured")
  void withKeyAuthStays() {
    JsonObject json = shipped.copy();
    json.getJsonObject("auth").put("hs256Secret", "a-secret-of-at-least-32-characters-long");

    assertThat(Main.demoConfig(SluiceConfig.from(json)).auth().mode()).isEqualTo(AuthConfig.Mode.JWT);
  }
}
