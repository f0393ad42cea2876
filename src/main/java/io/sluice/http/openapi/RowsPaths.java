package io.sluice.http.openapi;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.ParameterDefinition;
import io.sluice.dataset.RequestNames;
import io.sluice.format.OutputFormat;
import io.sluice.format.OutputFormats;
import io.sluice.value.Column;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A dataset's rows endpoint, {@code /v1/datasets/<name>/rows} ({@code GET} and {@code HEAD}):
 * its own typed parameters (those bound to a token claim left out: a request may not give them),
 * the request's own names, and every format as a response media type.
 */
public final class RowsPaths implements DatasetPaths {

  /** {@code stream.maxLimit}: the most {@code limit} may be, {@code Long.MAX_VALUE} for no bound. */
  private final long maxLimit;

  public RowsPaths(long maxLimit) {
    this.maxLimit = maxLimit;
  }

  /** The schema name of a dataset's row object. */
  static String rowSchema(Dataset dataset) {
    return dataset.name() + ".row";
  }

  @Override
  public void addTo(JsonObject paths, Dataset dataset) {
    JsonArray parameters = new JsonArray();
    dataset.definition().parameters().stream().filter(p -> p.claim() == null).map(RowsPaths::parameter).forEach(parameters::add);
    commonParameters(dataset).forEach(parameters::add);
    parameters.add(new JsonObject().put("name", "X-Request-Id").put("in", "header").put("required", false)
        .put("description", "an id for the request (1 to 128 of letters, digits and . _ : / + = -), echoed and logged")
        .put("schema", new JsonObject().put("type", "string").put("maxLength", 128)));
    String description = dataset.definition().description();
    JsonObject get = new JsonObject()
        .put("operationId", "rows_" + dataset.name())
        .put("tags", new JsonArray().add("rows"))
        .put("summary", "Stream the rows of " + dataset.name())
        .put("description", (description == null || description.isBlank() ? "" : description + "\n\n")
            + "Rows in the dataset's order (" + String.join(", ", dataset.definition().orderBy()) + "). A stream cut after its first row"
            + " ends with an in-band record (NDJSON: {\"_sluice\":{\"status\":\"partial\",...,\"resume\":\"<token>\"}}) and no clean end;"
            + " resume= with its token goes on after the last row received.")
        .put("responses", responses(dataset, true));
    JsonObject head = new JsonObject()
        .put("operationId", "rows_" + dataset.name() + "_head")
        .put("tags", new JsonArray().add("rows"))
        .put("summary", "Check a rows request of " + dataset.name() + " without running it")
        .put("responses", responses(dataset, false));
    paths.put("/v1/datasets/" + dataset.name() + "/rows", new JsonObject().put("parameters", parameters).put("get", get).put("head", head));
  }

  /** The row schema every dataset adds to the components. */
  static JsonObject rowComponent(Dataset dataset) {
    return Schemas.row(dataset.outputColumns());
  }

  private static JsonObject responses(Dataset dataset, boolean body) {
    JsonObject ok = new JsonObject()
        .put("description", body ? "The rows, streamed (chunked), in the negotiated format; trailers Sluice-Status and Sluice-Row-Count on a clean end"
            : "The status and headers a GET would get")
        .put("headers", new JsonObject()
            .put("X-Request-Id", Schemas.header("the request's id"))
            .put("Sluice-Estimated-Rows", Schemas.header("the planner's estimate of the rows, when it has one").put("schema", Schemas.integer(0)))
            .put("Content-Disposition", Schemas.header("attachment with a file name, for the formats offered as files")));
    if (body) {
      JsonObject content = new JsonObject();
      for (OutputFormat format : OutputFormats.ALL) {
        content.put(format.mediaTypes().get(0), new JsonObject().put("schema", bodySchema(dataset, format)));
      }
      ok.put("content", content);
    }
    JsonObject responses = new JsonObject().put("200", ok);
    for (String status : List.of("400", "401", "403", "404", "406", "429", "500", "503", "504")) {
      responses.put(status, new JsonObject().put("$ref", Schemas.ERROR_RESPONSE));
    }
    return responses;
  }

  private static JsonObject bodySchema(Dataset dataset, OutputFormat format) {
    JsonObject row = Schemas.ref(rowSchema(dataset));
    return switch (format.name()) {
      case "ndjson" -> new JsonObject().put("description", "one row object per line (this schema); a cut body's last line is the _sluice record")
          .put("allOf", new JsonArray().add(row));
      case "json" -> new JsonObject().put("type", "array").put("items", row);
      case "arrow" -> new JsonObject().put("contentMediaType", format.contentType())
          .put("description", "the Arrow IPC stream: schema, record batches, end-of-stream marker");
      default -> new JsonObject().put("type", "string").put("description", format.name() + " text");
    };
  }

