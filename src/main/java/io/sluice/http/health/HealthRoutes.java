package io.sluice.http.health;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * The routes of a health endpoint: {@code GET} answers with vertx-health-check's handler (200
 * UP, 503 DOWN, 500 when a check failed to answer, the JSON report); {@code HEAD} runs the same
 * checks and answers with the same status and headers, without a body. The handler itself
 * cannot serve {@code HEAD}: over HTTP/2, Vert.x 5.0.10 sends the body of a {@code HEAD}
 * response, which clients take for a protocol error.
 */
public final class HealthRoutes {

  private static final String CONTENT_TYPE = "application/json;charset=UTF-8";

  private HealthRoutes() {}

  public static void add(Router router, String path, HealthChecks checks) {
    router.get(path).handler(HealthCheckHandler.createWithHealthChecks(checks));
    router.head(path).handler(ctx -> head(ctx, checks));
  }

  private static void head(RoutingContext ctx, HealthChecks checks) {
    checks.checkStatus().onComplete(result -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE)
        .setStatusCode(result.succeeded() ? status(result.result()) : 500)
        .end());
  }

  /** The status the handler gives {@code GET}: 200 (204 without checks) when UP, 503 when DOWN, 500 when a check failed to answer. */
  static int status(CheckResult result) {
    if (CheckResult.isUp(result)) {
      return result.getChecks() == null || result.getChecks().isEmpty() ? 204 : 200;
    }
    return procedureFailed(result) ? 500 : 503;
  }

  private static boolean procedureFailed(CheckResult result) {
    if (result.getData() != null && result.getData().getBoolean("procedure-execution-failure", false)) {
      return true;
    }
    return result.getChecks() != null && result.getChecks().stream().anyMatch(HealthRoutes::procedureFailed);
  }
}
