package io.sluice.http;

import io.sluice.dataset.InvalidRequestException;
import io.sluice.protocol.StreamError;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;

/**
 * The one place errors become HTTP responses: a status, a JSON body saying what is wrong and,
 * for a refusal worth retrying, {@code Retry-After}.
 */
final class HttpErrors {

  private HttpErrors() {}

  static void send(HttpServerResponse response, int status, JsonObject body) {
    if (response.headWritten() || response.ended()) {
      response.reset();
      return;
    }
    Integer retryAfter = body.getInteger("retryAfter");
    if (retryAfter != null) {
      response.putHeader(HttpHeaders.RETRY_AFTER, retryAfter.toString());
    }
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", body).encode());
  }

  /** The router's failure handler: a thrown or signalled failure of any route. */
  static void handleFailure(RoutingContext ctx) {
    Throwable err = ctx.failure();
    int status = err instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
    if (err instanceof InvalidRequestException invalid) {
      send(ctx.response(), invalid.status(), invalid.toStreamError().toJson());
    } else if (status >= 400 && status < 500) {
      // a handler's own refusal, such as CORS's 403 for an origin it does not allow
      String code = status == 403 ? StreamError.FORBIDDEN : status == 404 ? StreamError.NOT_FOUND : StreamError.BAD_REQUEST;
      String message = err instanceof HttpException http ? describe(http) : err == null ? "bad request" : String.valueOf(err.getMessage());
      send(ctx.response(), status, StreamError.of(code, status, message).toJson());
    } else {
      String message = err == null ? "status " + ctx.statusCode() : String.valueOf(err.getMessage());
      send(ctx.response(), 500, StreamError.of(StreamError.INTERNAL, 500, message).toJson());
    }
  }

  private static String describe(HttpException http) {
    Throwable cause = http.getCause();
    String detail = cause != null && cause.getMessage() != null ? cause.getMessage() : http.getPayload();
    return detail == null || detail.isBlank() ? http.getMessage() : detail;
  }
}
