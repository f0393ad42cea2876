package io.sluice.http.explorer;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The explorer page: {@code GET /} and its script and style under {@code /explorer/}, plain files
 * from the jar's {@code explorer/} resources. It needs no token to load (it holds no data): the
 * page asks the API with the token its user pastes, which it keeps in memory only. Every answer
 * carries a strict Content-Security-Policy: scripts, styles and requests from this origin only,
 * nothing inline, no framing.
 */
public final class ExplorerRoutes {

  /** The policy: the page's own files and API, nothing else; downloads it fetched are handed over as blobs. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
      + " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final String RESOURCES = "explorer";

  private ExplorerRoutes() {}

  public static void add(Router router) {
    router.get("/").handler(ExplorerRoutes::securityHeaders).handler(ExplorerRoutes::index);
    router.get("/" + RESOURCES + "/*").handler(ExplorerRoutes::securityHeaders)
        .handler(StaticHandler.create(RESOURCES).setDirectoryListing(false).setIncludeHidden(false).setMaxAgeSeconds(300));
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY");
    ctx.next();
  }

  private static void index(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8").putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .sendFile(RESOURCES + "/index.html");
  }
}
