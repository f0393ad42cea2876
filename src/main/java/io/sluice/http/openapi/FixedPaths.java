package io.sluice.http.openapi;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The paths every caller's document has: the catalogue and this document (authenticated), health and metrics (open). */
final class FixedPaths {

  private FixedPaths() {}

  /** The authenticated endpoints that name no dataset. */
  static JsonObject api() {
    JsonObject name = new JsonObject().put("name", "name").put("in", "path").put("required", true)
        .put("schema", new JsonObject().put("type", "string").put("pattern", "^[a-z][a-z0-9_-]*$"));
    return new JsonObject()
        .put("/v1/datasets", new JsonObject().put("get", operation("listDatasets", "catalogue", "The datasets the caller may read",
            json(Schemas.ref("Catalogue")), "401")))
        .put("/v1/datasets/{name}", new JsonObject().put("parameters", new JsonArray().add(name))
            .put("get", operation("describeDataset", "catalogue", "One dataset the caller may read", json(Schemas.ref("Dataset")),
                "401", "403", "404")))
        .put(OpenApiDocument.PATH, new JsonObject().put("get", operation("openApi", "catalogue",
            "This document: the datasets the caller may read", json(new JsonObject().put("type", "object")), "401")));
  }

  /** The endpoints that need no token. */
  static JsonObject open() {
    JsonObject paths = new JsonObject();
    for (String path : List.of("/health/live", "/health/ready", "/health", "/health/stream")) {
      JsonObject up = json(Schemas.ref("Health"));
      JsonObject down = json(Schemas.ref("Health")).put("description", "down, or (500) a check that did not answer");
      String id = "health" + path.substring("/health".length()).replace("/", "_");
      JsonObject get = new JsonObject().put("operationId", id).put("tags", new JsonArray().add("health")).put("security", new JsonArray())
          .put("summary", "Health: " + path).put("responses", new JsonObject().put("200", up).put("503", down).put("500", down));
      JsonObject head = get.copy().put("operationId", id + "_head")
          .put("responses", new JsonObject().put("200", new JsonObject().put("description", "up")).put("503", new JsonObject().put("description", "down")));
      paths.put(path, new JsonObject().put("get", get).put("head", head));
    }
    paths.put("/metrics", new JsonObject().put("get", new JsonObject().put("operationId", "metrics").put("tags", new JsonArray().add("health"))
        .put("summary", "Prometheus metrics (needs metricsRole when one is configured)")
        .put("security", new JsonArray().add(new JsonObject()).add(new JsonObject().put("bearer", new JsonArray())))
        .put("responses", new JsonObject().put("200", new JsonObject().put("description", "Prometheus text")
            .put("content", new JsonObject().put("text/plain", new JsonObject().put("schema", new JsonObject().put("type", "string"))))))));
    return paths;
  }

  private static JsonObject json(JsonObject schema) {
    return new JsonObject().put("description", "OK").put("content", new JsonObject().put("application/json", new JsonObject().put("schema", schema)));
  }

  private static JsonObject operation(String id, String tag, String summary, JsonObject ok, String... errors) {
    JsonObject responses = new JsonObject().put("200", ok);
    for (String status : errors) {
      responses.put(status, new JsonObject().put("$ref", Schemas.ERROR_RESPONSE));
    }
    return new JsonObject().put("operationId", id).put("tags", new JsonArray().add(tag)).put("summary", summary).put("responses", responses);
  }
}
