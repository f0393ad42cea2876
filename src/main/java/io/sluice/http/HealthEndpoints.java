package io.sluice.http;

import io.vertx.ext.healthchecks.HealthChecks;

/**
 * The checks behind {@code /health/live} (the process answers: never the database, so a
 * database outage does not restart pods that cannot cure it) and {@code /health/ready} (new
 * streams can be served: the database answers).
 */
public record HealthEndpoints(HealthChecks live, HealthChecks ready) {}
