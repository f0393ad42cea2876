package io.sluice.http.openapi;

import io.sluice.config.ExportConfig;
import io.sluice.error.Reason;
import io.sluice.value.Column;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;

/** The JSON Schemas of the API description: rows as NDJSON and JSON write them, the error body, the catalogue. */
final class Schemas {

  static final String ERROR_RESPONSE = "#/components/responses/Error";
  /** The schema of a partitioned export's manifest. */
  static final String MANIFEST = "ExportManifest";

  private Schemas() {}

  static JsonObject ref(String schema) {
    return new JsonObject().put("$ref", "#/components/schemas/" + schema);
  }

  /** The schema of one row object: each output column, keyed by name, as NDJSON writes its values. */
  static JsonObject row(List<Column> columns) {
    JsonObject properties = new JsonObject();
    columns.forEach(column -> properties.put(column.name(), column(column)));
    return new JsonObject().put("type", "object").put("properties", properties)
        .put("required", new JsonArray(columns.stream().map(Column::name).toList()));
  }

  /** A column's values: typed as NDJSON writes them, or null; the catalogue's kind and type as extensions. */
  static JsonObject column(Column column) {
    JsonObject value = value(column);
    if (column.array()) {
      value = new JsonObject().put("type", new JsonArray().add("array").add("null")).put("items", value);
    }
    value.put("x-sluice-kind", column.kind().name().toLowerCase(java.util.Locale.ROOT));
    if (column.dbType() != null) {
      value.put("x-sluice-type", column.dbType());
    }
    return value;
  }

  private static JsonObject value(Column column) {
    return switch (column.kind()) {
      case BOOLEAN -> nullable("boolean");
      case SMALLINT, INTEGER, BIGINT -> nullable("integer");
      case REAL, DOUBLE, NUMERIC -> nullable("number", "string")
          .put("description", "an exact number; NaN, Infinity and -Infinity as strings");
      case JSON -> new JsonObject().put("description", "embedded JSON, as PostgreSQL prints it");
      case BYTES -> nullable("string").put("contentEncoding", "base64");
      case DATE -> nullable("string").put("description", "ISO-8601 date, or infinity / -infinity");
      case TIMESTAMP -> nullable("string").put("description", "ISO-8601 timestamp without offset, or infinity / -infinity");
      case TIMESTAMPTZ -> nullable("string").put("description", "ISO-8601 timestamp in UTC with offset, or infinity / -infinity");
      case UUID -> nullable("string").put("format", "uuid");
      case TEXT -> nullable("string");
      case OTHER -> nullable("string").put("description", "PostgreSQL's text form of the value");
    };
  }

  private static JsonObject nullable(String... types) {
    JsonArray type = new JsonArray(new java.util.ArrayList<>(Arrays.asList((Object[]) types))).add("null");
    return new JsonObject().put("type", type);
  }

  /** Every schema and response the document's paths refer to. */
  static JsonObject components(JsonObject datasetSchemas) {
    JsonObject schemas = new JsonObject()
        .put("Error", error())
        .put("ErrorBody", new JsonObject().put("type", "object").put("required", new JsonArray().add("error"))
            .put("properties", new JsonObject().put("error", ref("Error"))))
        .put("Column", column())
        .put("Parameter", parameter())
        .put("Dataset", dataset())
        .put(MANIFEST, manifest())
        .put("Catalogue", new JsonObject().put("type", "object").put("required", new JsonArray().add("datasets"))
            .put("properties", new JsonObject().put("datasets", new JsonObject().put("type", "array").put("items", ref("Dataset")))))
        .put("Health", new JsonObject().put("type", "object").put("description", "vertx-health-check's report")
            .put("properties", new JsonObject().put("status", new JsonObject().put("enum", new JsonArray().add("UP").add("DOWN")))));
    datasetSchemas.forEach(entry -> schemas.put(entry.getKey(), entry.getValue()));
    JsonObject error = new JsonObject().put("description", "The request was refused or failed before the first row: the JSON error body")
        .put("headers", new JsonObject()
            .put("X-Request-Id", header("the request's id, which names its log lines"))
            .put("Retry-After", header("seconds to wait before a retry, for a refusal worth retrying").put("schema", integer(0))))
        .put("content", new JsonObject().put("application/json", new JsonObject().put("schema", ref("ErrorBody"))));
    return new JsonObject()
        .put("schemas", schemas)
        .put("responses", new JsonObject().put("Error", error))
        .put("securitySchemes", new JsonObject().put("bearer", new JsonObject()
            .put("type", "http").put("scheme", "bearer").put("bearerFormat", "JWT")
            .put("description", "A JWT signed with the configured key: exp required, iss and aud checked, roles in the roles claim")));
  }

  static JsonObject header(String description) {
    return new JsonObject().put("description", description).put("schema", new JsonObject().put("type", "string"));
  }

  static JsonObject integer(long minimum) {
    return new JsonObject().put("type", "integer").put("minimum", minimum);
  }

