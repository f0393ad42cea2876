package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.sluice.format.OutputFormat;
import io.sluice.format.OutputFormats;
import io.sluice.support.HeadlessChromium;
import io.sluice.support.Http;
import io.sluice.support.Jwt;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The explorer page at {@code /} in a real headless Chromium: it loads under its strict policy,
 * lists what the pasted token may read, previews exactly the API's rows as they stream, offers
 * every format, and shows a cut stream as cut (the quota of a second Sluice cuts it).
 */
@DisplayName("The explorer page")
class ExplorerIT extends ServiceTest {

  private static final ObjectMapper EXACT = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
  private static Sluice cutting;
  private static String token;
  private HeadlessChromium chromium;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, Jwt::configure);
    cutting = TestSluice.start(vertx, json -> {
      Jwt.configure(json);
      json.getJsonObject("http").put("quota", new JsonObject().put("rowsPerWindow", 300).put("bytesPerWindow", 0).put("windowSeconds", 3600));
    }).await(60, TimeUnit.SECONDS);
    token = Jwt.on(vertx).token("alice", new JsonObject().put("tenant_id", 1), "analyst", "pii-reader");
  }

  @AfterAll
  static void stopCutting() throws Exception {
    if (cutting != null) {
      cutting.stop().await(10, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void closeBrowser() throws Exception {
    if (chromium != null) {
      chromium.close();
      chromium = null;
    }
  }

  @Test
  @DisplayName("is plain files under a strict Content-Security-Policy, with nothing inline")
  void policy() {
    HttpResponse<String> page = Http.get(port, "/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    String policy = page.headers().firstValue("content-security-policy").orElseThrow();
    assertThat(policy).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
        .doesNotContain("unsafe-inline", "unsafe-eval");
    assertThat(page.body()).contains("<meta name=\"viewport\"").doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContain("style=", "<style");
    for (String asset : List.of("/explorer/explorer.js", "/explorer/explorer.css")) {
      HttpResponse<String> file = Http.get(port, asset);
      assertThat(file.statusCode()).as(asset).isEqualTo(200);
      assertThat(file.headers().firstValue("content-security-policy")).hasValue(policy);
    }
    assertThat(Http.get(port, "/explorer/nothing.js").statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("lists the token's datasets and previews exactly the API's rows, with downloads and snippets")
  void preview(Vertx vertx) throws Exception {
    chromium = HeadlessChromium.launch(vertx);
    chromium.navigate("http://127.0.0.1:" + port + "/");
    awaitState("catalogue-status", "error");
    assertThat(text("catalogue-status")).contains("401");
    useToken();

    List<String> listed = new JsonObject(get(port, "/v1/datasets").body()).getJsonArray("datasets").stream()
        .map(d -> ((JsonObject) d).getString("name")).toList();
    assertThat(chromium.evaluate("[...document.querySelectorAll('#datasets button')].map(b => b.textContent)")).isEqualTo(listed);

    List<List<String>> series = previewOf("series", Map.of("count", "250"), "100");
    assertThat(series).isEqualTo(apiRows(port, "series", "count=250&limit=100"));
    assertThat(series).hasSize(100);
    assertThat(chromium.evaluate("document.getElementById('preview-status').dataset.rows")).isEqualTo("100");
    assertThat(chromium.evaluate("[...document.querySelectorAll('#downloads [data-format]')].map(b => b.dataset.format)"))
        .isEqualTo(OutputFormats.ALL.stream().map(OutputFormat::name).toList());
    Path downloads = Files.createTempDirectory("sluice-downloads");
    chromium.send("Page.setDownloadBehavior", new JsonObject().put("behavior", "allow").put("downloadPath", downloads.toString()));
    chromium.evaluate("document.querySelector('#downloads [data-format=\"csv\"]').click(); true");
    Path csv = downloads.resolve("series.csv");
    Awaitility.await("the CSV download").atMost(Duration.ofSeconds(30)).until(() -> Files.exists(csv) && Files.size(csv) > 0);
    assertThat(Files.readString(csv)).as("the download with the token is the API's file").isEqualTo(get(port, "/v1/datasets/series/rows?count=250&limit=100&format=csv").body());
    assertThat(text("curl-snippet")).isEqualTo("curl -sS -H \"Authorization: Bearer $SLUICE_TOKEN\" 'http://127.0.0.1:" + port
        + "/v1/datasets/series/rows?count=250&limit=100'");
    assertThat(text("python-snippet")).contains("client.rows(\"series\", count=250, limit=100)").doesNotContain(token);
    assertThat(chromium.evaluate("document.body.innerHTML.includes('" + token + "')")).as("the token is not written into the page").isEqualTo(false);

    List<List<String>> transactions = previewOf("transactions", Map.of(), "50");
    assertThat(transactions).hasSize(50).isEqualTo(apiRows(port, "transactions", "limit=50"));
    assertThat(chromium.problems()).as("no exception, console error or policy violation beyond the 401 before the token").allMatch(p -> p.contains("401"));

    chromium.emulatePhone(390, 844);
    chromium.navigate("http://127.0.0.1:" + port + "/");
    useToken();
    previewOf("transactions", Map.of(), "20");
    assertThat(chromium.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).as("no sideways scrolling on a phone").isEqualTo(true);
    chromium.screenshot(Path.of("target", "explorer-phone.png"));
  }

  @Test
  @DisplayName("shows a stream cut mid-way as cut, with its rows and the in-band error")
  void cut(Vertx vertx) throws Exception {
    chromium = HeadlessChromium.launch(vertx);
    int cuttingPort = cutting.config().http().port();
    chromium.navigate("http://127.0.0.1:" + cuttingPort + "/");
    useToken();
    List<List<String>> rows = previewOf("series", Map.of("count", "1000"), "1000", "cut");
    assertThat(text("preview-status")).startsWith("cut after " + rows.size() + " rows: quota-exceeded");
    assertThat(rows.size()).isBetween(1, 999);
    assertThat(rows).isEqualTo(apiRows(port, "series", "count=1000&limit=" + rows.size()));
    chromium.screenshot(Path.of("target", "explorer-cut.png"));
  }

  private void useToken() throws Exception {
    chromium.evaluate("document.getElementById('token').value = '" + token + "'; document.getElementById('token-form').requestSubmit(); true");
    awaitState("catalogue-status", "loaded");
  }

  private List<List<String>> previewOf(String dataset, Map<String, String> params, String limit) throws Exception {
    return previewOf(dataset, params, limit, "complete");
  }

  /** Selects {@code dataset}, fills the form, previews, waits for {@code state}; the table's cells, row by row. */
  @SuppressWarnings("unchecked")
  private List<List<String>> previewOf(String dataset, Map<String, String> params, String limit, String state) throws Exception {
    chromium.evaluate("document.querySelector('#datasets button[data-name=\"" + dataset + "\"]').click(); true");
    StringBuilder fill = new StringBuilder();
    params.forEach((name, value) -> fill.append("document.getElementById('p-").append(name).append("').value = '").append(value).append("';"));
    chromium.evaluate(fill + "document.getElementById('f-limit').value = '" + limit + "';"
        + "document.getElementById('f-limit').dispatchEvent(new Event('input'));"
        + "document.getElementById('params').requestSubmit(); true");
    awaitState("preview-status", state);
    return (List<List<String>>) chromium.evaluate("[...document.querySelectorAll('#preview tbody tr')].map(tr => [...tr.cells].map(td => td.textContent))");
  }

  private void awaitState(String id, String state) {
    Awaitility.await(id + " becomes " + state).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> state.equals(chromium.evaluate("document.getElementById('" + id + "').dataset.state")));
  }

  private String text(String id) throws Exception {
    return (String) chromium.evaluate("document.getElementById('" + id + "').textContent");
  }

  private static HttpResponse<String> get(int port, String path) {
    return Http.get(port, path, "Authorization", "Bearer " + token);
  }

  /** The API's NDJSON rows, each value as the page shows it: text as it is, anything else as its exact JSON. */
  private static List<List<String>> apiRows(int port, String dataset, String query) throws Exception {
    HttpResponse<String> response = get(port, "/v1/datasets/" + dataset + "/rows?" + query);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<List<String>> rows = new ArrayList<>();
    for (String line : response.body().lines().toList()) {
      List<String> cells = new ArrayList<>();
      for (Iterator<JsonNode> values = EXACT.readTree(line).elements(); values.hasNext(); ) {
        JsonNode value = values.next();
        cells.add(value.isTextual() ? value.textValue() : value.toString());
      }
      rows.add(cells);
    }
    return rows;
  }
}
