package io.sluice.support;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real headless Chromium (Debian's {@code chromium}, or {@code SLUICE_CHROMIUM}) driven over the
 * DevTools protocol with Vert.x's WebSocket client: one page, with its console errors, uncaught
 * exceptions and Content-Security-Policy reports recorded. A machine without Chromium fails the
 * test with what to install, never skips it.
 */
public final class HeadlessChromium implements AutoCloseable {

  public static final String NEEDS = "the explorer test needs Chromium (Debian: apt-get install chromium; or set SLUICE_CHROMIUM to a"
      + " Chrome/Chromium executable); see README, Tests";

  private final Process process;
  private final Path profile;
  private final WebSocketClient client;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  /** Uncaught exceptions and console or browser log entries of level error, as text. */
  private final List<String> problems = new CopyOnWriteArrayList<>();

  private HeadlessChromium(Process process, Path profile, WebSocketClient client, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.client = client;
    this.socket = socket;
  }

  /** Starts Chromium with a fresh profile and attaches to its page. */
  public static HeadlessChromium launch(Vertx vertx) throws Exception {
    String executable = System.getenv().getOrDefault("SLUICE_CHROMIUM", "chromium");
    Path profile = Files.createTempDirectory("sluice-chromium");
    File log = profile.resolveSibling(profile.getFileName() + ".log").toFile();
    Process process;
    try {
      process = new ProcessBuilder(executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
          "--user-data-dir=" + profile, "--remote-debugging-port=0", "--remote-allow-origins=*", "about:blank")
          .redirectErrorStream(true).redirectOutput(log).start();
    } catch (IOException missing) {
      throw new AssertionError("cannot start '" + executable + "': " + NEEDS, missing);
    }
    Path activePort = profile.resolve("DevToolsActivePort");
    try {
      Awaitility.await("Chromium's DevTools port").atMost(Duration.ofSeconds(30))
          .until(() -> !process.isAlive() || Files.exists(activePort) && Files.readAllLines(activePort).size() >= 2);
    } catch (RuntimeException slow) {
      process.destroyForcibly();
      throw new AssertionError("Chromium did not open its DevTools port: " + Files.readString(log.toPath()), slow);
    }
    if (!process.isAlive()) {
      throw new AssertionError("Chromium exited at once (" + NEEDS + "): " + Files.readString(log.toPath()));
    }
    int port = Integer.parseInt(Files.readAllLines(activePort).get(0).strip());
    HttpResponse<String> targets = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(), HttpResponse.BodyHandlers.ofString());
    String page = new JsonArray(targets.body()).stream().map(JsonObject.class::cast).filter(t -> "page".equals(t.getString("type")))
        .findFirst().orElseThrow(() -> new AssertionError("Chromium has no page: " + targets.body())).getString("webSocketDebuggerUrl");
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(64 << 20).setMaxMessageSize(64 << 20));
    WebSocket socket = client.connect(new WebSocketConnectOptions().setAbsoluteURI(page)).await(30, TimeUnit.SECONDS);
    HeadlessChromium chromium = new HeadlessChromium(process, profile, client, socket);
    socket.textMessageHandler(chromium::receive);
    chromium.send("Page.enable", new JsonObject());
    chromium.send("Runtime.enable", new JsonObject());
    chromium.send("Log.enable", new JsonObject());
    return chromium;
  }

  private void receive(String text) {
    JsonObject message = new JsonObject(text);
    Integer id = message.getInteger("id");
    if (id != null) {
      Promise<JsonObject> waiting = pending.remove(id);
      if (waiting != null) {
        waiting.tryComplete(message);
      }
      return;
    }
    JsonObject params = message.getJsonObject("params", new JsonObject());
    switch (message.getString("method", "")) {
      case "Runtime.exceptionThrown" -> problems.add("exception: " + params.getJsonObject("exceptionDetails").encode());
      case "Runtime.consoleAPICalled" -> {
        if ("error".equals(params.getString("type"))) {
          problems.add("console.error: " + params.getJsonArray("args").encode());
        }
      }
      case "Log.entryAdded" -> {
        JsonObject entry = params.getJsonObject("entry");
        if ("error".equals(entry.getString("level"))) {
          problems.add(entry.getString("source") + ": " + entry.getString("text"));
        }
      }
      default -> { }
    }
  }

  /** Sends a DevTools command and waits for its result; a protocol error fails the test. */
  public JsonObject send(String method, JsonObject params) throws Exception {
    int id = ids.incrementAndGet();
    Promise<JsonObject> answer = Promise.promise();
    pending.put(id, answer);
    socket.writeTextMessage(new JsonObject().put("id", id).put("method", method).put("params", params).encode());
    JsonObject response = answer.future().await(30, TimeUnit.SECONDS);
    if (response.containsKey("error")) {
      throw new AssertionError(method + ": " + response.getJsonObject("error").encode());
    }
    return response.getJsonObject("result");
  }

  /** Navigates and waits until the document has loaded. */
  public void navigate(String url) throws Exception {
    send("Page.navigate", new JsonObject().put("url", url));
    Awaitility.await("the page at " + url + " loads").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> "complete".equals(evaluate("document.readyState")) && url.equals(evaluate("location.href")));
  }

  /**
   * The value of a JavaScript expression in the page (awaited when it is a promise), arrays as lists and objects as maps; a
   * thrown exception fails the test.
   */
  public Object evaluate(String expression) throws Exception {
    JsonObject result = send("Runtime.evaluate", new JsonObject().put("expression", expression).put("returnByValue", true).put("awaitPromise", true));
    if (result.containsKey("exceptionDetails")) {
      throw new AssertionError("in the page: " + expression + ": " + result.getJsonObject("exceptionDetails").encode());
    }
    return plain(result.getJsonObject("result").getValue("value"));
  }

  /** JSON arrays as lists and objects as maps, all the way down, so values compare with Java collections. */
  private static Object plain(Object value) {
    if (value instanceof JsonArray array) {
      return array.stream().map(HeadlessChromium::plain).toList();
    }
    if (value instanceof JsonObject object) {
      Map<String, Object> map = new java.util.LinkedHashMap<>();
      object.forEach(entry -> map.put(entry.getKey(), plain(entry.getValue())));
      return map;
    }
    return value;
  }

  /** Lays the page out as a phone of {@code width} CSS pixels would, or as a desktop again with 0. */
  public void emulatePhone(int width, int height) throws Exception {
    if (width == 0) {
      send("Emulation.clearDeviceMetricsOverride", new JsonObject());
      return;
    }
    send("Emulation.setDeviceMetricsOverride", new JsonObject().put("width", width).put("height", height).put("deviceScaleFactor", 2)
        .put("mobile", true));
  }

  /** A PNG of the page as it is shown, written to {@code file}. */
  public void screenshot(Path file) throws Exception {
    String data = send("Page.captureScreenshot", new JsonObject().put("format", "png")).getString("data");
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(data));
  }

  /** What went wrong in the page so far: exceptions, console errors, blocked resources, policy violations. */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  @Override
  public void close() throws Exception {
    socket.close();
    client.close();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    // the browser's helper processes may still write into the profile after the main one exits:
    // a file that vanishes during the walk is walked again, and cleaning up never fails a test
    for (int attempt = 0; attempt < 5 && Files.exists(profile); attempt++) {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (java.io.UncheckedIOException | java.io.IOException vanished) {
        // walked again
      }
    }
  }
}
