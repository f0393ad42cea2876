package io.sluice.http.openapi;

import io.sluice.dataset.Dataset;
import io.vertx.core.json.JsonObject;

/**
 * One piece of the API description: the path items a dataset gets from one endpoint family
 * (its rows today; its exports and its changes when they exist). Each piece adds its literal
 * paths to {@code paths}, so a new endpoint family is one more piece handed to
 * {@link OpenApiDocument}, not a change to the others.
 */
@FunctionalInterface
public interface DatasetPaths {

  /** Adds this piece's paths for {@code dataset}, which the caller may read. */
  void addTo(JsonObject paths, Dataset dataset);
}
