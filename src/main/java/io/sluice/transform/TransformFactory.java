package io.sluice.transform;

import io.vertx.core.json.JsonObject;

/**
 * Creates transforms of one {@link #type()} from their configuration. Built-in factories are
 * registered by {@link TransformRegistry}; add your own through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.sluice.transform.TransformFactory}).
 */
public interface TransformFactory {

  /** The {@code type} value that selects this factory in {@code conf/sluice.yaml}. */
  String type();

  /** Throws {@link IllegalArgumentException} when the configuration is incomplete. */
  RowTransform create(JsonObject spec, TransformContext context);
}
