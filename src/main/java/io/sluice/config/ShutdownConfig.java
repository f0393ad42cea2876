package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * What SIGTERM does ({@code shutdown}): new streams are refused at once, streams in flight
 * get {@code drainSeconds} to finish, then are ended {@code partial} with their resume token.
 * The pod's {@code terminationGracePeriodSeconds} must exceed it, the {@code preStop} pause,
 * the 3 s that follow and the drain's 10 s overrun (docs/operations.md, "Rolling updates").
 */
public record ShutdownConfig(int drainSeconds) {

  static ShutdownConfig from(JsonObject json) {
    ShutdownConfig config = new ShutdownConfig(json.getInteger("drainSeconds", 20));
    if (config.drainSeconds < 0) {
      throw new ConfigException("shutdown.drainSeconds must be >= 0");
    }
    return config;
  }
}
