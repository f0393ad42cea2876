package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * Following datasets ({@code ?follow=true}) through PostgreSQL logical replication: the one
 * replication {@code slot} of the deployment and the {@code publication} it reads (both created
 * at start-up when missing), the most committed transactions kept in memory for late followers
 * and resumes ({@code retainedTransactions}), how often the slot reader writes a heartbeat
 * message into the WAL so that an idle database still advances the slot ({@code
 * heartbeatMs}), and whether to follow at all ({@code enabled}; without a dataset declaring
 * {@code follow: true} nothing is started either way).
 */
public record FollowConfig(boolean enabled, String slot, String publication, int retainedTransactions, long heartbeatMs) {

  static FollowConfig from(JsonObject json) {
    FollowConfig config = new FollowConfig(
        json.getBoolean("enabled", true),
        json.getString("slot", "sluice_follow"),
        json.getString("publication", "sluice_follow"),
        json.getInteger("retainedTransactions", 10_000),
        json.getLong("heartbeatMs", 1_000L));
    if (!config.slot.matches("[a-z0-9_]{1,63}") || !config.publication.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new ConfigException("follow: slot and publication must be lower-case PostgreSQL names ([a-z0-9_], at most 63 characters)");
    }
    if (config.retainedTransactions < 1 || config.heartbeatMs < 100) {
      throw new ConfigException("follow: retainedTransactions must be >= 1 and heartbeatMs >= 100");
    }
    return config;
  }

  /** The defaults. */
  public static FollowConfig defaults() {
    return from(new JsonObject());
  }

  public FollowConfig withSlot(String newSlot, String newPublication) {
    return new FollowConfig(enabled, newSlot, newPublication, retainedTransactions, heartbeatMs);
  }
}
