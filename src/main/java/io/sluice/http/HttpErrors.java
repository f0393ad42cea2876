package io.sluice.http;

import io.sluice.error.InvalidRequestException;
import io.sluice.logging.RequestLog;
import io.sluice.protocol.StreamError;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place errors become HTTP responses: a status, a JSON body saying what is wrong and
 * naming the request (its {@code X-Request-Id}, under which the log holds the detail) and, for
 * a refusal worth retrying, {@code Retry-After}. Failures nobody mapped to an error are logged
 * here and answered in general words.
 */
final class HttpErrors {

  private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {}

  /**
   * Sends the error {@code body} with {@code status}, or resets a response already under way;
   * completes with the bytes of the body once they are written (0 for a reset).
   */
  static Future<Integer> send(HttpServerResponse response, int status, JsonObject body) {
    if (response.headWritten() || response.ended()) {
      response.reset();
      return Future.succeededFuture(0);
    }
    Integer retryAfter = body.getInteger("retryAfter");
    if (retryAfter != null) {
      response.putHeader(HttpHeaders.RETRY_AFTER, retryAfter.toString());
    }
    String requestId = response.headers().get(HeaderNames.REQUEST_ID);
    if (requestId != null && !body.containsKey("requestId")) {
      body = body.copy().put("requestId", requestId);
    }
    Buffer json = new JsonObject().put("error", body).toBuffer();
    return response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(json)
        .map(json.length());
  }

  /** The router's failure handler: a thrown or signalled failure of any route. */
  static void handleFailure(RoutingContext ctx) {
    Throwable err = ctx.failure();
    int status = err instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
    if (err instanceof InvalidRequestException invalid) {
      StreamError error = StreamError.of(invalid.failure());
      send(ctx.response(), error.status(), error.toJson());
    } else if (status >= 400 && status < 500) {
      // a handler's own refusal, such as CORS's 403 for an origin it does not allow
      String code = status == 403 ? StreamError.FORBIDDEN : status == 404 ? StreamError.NOT_FOUND : StreamError.BAD_REQUEST;
      String message = err instanceof HttpException http ? describe(http) : err == null ? "bad request" : String.valueOf(err.getMessage());
      send(ctx.response(), status, StreamError.of(code, status, message).toJson());
    } else {
      RequestLog.of(LOG, ctx.response().headers().get(HeaderNames.REQUEST_ID))
          .error("{} {} failed with status {}", ctx.request().method(), ctx.request().path(), ctx.statusCode(), err);
      send(ctx.response(), 500, StreamError.of(StreamError.INTERNAL, 500, "internal error").toJson());
    }
  }

  private static String describe(HttpException http) {
    Throwable cause = http.getCause();
    String detail = cause != null && cause.getMessage() != null ? cause.getMessage() : http.getPayload();
    return detail == null || detail.isBlank() ? http.getMessage() : detail;
  }
}
