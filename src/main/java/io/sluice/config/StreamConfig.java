package io.sluice.config;

import io.vertx.core.json.JsonObject;

/**
 * Stream tuning: rows per PostgreSQL fetch (one fetch becomes one batch), credits the HTTP
 * side grants ahead, the lease after which a silent peer is given up, and the largest
 * {@code limit} a client may ask for.
 */
public record StreamConfig(int fetchSize, int window, long leaseMs, long maxLimit) {

  static StreamConfig from(JsonObject json) {
    StreamConfig config =
        new StreamConfig(
            json.getInteger("fetchSize", 1000),
            json.getInteger("window", 4),
            json.getLong("leaseMs", 10_000L),
            json.getLong("maxLimit", Long.MAX_VALUE));
    if (config.fetchSize < 1 || config.window < 1 || config.leaseMs < 100) {
      throw new ConfigException("stream: fetchSize and window must be >= 1, leaseMs >= 100");
    }
    return config;
  }
}
