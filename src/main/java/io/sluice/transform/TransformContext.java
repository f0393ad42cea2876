package io.sluice.transform;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/** What a transform may use at start-up: Vert.x (for timers) and the database pool (for lookups). */
public record TransformContext(Vertx vertx, Pool pool) {}
