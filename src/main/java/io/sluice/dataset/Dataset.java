package io.sluice.dataset;

import io.sluice.error.InvalidRequestException;
import io.sluice.error.ConfigException;
import io.sluice.transform.TransformPlan;
import io.sluice.value.Column;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A dataset ready to serve: its definition, the columns PostgreSQL described for its query,
 * the typed columns clients receive after transforms, the one statement the cursor runs, and
 * whether it can be followed ({@link FollowStatus}).
 */
public record Dataset(DatasetDefinition definition, List<SourceColumn> sourceColumns, TransformPlan transforms, FollowStatus follow) {

  public Dataset(DatasetDefinition definition, List<SourceColumn> sourceColumns, TransformPlan transforms) {
    this(definition, sourceColumns, transforms, definition.follow() ? FollowStatus.unavailable("not checked yet") : FollowStatus.NOT_DECLARED);
  }

  /** The same dataset, with what the checks of following found. */
  public Dataset withFollow(FollowStatus status) {
    return new Dataset(definition, sourceColumns, transforms, status);
  }

  public Dataset {
    for (String key : definition.orderBy()) {
      if (sourceColumns.stream().noneMatch(c -> c.name().equals(key))) {
        throw new io.sluice.error.ConfigException("dataset '" + definition.name() + "': orderBy column '" + key + "' is not in its result");
      }
    }
  }

  public String name() {
    return definition.name();
  }

  public List<Column> columns() {
    return sourceColumns.stream().map(SourceColumn::column).toList();
  }

  public List<Column> outputColumns() {
    return transforms.outputColumns();
  }

  /**
   * Checks a request in full (its parameters, limit and selected columns) and returns the
   * statement's arguments. Throws {@link InvalidRequestException} naming the first problem.
   */
  public Tuple bind(StreamRequest request, long maxLimit) {
    List<String> names = outputColumns().stream().map(Column::name).toList();
    for (String column : request.columns()) {
      if (!names.contains(column)) {
        throw InvalidRequestException.badParameter(RequestNames.COLUMNS, "no column '" + column + "' in dataset '" + name() + "' (have " + names + ")");
      }
    }
    if (request.columns().stream().distinct().count() != request.columns().size()) {
      throw InvalidRequestException.badParameter(RequestNames.COLUMNS, "names a column twice");
    }
    Tuple arguments = definition.bind(request, maxLimit);
    if (request.position() instanceof Position.AfterKey after) {
      keyOf(after.key()).forEach(arguments::addValue);
    }
    if (request.position() instanceof Position.Partition partition) {
      if (partition.resumed()) {
        keyOf(partition.after()).forEach(arguments::addValue);
      }
      // bounds Sluice computed from the dataset's own keys, bound as values, checked by their cast in the statement
      for (String bound : new String[] {partition.lower(), partition.upper()}) {
        if (bound != null) {
          arguments.addValue(bound);
        }
      }
    }
    return arguments;
  }

  /** Where in a source row the key's values are, in {@code orderBy} order. */
  public int[] keyIndexes() {
    List<String> names = sourceColumns.stream().map(SourceColumn::name).toList();
    return definition.orderBy().stream().mapToInt(names::indexOf).toArray();
  }

  /**
   * Whether clients can resume with {@code after=}: the key's columns are in the output, so a
   * client holds its last row's key, and of types a query string can carry.
   */
  public boolean offersAfter() {
    List<String> output = outputColumns().stream().map(Column::name).toList();
    return keyColumns().stream().allMatch(c -> output.contains(c.name()) && KeyValues.readable(c.kind()));
  }

  private List<Column> keyColumns() {
    return definition.orderBy().stream()
        .map(key -> sourceColumns.stream().filter(c -> c.name().equals(key)).findFirst().orElseThrow().column())
        .toList();
  }

