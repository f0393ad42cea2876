package io.sluice.support;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The export API as a test client uses it: create, describe, delete, and read partitions, concurrently if asked. */
public final class ExportClient {

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final int port;
  /** {@code Authorization} header value, or null for none. */
  private final String authorization;

  public ExportClient(int port, String bearerToken) {
    this.port = port;
    this.authorization = bearerToken == null ? null : "Bearer " + bearerToken;
  }

  public HttpResponse<String> create(String dataset, String body) {
    return send(request("/v1/datasets/" + dataset + "/exports").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  public HttpResponse<String> get(String path) {
    return send(request(path).GET());
  }

  public HttpResponse<String> delete(String path) {
    return send(request(path).DELETE());
  }

  /** Reads every partition of {@code manifest} at once, each with {@code query} appended; the bodies in manifest order. */
  public List<HttpResponse<String>> readAll(JsonObject manifest, String query) {
    List<CompletableFuture<HttpResponse<String>>> reads = new ArrayList<>();
    for (Object p : manifest.getJsonArray("partitions")) {
      String url = ((JsonObject) p).getString("url") + query;
      reads.add(CLIENT.sendAsync(request(url).GET().build(), HttpResponse.BodyHandlers.ofString()));
    }
    return reads.stream().map(CompletableFuture::join).toList();
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60));
    return authorization == null ? builder : builder.header("Authorization", authorization);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
