package io.sluice.value;

import io.vertx.core.json.JsonObject;

/**
 * A column as it travels with the rows: its name, the kind of its values (of each element
 * when {@code array}) and the PostgreSQL type it was read from ({@code null} when a transform
 * computed it).
 */
public record Column(String name, ValueKind kind, boolean array, String dbType) {

  /** A computed column of one kind, not an array. */
  public static Column of(String name, ValueKind kind) {
    return new Column(name, kind, false, null);
  }

  public Column withName(String newName) {
    return new Column(newName, kind, array, dbType);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("name", name).put("kind", kind.name().toLowerCase(java.util.Locale.ROOT)).put("array", array);
    if (dbType != null) {
      json.put("type", dbType);
    }
    return json;
  }

  public static Column fromJson(JsonObject json) {
    return new Column(
        json.getString("name"),
        ValueKind.valueOf(json.getString("kind", "other").toUpperCase(java.util.Locale.ROOT)),
        json.getBoolean("array", false),
        json.getString("type"));
  }
}
