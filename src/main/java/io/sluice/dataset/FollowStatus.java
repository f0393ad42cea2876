package io.sluice.dataset;

import io.vertx.core.json.JsonObject;

/**
 * Whether a dataset declared {@code follow: true} can be followed here, as the checks at
 * start-up found: {@code available}, or the {@code reason} it is not (a query over more than
 * one table, a table without {@code REPLICA IDENTITY FULL}, {@code wal_level} not {@code
 * logical}); and the one table ({@code schema}, {@code table}) whose changes it follows.
 */
public record FollowStatus(boolean available, String reason, String schema, String table) {

  /** A dataset that does not declare {@code follow: true}. */
  public static final FollowStatus NOT_DECLARED = new FollowStatus(false, "the dataset does not declare follow: true", null, null);

  public static FollowStatus unavailable(String reason) {
    return new FollowStatus(false, reason, null, null);
  }

  /** {@code schema.table}. */
  public String qualifiedTable() {
    return schema + "." + table;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("available", available);
    return available ? json : json.put("reason", reason);
  }
}
