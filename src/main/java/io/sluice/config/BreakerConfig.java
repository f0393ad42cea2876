package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * The circuit breaker in front of the database ({@code database.breaker}): it opens after
 * {@code maxFailures} failures to reach the database within {@code failureWindowMs}, refuses
 * new streams at once while open, and lets one through to try again after {@code resetTimeoutMs}.
 */
public record BreakerConfig(int maxFailures, long failureWindowMs, long resetTimeoutMs) {

  static BreakerConfig from(JsonObject json) {
    BreakerConfig config = new BreakerConfig(
        json.getInteger("maxFailures", 5),
        json.getLong("failureWindowMs", 10_000L),
        json.getLong("resetTimeoutMs", 10_000L));
    if (config.maxFailures < 1 || config.failureWindowMs < 1 || config.resetTimeoutMs < 1) {
      throw new ConfigException("database.breaker: maxFailures, failureWindowMs and resetTimeoutMs must be >= 1");
    }
    return config;
  }
}
