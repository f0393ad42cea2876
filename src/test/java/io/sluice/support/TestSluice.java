package io.sluice.support;

import io.sluice.Sluice;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.metrics.SluiceMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.function.Consumer;

/** Starts a whole Sluice in the test's Vert.x: conf/sluice.yaml plus the test datasets, on a free port. */
public final class TestSluice {

  /** The application name of the service's backends; {@code SLUICE_IT_APP} sets another, so test runs side by side can tell theirs apart. */
  public static final String APPLICATION_NAME = System.getenv().getOrDefault("SLUICE_IT_APP", "sluice-it");
  /** The key the test services sign resume tokens with. */
  public static final String RESUME_KEY = "integration-tests-resume-signing-key-0123456789";

  private TestSluice() {}

  /** Starts Sluice; {@code tweak} may change the JSON configuration first. */
  public static Future<Sluice> start(Vertx vertx, Consumer<JsonObject> tweak) {
    return start(vertx, new SluiceMetrics(), tweak);
  }

  /** The test configuration in its JSON form, changed by {@code tweak}. */
  public static Future<JsonObject> config(Vertx vertx, Consumer<JsonObject> tweak) {
    String dbUrl = TestDatabase.url();
    return ConfigLoader.loadJson(vertx, "conf/sluice.yaml").map(json -> {
      json.put("http", new JsonObject().put("host", "127.0.0.1").put("port", freePort()));
      json.put("database", new JsonObject().put("url", dbUrl).put("applicationName", APPLICATION_NAME).put("poolSize", 4));
      json.put("stream", new JsonObject().put("fetchSize", 100).put("window", 4).put("leaseMs", 5_000));
      json.put("instances", 2);
      json.put("resume", new JsonObject().put("signingKey", RESUME_KEY));
      // most tests are about streaming, not about callers: SecurityIT turns authentication on
      json.put("auth", new JsonObject().put("mode", "none").put("anonymousRoles", new JsonArray().add("*")));
      Fixtures.testDatasets().forEach(d -> json.getJsonArray("datasets").add(d));
      tweak.accept(json);
      JsonObject follow = json.getJsonObject("follow", new JsonObject());
      if (!follow.containsKey("logDir")) { // each test service a log directory of its own: tests run side by side
        try {
          json.put("follow", follow.copy().put("logDir", java.nio.file.Files.createTempDirectory("sluice-follow-it").toString()));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return json;
    });
  }

  /** A Vert.x that reports its own meters to {@code metrics}' registry, as {@code Main} makes one. */
  public static Vertx vertxWithMetrics(SluiceMetrics metrics) {
    return Vertx.builder().with(new VertxOptions().setMetricsOptions(SluiceMetrics.vertxMetricsOptions()))
        .withMetrics(metrics.vertxMetricsFactory()).build();
  }

  /** Starts Sluice on {@code vertx} with {@code metrics}; {@code tweak} may change the JSON configuration first. */
  public static Future<Sluice> start(Vertx vertx, SluiceMetrics metrics, Consumer<JsonObject> tweak) {
    return config(vertx, tweak).compose(json -> Sluice.start(vertx, SluiceConfig.from(json), metrics));
  }

  public static Future<Sluice> start(Vertx vertx) {
    return start(vertx, json -> {});
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
