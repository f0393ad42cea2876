package io.sluice.support;

import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.sluice.config.Role;
import io.sluice.config.SluiceConfig;
import io.sluice.transform.FailOnTransformFactory;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sluice as its users run it, {@code java -jar target/sluice.jar} in a process of its own,
 * with the test configuration (written to a file it reads through {@code SLUICE_CONFIG}), so
 * a test can signal or kill it. Its backends connect as {@link #APPLICATION_NAME}; its output
 * goes to {@code target/child-sluice-PORT.log}.
 */
public final class ChildSluice implements AutoCloseable {

  public static final String APPLICATION_NAME = TestSluice.APPLICATION_NAME + "-child";

  private final Process process;
  private final int port;
  private final Path config;
  private final Path log;
  /** The configuration it was given. */
  private final JsonObject json;

  private ChildSluice(Process process, int port, Path config, Path log, JsonObject json) {
    this.process = process;
    this.port = port;
    this.config = config;
    this.log = log;
    this.json = json;
  }

  /** Starts the jar with the test configuration changed by {@code tweak}, and waits until it is ready (or, without HTTP, serving). */
  public static ChildSluice start(Vertx vertx, Consumer<JsonObject> tweak) throws Exception {
    return start(vertx, tweak, Map.of());
  }

  /** As {@link #start(Vertx, Consumer)}, with {@code environment} added to the process's environment. */
  public static ChildSluice start(Vertx vertx, Consumer<JsonObject> tweak, Map<String, String> environment) throws Exception {
    ChildSluice child = launch(vertx, tweak, environment);
    boolean http = SluiceConfig.from(child.json).roles().contains(Role.HTTP);
    await().atMost(Duration.ofSeconds(60)).ignoreException(java.io.UncheckedIOException.class).until(() -> {
      if (!child.process.isAlive()) {
        throw new AssertionError("sluice.jar exited with " + child.process.exitValue() + ":\n" + child.log());
      }
      return http ? Http.get(child.port, "/health/ready").statusCode() == 200 : child.log().contains("Sluice serving");
    });
    return child;
  }

  /** Starts the jar as {@link #start(Vertx, Consumer, Map)} does, without waiting for anything: for a start expected to fail. */
  public static ChildSluice launch(Vertx vertx, Consumer<JsonObject> tweak, Map<String, String> environment) throws Exception {
    int port = TestSluice.freePort();
    JsonObject json = TestSluice.config(vertx, j -> {
      j.getJsonObject("http").put("port", port);
      j.getJsonObject("database").put("applicationName", APPLICATION_NAME);
      j.put("datasets", withoutTestTransforms(j.getJsonArray("datasets")));
      tweak.accept(j);
    }).await(60, TimeUnit.SECONDS);
    Path config = Files.createTempFile("sluice-child", ".yaml"); // JSON is YAML
    Files.writeString(config, json.encodePrettily());
    Path log = Path.of("target", "child-sluice-" + port + ".log");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", Path.of("target", "sluice.jar").toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("SLUICE_CONFIG", config.toString());
    builder.environment().putAll(environment);
    return new ChildSluice(builder.start(), port, config, log, json);
  }

  /** The datasets a jar without the test classes can serve: none with a transform only the tests register. */
  private static JsonArray withoutTestTransforms(JsonArray datasets) {
    String testOnly = new FailOnTransformFactory().type();
    JsonArray served = new JsonArray();
    datasets.stream().map(JsonObject.class::cast)
        .filter(d -> d.getJsonArray("transforms", new JsonArray()).stream()
            .noneMatch(t -> testOnly.equals(((JsonObject) t).getString("type"))))
        .forEach(served::add);
    return served;
  }

  public int port() {
    return port;
  }

  public Process process() {
    return process;
  }

  /** What the process wrote so far. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  /** SIGTERM, as Kubernetes stops a pod. */
  public void terminate() {
    process.destroy();
  }

  /** SIGKILL: no chance to say or release anything. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor();
    }
    Files.deleteIfExists(config);
  }
}
