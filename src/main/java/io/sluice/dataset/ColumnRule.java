package io.sluice.dataset;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A column a caller sees only with a role: without {@code unlessRole} it is dropped, or masked
 * (all but its last {@code keep} characters hidden, the value read as text). Applied by the
 * transform stage after the dataset's transforms, to the columns they output.
 */
public record ColumnRule(String column, String unlessRole, Action action, int keep) {

  /** What happens to the column for a caller without the role. */
  public enum Action {
    DROP,
    MASK
  }

  static ColumnRule from(String dataset, JsonObject json) {
    String column = json.getString("column");
    String role = json.getString("unlessRole");
    String action = json.getString("action", "drop");
    if (column == null || role == null || role.isBlank()) {
      throw new ConfigException("dataset '" + dataset + "': a column rule needs 'column' and 'unlessRole'");
    }
    Action parsed = switch (action) {
      case "drop" -> Action.DROP;
      case "mask" -> Action.MASK;
      default -> throw new ConfigException("dataset '" + dataset + "': column rule action must be drop or mask, got '" + action + "'");
    };
    int keep = json.getInteger("keep", 0);
    if (keep < 0) {
      throw new ConfigException("dataset '" + dataset + "': column rule keep must be >= 0");
    }
    return new ColumnRule(column, role, parsed, keep);
  }

  /** The transform that applies the rule: {@code drop} or {@code mask}. */
  public JsonObject transformSpec() {
    return action == Action.DROP
        ? new JsonObject().put("type", "drop").put("columns", new JsonArray().add(column))
        : new JsonObject().put("type", "mask").put("column", column).put("keep", keep);
  }

  public JsonObject toJson() {
    return new JsonObject().put("column", column).put("unlessRole", unlessRole).put("action", action.name().toLowerCase());
  }
}
