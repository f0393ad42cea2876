package io.sluice.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Where the HTTP API listens. {@code sendBufferSize} (bytes, -1 for the OS default) bounds
 * what the kernel holds for a slow client; {@code idleTimeoutSeconds} closes a connection
 * on which nothing moved for that long (a client that stopped reading, say). {@code
 * corsOrigins} are the origins whose pages may read the API ({@code *} for any; none by default).
 */
public record HttpConfig(String host, int port, int sendBufferSize, int idleTimeoutSeconds, List<String> corsOrigins) {

  static HttpConfig from(JsonObject json) {
    return new HttpConfig(
        json.getString("host", "0.0.0.0"),
        json.getInteger("port", 8080),
        json.getInteger("sendBufferSize", -1),
        json.getInteger("idleTimeoutSeconds", 300),
        json.getJsonArray("corsOrigins", new JsonArray()).stream().map(String::valueOf).toList());
  }

  /** The same server, open to pages of every origin (the demo's choice when none is configured). */
  public HttpConfig withCorsOrigins(List<String> origins) {
    return new HttpConfig(host, port, sendBufferSize, idleTimeoutSeconds, List.copyOf(origins));
  }
}
