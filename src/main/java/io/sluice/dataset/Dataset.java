package io.sluice.dataset;

import io.sluice.transform.TransformPlan;
import io.sluice.value.Column;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A dataset ready to serve: its definition, the columns PostgreSQL described for its query,
 * the typed columns clients receive after transforms, and the one statement the cursor runs.
 */
public record Dataset(DatasetDefinition definition, List<SourceColumn> sourceColumns, TransformPlan transforms) {

  /** The request parameter that selects output columns. */
  public static final String COLUMNS = "columns";

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
        throw InvalidRequestException.badParameter(COLUMNS, "no column '" + column + "' in dataset '" + name() + "' (have " + names + ")");
      }
    }
    if (request.columns().stream().distinct().count() != request.columns().size()) {
      throw InvalidRequestException.badParameter(COLUMNS, "names a column twice");
    }
    return definition.bind(request, maxLimit);
  }

  /**
   * The statement the cursor prepares: the dataset's SQL as a subquery, numeric and JSON
   * columns read as text, ordered by the unique key, limited by the last parameter.
   */
  public String streamSql() {
    String select =
        sourceColumns.stream()
            .map(c -> c.readMode().selectExpression(quote(c.name())))
            .collect(Collectors.joining(", "));
    String order =
        definition.orderBy().stream().map(k -> "q." + quote(k)).collect(Collectors.joining(", "));
    int limitIndex = definition.parameters().size() + 1;
    return "SELECT " + select + " FROM (" + definition.sql() + ") AS q ORDER BY " + order
        + " LIMIT $" + limitIndex;
  }

  /** The plan of {@link #streamSql()} as JSON: planned with the request's values, not run. */
  public String explainSql() {
    return "EXPLAIN (FORMAT JSON) " + streamSql();
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
    return new JsonObject()
        .put("name", name())
        .put("description", definition.description())
        .put("orderBy", new JsonArray(definition.orderBy()))
        .put("parameters", new JsonArray(definition.parameters().stream().map(ParameterDefinition::toJson).toList()))
        .put("sourceColumns", new JsonArray(columns().stream().map(Column::toJson).toList()))
        .put("columns", new JsonArray(outputColumns().stream().map(Column::toJson).toList()))
        .put("rows", "/v1/datasets/" + name() + "/rows");
  }
}
