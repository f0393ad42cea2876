package io.sluice.http;

import io.sluice.dataset.InvalidRequestException;
import io.sluice.protocol.StreamError;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** The one place errors become HTTP responses: a status and a JSON body saying what is wrong. */
final class HttpErrors {

  private HttpErrors() {}

  static void send(HttpServerResponse response, int status, JsonObject body) {
    if (response.headWritten() || response.ended()) {
      response.reset();
      return;
    }
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", body).encode());
  }

  static void send(HttpServerResponse response, Throwable err) {
    if (err instanceof InvalidRequestException invalid) {
      send(response, invalid.status(), StreamError.invalid(invalid).toJson());
    } else {
      send(response, 500, StreamError.of(StreamError.INTERNAL, 500, String.valueOf(err.getMessage())).toJson());
    }
  }
}
