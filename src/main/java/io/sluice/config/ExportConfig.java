package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * Partitioned exports ({@code exports}): how long an export's snapshot is held at most ({@code
 * ttlSeconds}, default 900) before it is released and its partitions answer {@code 410}. A held
 * snapshot holds back VACUUM on the whole database, so this bounds the cost of a forgotten export.
 */
public record ExportConfig(long ttlSeconds) {

  /** The most partitions one export may have. */
  public static final int MAX_PARTITIONS = 64;

  static ExportConfig from(JsonObject json) {
    ExportConfig config = new ExportConfig(json.getLong("ttlSeconds", 900L));
    if (config.ttlSeconds < 1) {
      throw new ConfigException("exports.ttlSeconds must be >= 1");
    }
    return config;
  }
}
