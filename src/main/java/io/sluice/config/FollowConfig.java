package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * Following datasets ({@code ?follow=true}) through PostgreSQL logical replication: the one
 * replication {@code slot} of the deployment and the {@code publication} it reads (both created
 * at start-up when missing), the retained log that late followers and resumes read (the newest
 * {@code retainedTransactions} committed transactions in memory, and all of them in segment
 * files under {@code logDir}/slot, at most {@code retainedBytes}, which a restart reloads; a
 * {@code logDir} of {@code "none"} keeps the log in memory only, and null means {@code
 * sluice-follow} under {@code java.io.tmpdir}), how often the slot reader writes a heartbeat
 * message into the WAL so that an idle database still advances the slot ({@code heartbeatMs}),
 * and whether to follow at all ({@code enabled}; without a dataset declaring {@code follow:
 * true} nothing is started either way).
 */
public record FollowConfig(boolean enabled, String slot, String publication, int retainedTransactions, Path logDir, long retainedBytes,
    long heartbeatMs) {

  /** The smallest disk bound: a few segments of the smallest size. */
  public static final long MIN_RETAINED_BYTES = 256 * 1024;

  static FollowConfig from(JsonObject json) {
    String dir = json.getString("logDir", "");
    Path logDir = dir.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "sluice-follow") : "none".equals(dir) ? null : Path.of(dir);
    FollowConfig config = new FollowConfig(
        json.getBoolean("enabled", true),
        json.getString("slot", "sluice_follow"),
        json.getString("publication", "sluice_follow"),
        json.getInteger("retainedTransactions", 10_000),
        logDir,
        json.getLong("retainedBytes", 1L << 30),
        json.getLong("heartbeatMs", 1_000L));
    if (!config.slot.matches("[a-z0-9_]{1,63}") || !config.publication.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new ConfigException("follow: slot and publication must be lower-case PostgreSQL names ([a-z0-9_], at most 63 characters)");
    }
    if (config.retainedTransactions < 1 || config.heartbeatMs < 100) {
      throw new ConfigException("follow: retainedTransactions must be >= 1 and heartbeatMs >= 100");
    }
    if (config.retainedBytes < MIN_RETAINED_BYTES) {
      throw new ConfigException("follow: retainedBytes must be >= " + MIN_RETAINED_BYTES);
    }
    return config;
  }

  /** The defaults. */
  public static FollowConfig defaults() {
    return from(new JsonObject());
  }

  public FollowConfig withSlot(String newSlot, String newPublication) {
    return new FollowConfig(enabled, newSlot, newPublication, retainedTransactions, logDir, retainedBytes, heartbeatMs);
  }

  /** The same with the retained log's disk part in {@code newLogDir} (null: memory only), at most {@code newRetainedBytes}. */
  public FollowConfig withLog(Path newLogDir, long newRetainedBytes) {
    return new FollowConfig(enabled, slot, publication, retainedTransactions, newLogDir, newRetainedBytes, heartbeatMs);
  }
}
