package io.sluice.http.openapi;

import io.sluice.config.ExportConfig;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.ParameterDefinition;
import io.sluice.dataset.RequestNames;
import io.sluice.format.OutputFormat;
import io.sluice.format.OutputFormats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Partitioned exports: a dataset's {@code POST /v1/datasets/<name>/exports} (its body's {@code
 * params} typed as the rows path types the dataset's parameters), and, once for any dataset the
 * caller may read, {@code GET}/{@code DELETE /v1/exports/{id}} and a partition's rows in every
 * format, with the manifest ({@code ExportManifest} in {@link Schemas}) and the error body as their schemas.
 */
public final class ExportPaths implements DatasetPaths {

  static final String EXPORT_PATH = "/v1/exports/{id}";
  static final String PARTITION_PATH = "/v1/exports/{id}/partitions/{index}/rows";

  @Override
  public void addTo(JsonObject paths, Dataset dataset) {
    JsonObject post = new JsonObject()
        .put("operationId", "export_" + dataset.name())
        .put("tags", new JsonArray().add("exports"))
        .put("summary", "Export " + dataset.name() + " as partitions over one snapshot")
        .put("description", "N streams over one snapshot, to read in parallel: the union of the partitions is exactly the dataset's rows"
            + " when the export was made, each row once. Partitions are contiguous ranges of the first key column ("
            + dataset.definition().orderBy().get(0) + "), in manifest order. The manifest may have fewer partitions than asked; its note"
            + " says why.")
        .put("requestBody", new JsonObject().put("required", false)
            .put("content", new JsonObject().put("application/json", new JsonObject().put("schema", requestSchema(dataset)))))
        .put("responses", errors(new JsonObject().put("201", manifest("The export, made: its manifest")
            .put("headers", new JsonObject().put("Location", Schemas.header("/v1/exports/{id}")))), "400", "401", "403", "404", "500", "503"));
    paths.put("/v1/datasets/" + dataset.name() + "/exports", new JsonObject().put("post", post));
    if (!paths.containsKey(EXPORT_PATH)) {
      paths.put(EXPORT_PATH, exportItem());
      paths.put(PARTITION_PATH, partitionItem());
    }
  }

  /** The body of an export request: partitions, and the dataset's own parameters (claim-bound ones left out), typed. */
  static JsonObject requestSchema(Dataset dataset) {
    JsonObject properties = new JsonObject();
    JsonArray required = new JsonArray();
    for (ParameterDefinition p : dataset.definition().parameters()) {
      if (p.claim() != null) {
        continue;
      }
      JsonObject parameter = RowsPaths.parameter(p);
      JsonObject typed = parameter.getJsonObject("schema").put("description", parameter.getString("description"));
      properties.put(p.name(), "string".equals(typed.getString("type")) ? typed : new JsonObject().put("anyOf", new JsonArray()
          .add(typed).add(new JsonObject().put("type", "string").put("description", "the value as a query string writes it"))));
      if (p.required()) {
        required.add(p.name());
      }
    }
    JsonObject params = new JsonObject().put("type", "object").put("additionalProperties", false).put("properties", properties)
        .put("description", "the dataset's parameters by name, checked as a rows request's query parameters");
    if (!required.isEmpty()) {
      params.put("required", required);
    }
    JsonObject body = new JsonObject().put("type", "object").put("additionalProperties", false)
        .put("properties", new JsonObject()
            .put("partitions", Schemas.integer(1).put("maximum", ExportConfig.MAX_PARTITIONS)
                .put("description", "absent: 4, or fewer if the limits allow fewer; at most database.poolSize - 1 and"
                    + " http.maxStreamsPerClient"))
            .put("params", params));
    if (!required.isEmpty()) {
      body.put("required", new JsonArray().add("params"));
    }
    return body;
  }

  private static JsonObject exportItem() {
    JsonObject get = new JsonObject().put("operationId", "describeExport").put("tags", new JsonArray().add("exports"))
        .put("summary", "An export's manifest; 410 once it has ended (deleted, expired, or its node stopped)")
        .put("responses", errors(new JsonObject().put("200", manifest("The manifest")), "401", "404", "410"));
    JsonObject delete = new JsonObject().put("operationId", "deleteExport").put("tags", new JsonArray().add("exports"))
        .put("summary", "End an export: its snapshot is released at once")
        .put("responses", errors(new JsonObject().put("204", new JsonObject().put("description", "Ended")), "401", "404"));
    return new JsonObject().put("parameters", new JsonArray().add(id())).put("get", get).put("delete", delete);
  }

