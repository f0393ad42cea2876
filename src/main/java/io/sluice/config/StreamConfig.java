package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * Stream tuning: the most rows per PostgreSQL fetch (one fetch becomes one batch) and the
 * bytes a batch aims at (fewer rows are fetched at a time when rows are wide, so memory is
 * bounded in bytes), credits the HTTP side grants ahead, the lease after which a silent peer
 * is given up, the largest {@code limit} a client may ask for, the statement timeout of each
 * fetch (a dataset may set its own; 0: none) and the deadline of a whole stream (0: none).
 */
public record StreamConfig(int fetchSize, int batchBytes, int window, long leaseMs, long maxLimit,
    long statementTimeoutMs, long maxDurationMs) {

  static StreamConfig from(JsonObject json) {
    StreamConfig config =
        new StreamConfig(
            json.getInteger("fetchSize", 1000),
            json.getInteger("batchBytes", 1 << 20),
            json.getInteger("window", 4),
            json.getLong("leaseMs", 10_000L),
            json.getLong("maxLimit", Long.MAX_VALUE),
            json.getLong("statementTimeoutMs", 60_000L),
            json.getLong("maxDurationMs", 21_600_000L));
    if (config.fetchSize < 1 || config.window < 1 || config.leaseMs < 100 || config.batchBytes < 1024
        || config.statementTimeoutMs < 0 || config.maxDurationMs < 0) {
      throw new ConfigException("stream: fetchSize and window must be >= 1, batchBytes >= 1024, leaseMs >= 100,"
          + " statementTimeoutMs and maxDurationMs >= 0");
    }
    return config;
  }
}
