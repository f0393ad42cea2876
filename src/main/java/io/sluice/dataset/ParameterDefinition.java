package io.sluice.dataset;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One typed parameter of a dataset: bound, in declaration order, to {@code $1, $2, ...} of
 * the dataset's SQL. Optional parameters without a default are bound as SQL {@code NULL}. A
 * parameter with a {@code claim} takes its value from the caller's token, never from the
 * request: the HTTP stage binds it, and refuses a request that gives it. A
 * {@code sensitive} parameter's values never reach a log in clear: the audit log hashes them.
 */
public record ParameterDefinition(
    String name,
    ParameterType type,
    boolean required,
    Object defaultValue,
    Comparable<?> min,
    Comparable<?> max,
    List<String> allowed,
    int maxLength,
    String description,
    String claim,
    boolean sensitive) {

  static ParameterDefinition from(JsonObject json) {
    String name = json.getString("name");
    if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new ConfigException("parameter name '" + name + "' must match [A-Za-z_][A-Za-z0-9_]*");
    }
    ParameterType type = ParameterType.of(json.getString("type", "string"));
    JsonArray allowed = json.getJsonArray("allowed");
    ParameterDefinition unchecked =
        new ParameterDefinition(
            name, type, json.getBoolean("required", false), null, null, null,
            allowed == null ? List.of() : allowed.stream().map(String::valueOf).toList(),
            json.getInteger("maxLength", 1024), json.getString("description", ""), json.getString("claim"),
            json.getBoolean("sensitive", false));
    try {
      return new ParameterDefinition(
          name, type, unchecked.required,
          parseConfigured(unchecked, json.getValue("default")),
          (Comparable<?>) parseConfigured(unchecked, json.getValue("min")),
          (Comparable<?>) parseConfigured(unchecked, json.getValue("max")),
          unchecked.allowed, unchecked.maxLength, unchecked.description, unchecked.claim, unchecked.sensitive);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("parameter '" + name + "': " + e.getMessage());
    }
  }

  private static Object parseConfigured(ParameterDefinition p, Object value) {
    return value == null ? null : p.type.parse(String.valueOf(value));
  }

  /** Parses and checks one raw value; the exception message says what is wrong with it. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  Object parse(String raw) {
    if (raw.length() > maxLength) {
      throw new IllegalArgumentException("longer than " + maxLength + " characters");
    }
    Object value = type.parse(raw);
    if (!allowed.isEmpty() && !allowed.contains(String.valueOf(value))) {
      throw new IllegalArgumentException("must be one of " + allowed);
    }
    if (min != null && ((Comparable) value).compareTo(min) < 0) {
      throw new IllegalArgumentException("must be >= " + min);
    }
    if (max != null && ((Comparable) value).compareTo(max) > 0) {
      throw new IllegalArgumentException("must be <= " + max);
    }
    return value;
  }

  /** The catalogue form. */
  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("name", name)
            .put("type", type.jsonName())
            .put("required", required)
            .put("description", description);
    if (defaultValue != null) json.put("default", String.valueOf(defaultValue));
    if (min != null) json.put("min", String.valueOf(min));
    if (max != null) json.put("max", String.valueOf(max));
    if (!allowed.isEmpty()) json.put("allowed", new JsonArray(allowed));
    if (claim != null) json.put("fromToken", claim);
    if (sensitive) json.put("sensitive", true);
    return json;
  }
}
