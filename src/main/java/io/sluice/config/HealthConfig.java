package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * The end-to-end stream check behind {@code /health/stream} ({@code health}): it runs at most
 * once every {@code streamIntervalSeconds} per process (requests in between get its last
 * result), and a run that has not ended after {@code streamTimeoutMs} is given up as DOWN.
 */
public record HealthConfig(int streamIntervalSeconds, long streamTimeoutMs) {

  static HealthConfig from(JsonObject json) {
    HealthConfig config = new HealthConfig(
        json.getInteger("streamIntervalSeconds", 10),
        json.getLong("streamTimeoutMs", 5_000L));
    if (config.streamIntervalSeconds < 1 || config.streamTimeoutMs < 100) {
      throw new ConfigException("health: streamIntervalSeconds must be >= 1, streamTimeoutMs >= 100");
    }
    return config;
  }
}
