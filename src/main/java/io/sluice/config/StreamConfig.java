package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * Stream tuning: the most rows per PostgreSQL fetch (one fetch becomes one batch) and the
 * bytes a batch aims at (fewer rows are fetched at a time when rows are wide, so memory is
 * bounded in bytes), credits the HTTP side grants ahead, the lease after which a silent peer
 * is given up, the largest {@code limit} a client may ask for, the statement timeout of each
 * fetch (a dataset may set its own; 0: none) and the deadline of a whole stream (0: none).
 * {@code memoryBytes} is what the batches of all streams of a process may hold at once: each
 * stream aims its batches at a fair share of it, so many streams at once shrink their batches
 * rather than the heap running out ({@link #batchBytesAmong(int)}).
 */
public record StreamConfig(int fetchSize, int batchBytes, int window, long leaseMs, long maxLimit,
    long statementTimeoutMs, long maxDurationMs, long memoryBytes) {

  /** The smallest batch a share shrinks to: below it, round trips cost more than the memory saved. */
  public static final int MIN_BATCH_BYTES = 16 * 1024;

  static StreamConfig from(JsonObject json) {
    StreamConfig config =
        new StreamConfig(
            json.getInteger("fetchSize", 1000),
            json.getInteger("batchBytes", 1 << 20),
            json.getInteger("window", 4),
            json.getLong("leaseMs", 10_000L),
            json.getLong("maxLimit", Long.MAX_VALUE),
            json.getLong("statementTimeoutMs", 60_000L),
            json.getLong("maxDurationMs", 21_600_000L),
            json.getLong("memoryBytes", 32L << 20));
    if (config.fetchSize < 1 || config.window < 1 || config.leaseMs < 100 || config.batchBytes < 1024
        || config.statementTimeoutMs < 0 || config.maxDurationMs < 0 || config.memoryBytes < MIN_BATCH_BYTES) {
      throw new ConfigException("stream: fetchSize and window must be >= 1, batchBytes >= 1024, leaseMs >= 100,"
          + " statementTimeoutMs and maxDurationMs >= 0, memoryBytes >= " + MIN_BATCH_BYTES);
    }
    return config;
  }

  /**
   * The bytes a stream's batches aim at while {@code streams} streams read at once: a fair share
   * of {@code memoryBytes} over the batches each stream may have in flight (its window and the
   * one being read), at most {@code batchBytes} and at least {@link #MIN_BATCH_BYTES}.
   */
  public int batchBytesAmong(int streams) {
    long share = memoryBytes / ((long) Math.max(1, streams) * (window + 1));
    return (int) Math.max(MIN_BATCH_BYTES, Math.min(batchBytes, share));
  }
}