  private static JsonObject partitionItem() {
    JsonArray parameters = new JsonArray().add(id())
        .add(new JsonObject().put("name", "index").put("in", "path").put("required", true).put("schema", Schemas.integer(0)));
    parameters.add(RowsPaths.query(RequestNames.LIMIT, "at most this many rows of the partition", Schemas.integer(0)));
    JsonArray formats = new JsonArray();
    OutputFormats.ALL.forEach(f -> {
      formats.add(f.name());
      f.aliases().forEach(formats::add);
    });
    parameters.add(RowsPaths.query(RequestNames.FORMAT, "the output format (overrides Accept), case-insensitive",
        new JsonObject().put("type", "string").put("enum", formats)));
    parameters.add(RowsPaths.query(RequestNames.COLUMNS, "the output columns to keep, comma-separated, in that order",
        new JsonObject().put("type", "array").put("uniqueItems", true).put("items", new JsonObject().put("type", "string")))
        .put("style", "form").put("explode", false));
    for (String flag : List.of(RequestNames.HEADER, RequestNames.CSV_SAFE, RequestNames.META)) {
      parameters.add(RowsPaths.query(flag, "as for a dataset's rows", new JsonObject().put("type", "boolean")));
    }
    parameters.add(RowsPaths.query(RequestNames.AFTER, "resume after the row with this key, inside the export's snapshot",
        new JsonObject().put("type", "string")));
    parameters.add(RowsPaths.query(RequestNames.RESUME, "resume with the token of this partition's cut stream, inside the snapshot",
        new JsonObject().put("type", "string")));
    parameters.add(RowsPaths.query(RequestNames.MAX_RATE, "at most this many rows per second", Schemas.integer(1)));
    parameters.add(RowsPaths.query(RequestNames.DEGRADE, "sample (NDJSON, JSON, SSE)",
        new JsonObject().put("type", "string").put("enum", new JsonArray().add("sample"))));
    JsonObject content = new JsonObject();
    for (OutputFormat format : OutputFormats.ALL) {
      content.put(format.mediaTypes().get(0), new JsonObject().put("schema", partitionBody(format)));
    }
    JsonObject ok = new JsonObject()
        .put("description", "The partition's rows, streamed as a dataset's rows are (completion contract, trailers, in-band records)")
        .put("headers", new JsonObject()
            .put("Sluice-Partition", Schemas.header("i/N: this partition's index and the export's partitions"))
            .put("X-Request-Id", Schemas.header("the request's id")))
        .put("content", content);
    JsonObject get = new JsonObject().put("operationId", "exportPartitionRows").put("tags", new JsonArray().add("exports"))
        .put("summary", "Stream one partition of an export, with the export's parameters (a dataset parameter here is 400)")
        .put("responses", errors(new JsonObject().put("200", ok), "400", "401", "403", "404", "406", "410", "429", "500", "503", "504"));
    return new JsonObject().put("parameters", parameters).put("get", get);
  }

  private static JsonObject partitionBody(OutputFormat format) {
    JsonObject row = new JsonObject().put("type", "object").put("description", "a row of the export's dataset (its <dataset>.row schema)");
    return switch (format.name()) {
      case "ndjson" -> new JsonObject().put("description", "one row object per line; a cut body's last line is the _sluice record")
          .put("allOf", new JsonArray().add(row));
      case "json" -> new JsonObject().put("type", "array").put("items", row);
      case "arrow" -> new JsonObject().put("contentMediaType", format.contentType())
          .put("description", "the Arrow IPC stream: schema, record batches, end-of-stream marker");
      default -> new JsonObject().put("type", "string").put("description", format.name() + " text");
    };
  }

  private static JsonObject id() {
    return new JsonObject().put("name", "id").put("in", "path").put("required", true).put("schema", new JsonObject().put("type", "string"));
  }

  private static JsonObject manifest(String description) {
    return new JsonObject().put("description", description)
        .put("content", new JsonObject().put("application/json", new JsonObject().put("schema", Schemas.ref(Schemas.MANIFEST))));
  }

  private static JsonObject errors(JsonObject responses, String... statuses) {
    for (String status : statuses) {
      responses.put(status, new JsonObject().put("$ref", Schemas.ERROR_RESPONSE));
    }
    return responses;
  }
}