  /** Checks a key, one text value per key column, and returns the values the statement compares with. */
  public List<String> keyOf(List<String> after) {
    List<Column> key = keyColumns();
    if (after.size() != key.size()) {
      throw InvalidRequestException.badParameter(RequestNames.AFTER, "needs " + key.size() + " comma-separated value(s), one per key column "
          + definition.orderBy() + ", got " + after.size());
    }
    List<String> values = new java.util.ArrayList<>(key.size());
    for (int i = 0; i < key.size(); i++) {
      try {
        values.add(KeyValues.canonical(key.get(i).kind(), after.get(i)));
      } catch (IllegalArgumentException e) {
        throw InvalidRequestException.badParameter(RequestNames.AFTER, "key column '" + key.get(i).name() + "': " + e.getMessage());
      }
    }
    return values;
  }

  /**
   * The statement the cursor prepares: the dataset's SQL as a subquery, numeric and JSON
   * columns read as text, ordered by the unique key, limited by the parameter after the
   * dataset's own. A {@code resumed} one starts after a key given by the parameters after the
   * limit: a row comparison on the key, which an index on it serves (never {@code OFFSET}).
   */
  public String streamSql(boolean resumed) {
    return streamSql(resumed, false, false);
  }

  /**
   * The statement that reads from {@code position}: {@link #streamSql(boolean)}, and for a
   * partition its range on the first {@code orderBy} column, its bounds given by the parameters
   * after the key's (the lower bound inclusive, the upper exclusive; a side without one is open).
   */
  public String streamSql(Position position) {
    if (position instanceof Position.Partition partition) {
      return streamSql(partition.resumed(), partition.lower() != null, partition.upper() != null);
    }
    return streamSql(!position.isStart(), false, false);
  }

  /** The plan of {@link #streamSql(Position)} as JSON: planned with the request's values, not run. */
  public String explainSql(Position position) {
    return "EXPLAIN (FORMAT JSON) " + streamSql(position);
  }

  /**
   * The least and the greatest value of the first {@code orderBy} column over the dataset's
   * rows, as text: the span an export splits into ranges. Its parameters are the dataset's own
   * (no limit); an index on the column answers it without a scan.
   */
  public String keySpanSql() {
    String first = "q." + quote(definition.orderBy().get(0));
    return "SELECT min(" + first + ")::text, max(" + first + ")::text FROM (" + definition.sql() + ") AS q";
  }

  /** The first {@code orderBy} column, which partitions are ranges of. */
  public Column firstKeyColumn() {
    return keyColumns().get(0);
  }

  private String streamSql(boolean resumed, boolean lower, boolean upper) {
    String select =
        sourceColumns.stream()
            .map(c -> c.readMode().selectExpression(quote(c.name())))
            .collect(Collectors.joining(", "));
    List<String> key = definition.orderBy().stream().map(k -> "q." + quote(k)).toList();
    int limitIndex = definition.parameters().size() + 1;
    List<String> conditions = new java.util.ArrayList<>();
    List<Column> keyColumns = keyColumns();
    int next = limitIndex + 1;
    if (resumed) {
      List<String> bounds = new java.util.ArrayList<>();
      for (int i = 0; i < keyColumns.size(); i++) {
        bounds.add("$" + next++ + "::text::" + keyColumns.get(i).dbType());
      }
      conditions.add("(" + String.join(", ", key) + ") > (" + String.join(", ", bounds) + ")");
    }
    String first = key.get(0);
    String firstType = keyColumns.get(0).dbType();
    if (lower) {
      conditions.add(first + " >= $" + next++ + "::text::" + firstType);
    }
    if (upper) {
      conditions.add(first + " < $" + next++ + "::text::" + firstType);
    }
    String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    return "SELECT " + select + " FROM (" + definition.sql() + ") AS q" + where + " ORDER BY " + String.join(", ", key)
        + " LIMIT $" + limitIndex;
  }

  /**
   * The statement that runs the dataset's query over changed rows instead of its table, for
   * following it: the rows come as a JSON array in the parameter after the dataset's own, each
   * object a row of {@code schema.table} by column name, read with {@code json_populate_record}
   * into a CTE named like the table, which the query's unqualified name then reads. Each row that
   * passes the query's filter comes back with the columns {@link #streamSql} reads and, last, its
   * place (1, 2, ...) in the array. Only meant for a query over that one table.
   */
  public String changeSql(String schema, String table) {
    return changeSql(schema, table, false);
  }

