package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * Partitioned exports ({@code exports}): how long an export's snapshot is held at most ({@code
 * ttlSeconds}, default 900) before it is released and its partitions answer {@code 410}. A held
 * snapshot holds back VACUUM on the whole database, so this bounds the cost of a forgotten export.
 * An export that does not say how many partitions gets one per {@code rowsPerPartition} rows
 * the planner estimates (default 250,000: about a second of one stream), at most {@link
 * #MAX_DEFAULT_PARTITIONS} and at most what the limits admit.
 */
public record ExportConfig(long ttlSeconds, long rowsPerPartition) {

  /** The most partitions an export gets when it does not ask for a number. */
  public static final int MAX_DEFAULT_PARTITIONS = 8;

  /** The most partitions one export may have. */
  public static final int MAX_PARTITIONS = 64;

  static ExportConfig from(JsonObject json) {
    ExportConfig config = new ExportConfig(json.getLong("ttlSeconds", 900L), json.getLong("rowsPerPartition", 250_000L));
    if (config.ttlSeconds < 1 || config.rowsPerPartition < 1) {
      throw new ConfigException("exports.ttlSeconds and exports.rowsPerPartition must be >= 1");
    }
    return config;
  }

  /** The partitions of an export that asked for none, given the planner's row estimate (null: unknown) and the most the limits admit. */
  public int defaultPartitions(Long estimatedRows, int admissible) {
    long wanted = estimatedRows == null ? 1 : (estimatedRows + rowsPerPartition - 1) / rowsPerPartition;
    return (int) Math.max(1, Math.min(wanted, Math.min(MAX_DEFAULT_PARTITIONS, admissible)));
  }
}