  /** The error body's {@code error} object: the wire form of {@code protocol/StreamError}. */
  private static JsonObject error() {
    JsonArray codes = new JsonArray(Arrays.stream(Reason.values()).map(Reason::code).collect(java.util.stream.Collectors.toList()));
    codes.add("uri-too-long").add("headers-too-large");
    return new JsonObject().put("type", "object").put("required", new JsonArray().add("code").add("status").add("message"))
        .put("properties", new JsonObject()
            .put("code", new JsonObject().put("type", "string").put("enum", codes).put("description", "stable, machine-readable"))
            .put("status", new JsonObject().put("type", "integer").put("description", "the HTTP status"))
            .put("message", new JsonObject().put("type", "string").put("description", "what is wrong, in Sluice's words"))
            .put("parameter", new JsonObject().put("type", "string").put("description", "the parameter at fault"))
            .put("sqlState", new JsonObject().put("type", "string").put("description", "the SQLSTATE, when PostgreSQL raised it"))
            .put("retryAfter", new JsonObject().put("type", "integer").put("description", "seconds to wait, as Retry-After"))
            .put("requestId", new JsonObject().put("type", "string").put("description", "the request's X-Request-Id")));
  }

  private static JsonObject column() {
    return new JsonObject().put("type", "object").put("required", new JsonArray().add("name").add("kind").add("array"))
        .put("properties", new JsonObject()
            .put("name", string())
            .put("kind", new JsonObject().put("type", "string"))
            .put("array", new JsonObject().put("type", "boolean"))
            .put("type", string()));
  }

  private static JsonObject parameter() {
    return new JsonObject().put("type", "object").put("required", new JsonArray().add("name").add("type").add("required"))
        .put("properties", new JsonObject()
            .put("name", string())
            .put("type", new JsonObject().put("enum", new JsonArray().add("string").add("integer").add("decimal").add("boolean")
                .add("timestamp").add("date")))
            .put("required", new JsonObject().put("type", "boolean"))
            .put("description", string())
            .put("default", string()).put("min", string()).put("max", string())
            .put("allowed", new JsonObject().put("type", "array").put("items", string()))
            .put("fromToken", string())
            .put("sensitive", new JsonObject().put("type", "boolean")));
  }

  private static JsonObject dataset() {
    return new JsonObject().put("type", "object").put("required", new JsonArray().add("name").add("parameters").add("columns").add("rows"))
        .put("properties", new JsonObject()
            .put("name", string())
            .put("description", string())
            .put("orderBy", new JsonObject().put("type", "array").put("items", string()))
            .put("roles", new JsonObject().put("type", "array").put("items", string()))
            .put("resume", new JsonObject().put("type", "object"))
            .put("parameters", new JsonObject().put("type", "array").put("items", ref("Parameter")))
            .put("sourceColumns", new JsonObject().put("type", "array").put("items", ref("Column")))
            .put("columns", new JsonObject().put("type", "array").put("items", ref("Column")))
            .put("rows", string())
            .put("follow", new JsonObject().put("type", "object").put("required", new JsonArray().add("available"))
                .put("description", "for a dataset that declares follow: true, whether follow=true works here, or why not")
                .put("properties", new JsonObject().put("available", new JsonObject().put("type", "boolean")).put("reason", string())))
            .put("maxRowsPerSecond", new JsonObject().put("type", "integer")));
  }

  private static JsonObject string() {
    return new JsonObject().put("type", "string");
  }

  /** The manifest's schema, as {@code export/Export.manifest} writes it. */
  static JsonObject manifest() {
    JsonObject estimate = new JsonObject().put("type", new JsonArray().add("integer").add("null")).put("minimum", 0);
    JsonObject partition = new JsonObject().put("type", "object").put("additionalProperties", false)
        .put("required", new JsonArray().add("index").add("url").add("estimatedRows"))
        .put("properties", new JsonObject()
            .put("index", integer(0))
            .put("url", new JsonObject().put("type", "string").put("pattern", "^/v1/exports/[^/]+/partitions/[0-9]+/rows$"))
            .put("estimatedRows", estimate));
    JsonObject time = new JsonObject().put("type", "string").put("format", "date-time");
    return new JsonObject().put("type", "object").put("additionalProperties", false)
        .put("required", new JsonArray().add("id").add("dataset").add("createdAt").add("expiresAt").add("columns").add("estimatedRows")
            .add("ordered").add("partitions"))
        .put("properties", new JsonObject()
            .put("id", new JsonObject().put("type", "string"))
            .put("dataset", new JsonObject().put("type", "string"))
            .put("createdAt", time)
            .put("expiresAt", time)
            .put("columns", new JsonObject().put("type", "array").put("items", ref("Column")))
            .put("estimatedRows", estimate)
            .put("ordered", new JsonObject().put("type", "boolean")
                .put("description", "true: contiguous ranges of the first key column, in manifest order"))
            .put("partitions", new JsonObject().put("type", "array").put("minItems", 1).put("maxItems", ExportConfig.MAX_PARTITIONS)
                .put("items", partition))
            .put("note", new JsonObject().put("type", "string").put("description", "why there are fewer partitions than asked")));
  }
}
