package io.sluice.dataset;

import io.sluice.error.InvalidRequestException;
import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A dataset as declared in configuration: a named SQL query with typed {@code $n}
 * parameters, a unique ordering key and the transforms applied to its rows, and optionally
 * its own {@code statementTimeoutMs} (otherwise the stream default), the {@code roles}
 * that may read it (any one of them; none listed: every caller), and {@code
 * maxRowsPerSecond}, the most rows per second one of its HTTP streams sends (null: no cap;
 * a client may ask for less with {@code max_rate}), and its {@code columnRules}: columns a
 * caller without a given role gets dropped or masked, and optionally the {@code databaseRole}
 * its streams run as ({@code SET LOCAL ROLE}), whether its streams stay on the primary
 * ({@code consistency: primary}) or may read a healthy replica, and whether clients may
 * {@code follow} it (its snapshot, then its committed changes). Clients only ever choose a dataset and
 * parameter values; they never send SQL.
 */
public record DatasetDefinition(
    String name,
    String description,
    String sql,
    List<String> orderBy,
    List<ParameterDefinition> parameters,
    List<JsonObject> transforms,
    Long statementTimeoutMs,
    Set<String> roles,
    Long maxRowsPerSecond,
    List<ColumnRule> columnRules,
    String databaseRole,
    boolean primaryOnly,
    boolean follow) {

  public static DatasetDefinition from(JsonObject json) {
    String name = json.getString("name");
    if (name == null || !name.matches("[a-z][a-z0-9_-]*")) {
      throw new ConfigException("dataset name '" + name + "' must match [a-z][a-z0-9_-]*");
    }
    String sql = json.getString("sql");
    if (sql == null || sql.isBlank()) {
      throw new ConfigException("dataset '" + name + "' has no sql");
    }
    List<String> orderBy = strings(json.getValue("orderBy"));
    if (orderBy.isEmpty()) {
      throw new ConfigException("dataset '" + name + "' needs a unique orderBy key");
    }
    List<ParameterDefinition> parameters = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Object p : json.getJsonArray("parameters", new JsonArray())) {
      ParameterDefinition parameter = ParameterDefinition.from((JsonObject) p);
      if (RequestNames.RESERVED.contains(parameter.name()) || !seen.add(parameter.name())) {
        throw new ConfigException("dataset '" + name + "': parameter name '" + parameter.name() + "' is reserved or repeated");
      }
      parameters.add(parameter);
    }
    List<JsonObject> transforms = new ArrayList<>();
    for (Object t : json.getJsonArray("transforms", new JsonArray())) {
      transforms.add((JsonObject) t);
    }
    return new DatasetDefinition(
        name, json.getString("description", ""), sql.strip().replaceAll(";\\s*$", ""),
        List.copyOf(orderBy), List.copyOf(parameters), List.copyOf(transforms), statementTimeout(name, json),
        Set.copyOf(strings(json.getValue("roles"))), maxRowsPerSecond(name, json), columnRules(name, json), databaseRole(name, json),
        primaryOnly(name, json), json.getBoolean("follow", false));
  }

  /** {@code consistency: primary} keeps a dataset's streams on the primary; {@code replica} (the default) lets them read a healthy replica. */
  private static boolean primaryOnly(String name, JsonObject json) {
    String consistency = json.getString("consistency", "replica");
    return switch (consistency) {
      case "primary" -> true;
      case "replica" -> false;
      default -> throw new ConfigException("dataset '" + name + "': consistency is 'primary' or 'replica', not '" + consistency + "'");
    };
  }

  private static String databaseRole(String name, JsonObject json) {
    String role = json.getString("databaseRole");
    if (role != null && !role.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new ConfigException("dataset '" + name + "': databaseRole must be a lower-case PostgreSQL role name ([a-z_][a-z0-9_]*)");
    }
    return role;
  }

  private static List<ColumnRule> columnRules(String name, JsonObject json) {
    List<ColumnRule> rules = new ArrayList<>();
    Set<String> columns = new HashSet<>();
    for (Object rule : json.getJsonArray("columnRules", new JsonArray())) {
      ColumnRule parsed = ColumnRule.from(name, (JsonObject) rule);
      if (!columns.add(parsed.column())) {
        throw new ConfigException("dataset '" + name + "': one column rule per column, '" + parsed.column() + "' has more");
      }
      rules.add(parsed);
    }
    return List.copyOf(rules);
  }

  private static Long statementTimeout(String name, JsonObject json) {
    Object value = json.getValue("statementTimeoutMs");
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()) {
      throw new ConfigException("dataset '" + name + "': statementTimeoutMs must be a whole number of milliseconds >= 0 (0: none)");
    }
    return n.longValue();
  }

  private static Long maxRowsPerSecond(String name, JsonObject json) {
    Object value = json.getValue("maxRowsPerSecond");
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || n.longValue() < 1 || n.doubleValue() != n.longValue()) {
      throw new ConfigException("dataset '" + name + "': maxRowsPerSecond must be a whole number of rows per second >= 1");
    }
    return n.longValue();
  }

  private static List<String> strings(Object value) {
    if (value instanceof String s) {
      return List.of(s);
    }
    if (value instanceof JsonArray array) {
      return array.stream().map(String::valueOf).toList();
    }
    return List.of();
  }

  /**
   * Checks a request's parameters and returns the statement's arguments: one per declared
   * parameter, then the row limit ({@code NULL} for none). Throws {@link
   * InvalidRequestException} naming the first bad parameter.
   */
  public Tuple bind(StreamRequest request, long maxLimit) {
    for (String given : request.params().keySet()) {
      if (parameters.stream().noneMatch(p -> p.name().equals(given))) {
        throw InvalidRequestException.badParameter(given, "unknown parameter for dataset '" + name + "'");
      }
    }
    Tuple tuple = Tuple.tuple();
    Map<String, String> params = request.params();
    for (ParameterDefinition parameter : parameters) {
      String raw = params.get(parameter.name());
      if (raw == null || raw.isEmpty()) {
        if (parameter.required()) {
          throw InvalidRequestException.badParameter(parameter.name(), "required");
        }
        tuple.addValue(parameter.defaultValue());
        continue;
      }
      try {
        tuple.addValue(parameter.parse(raw));
      } catch (IllegalArgumentException e) {
        throw InvalidRequestException.badParameter(parameter.name(), e.getMessage());
      }
    }
    Long limit = request.limit();
    if (limit != null && (limit < 0 || limit > maxLimit)) {
      throw InvalidRequestException.badParameter(RequestNames.LIMIT, "must be between 0 and " + maxLimit);
    }
    tuple.addValue(limit != null ? limit : maxLimit == Long.MAX_VALUE ? null : maxLimit);
    return tuple;
  }
}
