package io.sluice.config;

import io.vertx.core.json.JsonObject;

/** Where the HTTP API listens. */
public record HttpConfig(String host, int port) {

  static HttpConfig from(JsonObject json) {
    return new HttpConfig(json.getString("host", "0.0.0.0"), json.getInteger("port", 8080));
  }
}
