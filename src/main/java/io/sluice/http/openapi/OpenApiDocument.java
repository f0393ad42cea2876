package io.sluice.http.openapi;

import io.sluice.dataset.Dataset;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.List;

/**
 * The OpenAPI 3.1 description of the API as one caller sees it: the catalogue, this document,
 * health and metrics, and for each dataset the caller may read the paths its {@link
 * DatasetPaths} pieces give it (literal paths, each with the dataset's own typed parameters).
 * Built per request from the loaded catalogue, so it is always the running configuration's.
 */
public final class OpenApiDocument {

  /** The path this document is served at. */
  public static final String PATH = "/v1/openapi.json";

  private final String version;
  private final boolean authRequired;
  private final List<DatasetPaths> pieces;

  /**
   * @param version the service's version, for {@code info.version}
   * @param authRequired whether every API request needs a bearer token (else it is optional)
   * @param pieces what each dataset contributes, in order
   */
  public OpenApiDocument(String version, boolean authRequired, List<DatasetPaths> pieces) {
    this.version = version;
    this.authRequired = authRequired;
    this.pieces = List.copyOf(pieces);
  }

  /** The document describing {@code datasets} (those the caller may read) and the fixed endpoints. */
  public JsonObject describe(Collection<Dataset> datasets) {
    JsonObject paths = FixedPaths.api();
    JsonObject rowSchemas = new JsonObject();
    for (Dataset dataset : datasets) {
      pieces.forEach(piece -> piece.addTo(paths, dataset));
      rowSchemas.put(RowsPaths.rowSchema(dataset), RowsPaths.rowComponent(dataset));
      if (dataset.definition().follow()) {
        rowSchemas.put(FollowPaths.changeSchema(dataset), FollowPaths.changeComponent(dataset));
      }
    }
    rowSchemas.put(FollowPaths.STATUS, FollowPaths.statusComponent());
    FixedPaths.open().forEach(entry -> paths.put(entry.getKey(), entry.getValue()));
    JsonArray security = new JsonArray().add(new JsonObject().put("bearer", new JsonArray()));
    if (!authRequired) {
      security.add(new JsonObject());
    }
    return new JsonObject()
        .put("openapi", "3.1.0")
        .put("info", new JsonObject()
            .put("title", "Sluice")
            .put("version", version)
            .put("description", "Named, parameterised PostgreSQL queries streamed over HTTP. This document lists the datasets"
                + " the caller may read; each has its own rows path with its typed parameters."))
        .put("jsonSchemaDialect", "https://spec.openapis.org/oas/3.1/dialect/base")
        .put("security", security)
        .put("tags", new JsonArray()
            .add(new JsonObject().put("name", "catalogue"))
            .add(new JsonObject().put("name", "rows"))
            .add(new JsonObject().put("name", "exports"))
            .add(new JsonObject().put("name", "health")))
        .put("paths", paths)
        .put("components", Schemas.components(rowSchemas));
  }
}
