package io.sluice.http;

import io.sluice.auth.AuthenticationException;
import io.sluice.auth.Authenticator;
import io.sluice.auth.Principal;
import io.sluice.dataset.RequestNames;
import io.sluice.protocol.StreamError;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Authenticates each API request before anything else runs, and puts its {@link Principal}
 * in the routing context. It only finds the token: whether one is needed, and who it names, is
 * {@link Authenticator#caller}'s decision, the bridge's too. The token comes in {@code
 * Authorization: Bearer}; only a request for
 * server-sent events may carry it as the {@code access_token} query parameter instead (RFC
 * 6750 §2.3: a browser's {@code EventSource} cannot send headers). Anywhere else a token in
 * the query string authenticates nothing: the request is refused. A refusal is a 401 with
 * {@code WWW-Authenticate: Bearer} and the RFC 6750 error code, and a JSON body.
 */
final class CallerAuthentication implements Handler<RoutingContext> {

  static final String PRINCIPAL = "sluice.principal";
  private static final String REALM = "sluice";

  private final Authenticator authenticator;

  CallerAuthentication(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** The principal of a request this handler let through. */
  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  @Override
  public void handle(RoutingContext ctx) {
    authenticator.caller(() -> tokenOf(ctx.request())).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.put(PRINCIPAL, ar.result());
        ctx.next();
      } else if (ar.cause() instanceof AuthenticationException refused) {
        refuse(ctx, refused);
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  /** The bearer token of {@code request}, or null when it carries none; refuses one it carries in a way this API does not take. */
  private static String tokenOf(HttpServerRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    String query = request.getParam(RequestNames.ACCESS_TOKEN);
    if (query != null && !isEventStream(request)) {
      throw AuthenticationException.invalidRequest("a token in the query string (access_token) is accepted only for server-sent events"
          + " (format=sse or Accept: text/event-stream): send it as Authorization: Bearer");
    }
    if (header != null) {
      if (query != null) {
        throw AuthenticationException.invalidRequest("give the token once: in Authorization or in access_token");
      }
      if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
        throw AuthenticationException.invalidRequest("Authorization must be Bearer <JWT>");
      }
      return header.substring(7).strip();
    }
    return query;
  }

  private static boolean isEventStream(HttpServerRequest request) {
    String format = request.getParam(RequestNames.FORMAT);
    if (format != null) {
      return format.equals("sse");
    }
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    return accept != null && accept.contains("text/event-stream");
  }

  private static void refuse(RoutingContext ctx, AuthenticationException refused) {
    String challenge = "Bearer realm=\"" + REALM + "\"";
    if (refused.bearerError() != null) {
      challenge += ", error=\"" + refused.bearerError() + "\", error_description=\"" + refused.getMessage().replace("\"", "'") + "\"";
    }
    ctx.response().putHeader("WWW-Authenticate", challenge);
    HttpErrors.send(ctx.response(), 401, StreamError.of(StreamError.UNAUTHORIZED, 401, refused.getMessage()).toJson());
  }
}
