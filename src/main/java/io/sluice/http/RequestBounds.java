package io.sluice.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.sluice.config.RequestLimits;
import io.sluice.protocol.StreamError;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/**
 * Bounds on a request's size, enforced before any other work (OWASP API4). Netty's decoder
 * measures the request line and the header block; Vert.x then hands the request to the
 * server's invalid-request handler, whose default answers 414 or 431 with an empty body, so
 * {@link #rejectInvalid} answers with a JSON error instead. The query string's length and its
 * number of parameters are counted on the raw text, before decoding: Netty's decoder keeps
 * the first 1024 parameters and drops the rest without a word.
 */
final class RequestBounds {

  static final String URI_TOO_LONG = "uri-too-long";
  static final String HEADERS_TOO_LARGE = "headers-too-large";

  private final RequestLimits limits;

  RequestBounds(RequestLimits limits) {
    this.limits = limits;
  }

  /** Sets the decoder's bounds, HTTP/2's header list size included. */
  HttpServerOptions applyTo(HttpServerOptions options) {
    options.setMaxInitialLineLength(limits.maxRequestLineBytes()).setMaxHeaderSize(limits.maxHeaderBytes());
    options.getInitialSettings().setMaxHeaderListSize(limits.maxHeaderBytes());
    return options;
  }

  /**
   * The server's invalid-request handler: a request the decoder could not read (too long a
   * line or header block, or malformed). The connection is closed after the answer, since the
   * decoder has given up on what follows.
   */
  void rejectInvalid(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    StreamError error;
    if (cause instanceof TooLongHttpLineException) {
      error = StreamError.of(URI_TOO_LONG, 414,
          "the request line is longer than " + limits.maxRequestLineBytes() + " bytes (http.maxRequestLineBytes)");
    } else if (cause instanceof TooLongHttpHeaderException) {
      error = StreamError.of(HEADERS_TOO_LARGE, 431,
          "the request headers are larger than " + limits.maxHeaderBytes() + " bytes (http.maxHeaderBytes)");
    } else {
      error = StreamError.of(StreamError.BAD_REQUEST, 400, "malformed HTTP request: " + (cause == null ? "unreadable" : cause.getMessage()));
    }
    request.response().putHeader(HeaderNames.REQUEST_ID, UUID.randomUUID().toString());
    HttpErrors.send(request.response(), error.status(), error.toJson());
    request.connection().close();
  }

  /** A route handler: refuses a query string longer than its bound (414) or with too many parameters (400), before it is decoded. */
  void checkQuery(RoutingContext ctx) {
    String query = ctx.request().query();
    if (query != null) {
      if (query.length() > limits.maxQueryBytes()) {
        HttpErrors.send(ctx.response(), 414, StreamError.of(URI_TOO_LONG, 414, "the query string is " + query.length()
            + " bytes, longer than " + limits.maxQueryBytes() + " (http.maxQueryBytes)").toJson());
        return;
      }
      int parameters = countParameters(query);
      if (parameters > limits.maxQueryParameters()) {
        HttpErrors.send(ctx.response(), 400, StreamError.of(StreamError.BAD_REQUEST, 400, "the query string has " + parameters
            + " query parameters, more than " + limits.maxQueryParameters() + " (http.maxQueryParameters)").toJson());
        return;
      }
    }
    ctx.next();
  }

  /** Non-empty {@code &}- or {@code ;}-separated pieces, as the decoder splits them. */
  static int countParameters(String query) {
    int count = 0;
    boolean inPiece = false;
    for (int i = 0; i < query.length(); i++) {
      char c = query.charAt(i);
      if (c == '&' || c == ';') {
        inPiece = false;
      } else if (!inPiece) {
        inPiece = true;
        count++;
      }
    }
    return count;
  }
}
