package io.sluice.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Sent once the producer's work has begun (for the cursor: a connection is held and the
 * statement runs), before the first batch: the moment a consumer may commit to answering,
 * and the planner's estimate of the rows to come ({@code null} when unknown).
 */
public record StreamStart(Long estimatedRows) {

  public JsonObject toJson() {
    return new JsonObject().put("estimatedRows", estimatedRows);
  }

  public static StreamStart fromJson(JsonObject json) {
    return new StreamStart(json == null ? null : json.getLong("estimatedRows"));
  }
}
