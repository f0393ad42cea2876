package io.sluice.config;

import io.vertx.core.json.JsonObject;

/**
 * Where the HTTP API listens. {@code sendBufferSize} (bytes, -1 for the OS default) bounds
 * what the kernel holds for a slow client; {@code idleTimeoutSeconds} closes a connection
 * on which nothing moved for that long (a client that stopped reading, say).
 */
public record HttpConfig(String host, int port, int sendBufferSize, int idleTimeoutSeconds) {

  static HttpConfig from(JsonObject json) {
    return new HttpConfig(
        json.getString("host", "0.0.0.0"),
        json.getInteger("port", 8080),
        json.getInteger("sendBufferSize", -1),
        json.getInteger("idleTimeoutSeconds", 300));
  }
}
