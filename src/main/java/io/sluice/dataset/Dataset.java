package io.sluice.dataset;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.sluice.transform.TransformPlan;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A dataset ready to serve: its definition, the columns PostgreSQL described for its query,
 * the columns clients receive after transforms, and the one statement the cursor runs.
 */
public record Dataset(DatasetDefinition definition, List<Column> sourceColumns, TransformPlan transforms) {

  public String name() {
    return definition.name();
  }

  public List<String> sourceColumnNames() {
    return sourceColumns.stream().map(Column::name).toList();
  }

  public List<String> outputColumns() {
    return transforms.outputColumns();
  }

  /**
   * The statement the cursor prepares: the dataset's SQL as a subquery, numeric and JSON
   * columns read as text, ordered by the unique key, limited by the last parameter.
   */
  public String streamSql() {
    String select =
        sourceColumns.stream()
            .map(c -> c.kind().selectExpression(quote(c.name())))
            .collect(Collectors.joining(", "));
    String order =
        definition.orderBy().stream().map(k -> "q." + quote(k)).collect(Collectors.joining(", "));
    int limitIndex = definition.parameters().size() + 1;
    return "SELECT " + select + " FROM (" + definition.sql() + ") AS q ORDER BY " + order
        + " LIMIT $" + limitIndex;
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
        .put("sourceColumns", new JsonArray(sourceColumns.stream().map(Column::toJson).toList()))
        .put("columns", new JsonArray(outputColumns()))
        .put("rows", "/v1/datasets/" + name() + "/rows");
  }
}