  /** A dataset parameter, typed as the catalogue declares it. */
  static JsonObject parameter(ParameterDefinition p) {
    JsonObject schema = new JsonObject();
    switch (p.type()) {
      case INTEGER -> schema.put("type", "integer").put("format", "int64");
      case DECIMAL -> schema.put("type", "number");
      case BOOLEAN -> schema.put("type", "boolean");
      case TIMESTAMP -> schema.put("type", "string").put("format", "date-time");
      case DATE -> schema.put("type", "string").put("format", "date");
      case STRING -> schema.put("type", "string").put("maxLength", p.maxLength());
    }
    boolean numeric = schema.getString("type").equals("integer") || schema.getString("type").equals("number");
    if (p.min() != null) {
      bound(schema, numeric, "minimum", p.min());
    }
    if (p.max() != null) {
      bound(schema, numeric, "maximum", p.max());
    }
    if (!p.allowed().isEmpty()) {
      schema.put("enum", new JsonArray(p.allowed().stream().map(v -> typed(schema, v)).toList()));
    }
    if (p.defaultValue() != null) {
      schema.put("default", typed(schema, String.valueOf(p.defaultValue())));
    }
    String description = p.description() == null ? "" : p.description();
    if (p.sensitive()) {
      description = (description + " (sensitive: the audit log records a digest, never the value)").strip();
    }
    return new JsonObject().put("name", p.name()).put("in", "query").put("required", p.required())
        .put("description", description).put("schema", schema);
  }

  /** A bound JSON Schema can hold only for numbers; a timestamp's or date's is said in words. */
  private static void bound(JsonObject schema, boolean numeric, String keyword, Comparable<?> value) {
    if (numeric) {
      schema.put(keyword, number(value.toString()));
    } else {
      schema.put("x-sluice-" + keyword, value.toString());
    }
  }

  private static Object typed(JsonObject schema, String value) {
    return switch (schema.getString("type")) {
      case "integer", "number" -> number(value);
      case "boolean" -> Boolean.parseBoolean(value);
      default -> value;
    };
  }

  private static Number number(String value) {
    java.math.BigDecimal decimal = new java.math.BigDecimal(value);
    try {
      return decimal.longValueExact();
    } catch (ArithmeticException notWhole) {
      return decimal;
    }
  }

  /** The request's own names ({@link RequestNames}), as this dataset takes them. */
  private List<JsonObject> commonParameters(Dataset dataset) {
    List<JsonObject> params = new ArrayList<>();
    JsonObject limit = Schemas.integer(0);
    if (maxLimit != Long.MAX_VALUE) {
      limit.put("maximum", maxLimit);
    }
    params.add(query(RequestNames.LIMIT, "at most this many rows", limit));
    JsonArray formats = new JsonArray();
    JsonArray described = new JsonArray();
    OutputFormats.ALL.forEach(f -> {
      formats.add(f.name());
      f.aliases().forEach(formats::add);
      JsonObject format = new JsonObject().put("name", f.name()).put("mediaType", f.mediaTypes().get(0));
      if (f.fileExtension() != null) {
        format.put("extension", f.fileExtension());
      }
      described.add(format);
    });
    params.add(query(RequestNames.FORMAT, "the output format (overrides Accept), case-insensitive",
        new JsonObject().put("type", "string").put("enum", formats).put("x-sluice-formats", described)));
    List<String> columns = dataset.outputColumns().stream().map(Column::name).toList();
    params.add(query(RequestNames.COLUMNS, "the output columns to keep, comma-separated, in that order",
        new JsonObject().put("type", "array").put("uniqueItems", true).put("items", new JsonObject().put("enum", new JsonArray(columns))))
        .put("style", "form").put("explode", false));
    params.add(query(RequestNames.HEADER, "CSV/TSV: false leaves out the header row", bool(true)));
    params.add(query(RequestNames.CSV_SAFE, "CSV/TSV: false turns off formula-injection protection", bool(true)));
    params.add(query(RequestNames.META, "NDJSON/JSON: true adds the summary record after the last row of a complete body", bool(false)));
    if (dataset.offersAfter()) {
      params.add(query(RequestNames.AFTER, "resume after the row with this key (" + String.join(", ", dataset.definition().orderBy())
          + "), comma-separated; not with resume", new JsonObject().put("type", "string")));
    }
    params.add(query(RequestNames.RESUME, "resume with the token of a cut stream's in-band record; not with after",
        new JsonObject().put("type", "string")));
    JsonObject rate = Schemas.integer(1);
    if (dataset.definition().maxRowsPerSecond() != null) {
      rate.put("maximum", dataset.definition().maxRowsPerSecond());
    }
    params.add(query(RequestNames.MAX_RATE, "at most this many rows per second", rate));
    params.add(query(RequestNames.DEGRADE, "sample: a client that keeps the stream blocked gets a marked sample (NDJSON, JSON, SSE)",
        new JsonObject().put("type", "string").put("enum", new JsonArray().add("sample"))));
    params.add(query(RequestNames.ACCESS_TOKEN, "the bearer token, for server-sent events only (format=sse): EventSource sends no headers",
        new JsonObject().put("type", "string")));
    return params;
  }

  static JsonObject query(String name, String description, JsonObject schema) {
    return new JsonObject().put("name", name).put("in", "query").put("required", false).put("description", description).put("schema", schema);
  }

  private static JsonObject bool(boolean otherwise) {
    return new JsonObject().put("type", "boolean").put("default", otherwise);
  }
}
