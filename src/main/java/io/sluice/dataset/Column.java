package io.sluice.dataset;

import io.vertx.core.json.JsonObject;

/** A result column: its name and the PostgreSQL type it is read from. */
public record Column(String name, String type, ColumnKind kind) {

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("type", type);
  }
}