  /**
   * {@link #changeSql(String, String)}, and with {@code keyBound} one more column after the place:
   * whether the row's key is at or before the key given by the parameters after the rows, in the
   * order the dataset's own {@code ORDER BY} reads it (its columns' types and collations), the
   * comparison {@link #streamSql} resumes with.
   */
  public String changeSql(String schema, String table, boolean keyBound) {
    String select = sourceColumns.stream()
        .map(c -> c.readMode().selectExpression(quote(c.name())))
        .collect(Collectors.joining(", "));
    int rowsIndex = definition.parameters().size() + 1;
    if (keyBound) {
      List<Column> keyColumns = keyColumns();
      List<String> bounds = new java.util.ArrayList<>();
      for (int i = 0; i < keyColumns.size(); i++) {
        bounds.add("$" + (rowsIndex + 1 + i) + "::text::" + keyColumns.get(i).dbType());
      }
      select += ", sluice_change.sluice_n, (" + definition.orderBy().stream().map(k -> "q." + quote(k)).collect(Collectors.joining(", "))
          + ") <= (" + String.join(", ", bounds) + ")";
    } else {
      select += ", sluice_change.sluice_n";
    }
    return "SELECT " + select + " FROM json_array_elements($" + rowsIndex + "::text::json) WITH ORDINALITY"
        + " AS sluice_change(sluice_row, sluice_n) CROSS JOIN LATERAL (WITH " + quote(table)
        + " AS (SELECT * FROM json_populate_record(NULL::" + quote(schema) + "." + quote(table) + ", sluice_change.sluice_row))"
        + " SELECT * FROM (" + definition.sql() + ") AS q) AS q WHERE json_typeof(sluice_change.sluice_row) = 'object'";
  }

  /** The plan of {@link #streamSql} as JSON: planned with the request's values, not run. */
  public String explainSql(boolean resumed) {
    return "EXPLAIN (FORMAT JSON) " + streamSql(resumed);
  }

  /** The planner's row estimate from the result of {@link #explainSql()}, or null. */
  public static Long estimatedRows(Object plan) {
    JsonArray plans = plan instanceof JsonArray array ? array : new JsonArray(String.valueOf(plan));
    Object rows = plans.getJsonObject(0).getJsonObject("Plan").getValue("Plan Rows");
    return rows instanceof Number n ? n.longValue() : null;
  }

  /**
   * The statement timeout of each fetch of this dataset: its own if it declares one, else
   * {@code otherwise}; 0 for none.
   */
  public long statementTimeoutMs(long otherwise) {
    return definition.statementTimeoutMs() != null ? definition.statementTimeoutMs() : otherwise;
  }

  /** The SQL used once at start-up to learn the columns. */
  static String describeSql(DatasetDefinition definition) {
    return "SELECT * FROM (" + definition.sql() + ") AS q LIMIT 0";
  }

  static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  /** The catalogue form. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("name", name())
        .put("description", definition.description())
        .put("orderBy", new JsonArray(definition.orderBy()))
        .put("roles", new JsonArray(definition.roles().stream().sorted().toList()))
        .put("resume", new JsonObject().put("token", true).put("after", offersAfter()))
        .put("parameters", new JsonArray(definition.parameters().stream().map(ParameterDefinition::toJson).toList()))
        .put("sourceColumns", new JsonArray(columns().stream().map(Column::toJson).toList()))
        .put("columns", new JsonArray(outputColumns().stream().map(Column::toJson).toList()))
        .put("rows", "/v1/datasets/" + name() + "/rows");
    json.put("follow", follow.toJson()); // every dataset: whether it can be followed, and why not
    if (definition.maxRowsPerSecond() != null) {
      json.put("maxRowsPerSecond", definition.maxRowsPerSecond());
    }
    return json;
  }
}
