package io.sluice.http.health;

import io.vertx.ext.healthchecks.HealthChecks;

/**
 * The checks behind {@code /health/live} (the process answers: never the database, so a
 * database outage does not restart pods that cannot cure it), {@code /health/ready} (new
 * streams can be served: the database answers) and {@code /health/stream} (a probe stream
 * crosses every stage, see {@link StreamCheck}: for monitoring, never for a probe of the
 * orchestrator). Each answers {@code GET} and {@code HEAD}.
 */
public record HealthEndpoints(HealthChecks live, HealthChecks ready, HealthChecks stream) {}
