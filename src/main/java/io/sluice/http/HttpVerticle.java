package io.sluice.http;

import io.sluice.config.HttpConfig;
import io.sluice.config.StreamConfig;
import io.sluice.auth.Authenticator;
import io.sluice.auth.DatasetAccess;
import io.sluice.auth.Principal;
import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.error.Failure;
import io.sluice.error.InvalidRequestException;
import io.sluice.export.Exports;
import io.sluice.format.ArrowMemory;
import io.sluice.format.SseFormat;
import io.sluice.http.compression.ContentCodings;
import io.sluice.http.explorer.ExplorerRoutes;
import io.sluice.http.health.HealthEndpoints;
import io.sluice.http.health.HealthRoutes;
import io.sluice.http.openapi.ExportPaths;
import io.sluice.http.openapi.FollowPaths;
import io.sluice.http.openapi.OpenApiDocument;
import io.sluice.http.openapi.RowsPaths;
import io.sluice.limits.ClientLimiter;
import io.sluice.logging.RequestLog;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.protocol.OpenTerms;
import io.sluice.protocol.RequestIds;
import io.sluice.protocol.StageRoutes;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamStart;
import io.sluice.resume.ResumeTokens;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: the dataset catalogue, the row streams ({@link RowsResponse}), partitioned
 * exports ({@link ExportRoutes}, whose partitions stream through the same pipeline), health (whose
 * checks and routes are {@code io.sluice.http.health}'s) and metrics. Requests are authenticated
 * ({@link CallerAuthentication}), authorized (a dataset's roles, its parameters bound to token
 * claims) and validated ({@link RowsRequestParser}) here, before any database work. The health
 * probes carry no token; {@code /metrics} needs {@code metricsRole} when one is set.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

  /** Response headers a page on another origin may read. */
  private static final Set<String> EXPOSED_HEADERS = Set.of(
      HeaderNames.REQUEST_ID, HeaderNames.STATUS_TRAILER, HeaderNames.ROW_COUNT_TRAILER, HeaderNames.ESTIMATED_ROWS,
      HttpHeaders.CONTENT_DISPOSITION.toString(), HttpHeaders.RETRY_AFTER.toString(), HttpHeaders.LOCATION.toString(),
      ExportRoutes.PARTITION_HEADER);

  private final HttpConfig httpConfig;
  private final StreamConfig streamConfig;
  private final Catalogue catalogue;
  private final SluiceMetrics metrics;
  private final HealthEndpoints health;
  private final ClientLimiter limiter;
  private final ClientAddresses clients;
  private final StageRoutes routes;
  private final CallerAuthentication authentication;
  /** The role {@code /metrics} needs, or null: open. */
  private final String metricsRole;
  private final RequestBounds bounds;
  private final RowsRequestParser parser;
  private final ContentCodings codings;
  /** The key the audit log's digests of sensitive values are made with. */
  private final AuditKey auditKey;
  /** The API's description; each endpoint family that names datasets is one piece of it. */
  private final OpenApiDocument openApi;
  private final ExportRoutes exportRoutes;

  public HttpVerticle(HttpConfig httpConfig, StreamConfig streamConfig, Catalogue catalogue, SluiceMetrics metrics, HealthEndpoints health,
      ClientLimiter limiter, ResumeTokens tokens, StageRoutes routes, Authenticator authenticator, String metricsRole, AuditKey auditKey,
      ArrowMemory arrowMemory, Exports exports) {
    this.httpConfig = httpConfig;
    this.streamConfig = streamConfig;
    this.catalogue = catalogue;
    this.metrics = metrics;
    this.health = health;
    this.limiter = limiter;
    this.clients = new ClientAddresses(httpConfig.trustedProxies());
    this.routes = routes;
    this.authentication = new CallerAuthentication(authenticator);
    this.metricsRole = metricsRole;
    this.bounds = new RequestBounds(httpConfig.limits());
    this.parser = new RowsRequestParser(tokens, arrowMemory);
    this.codings = ContentCodings.at(httpConfig.compressionLevel());
    this.auditKey = auditKey;
    this.openApi = new OpenApiDocument(version(), authenticator.required(), List.of(new RowsPaths(streamConfig.maxLimit()), new FollowPaths(), new ExportPaths()));
    this.exportRoutes = new ExportRoutes(catalogue, exports, parser, this::serveRows, exports.poolSize(),
        httpConfig.maxStreamsPerClient(), streamConfig.maxLimit(), auditKey);
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer(serverOptions())
        .invalidRequestHandler(bounds::rejectInvalid)
        .requestHandler(router())
        .listen();
  }

  /**
   * The route table, in the order a request meets it: the checks every request passes, the API
   * (authenticated), the health endpoints (open), {@code /metrics}, the explorer page ({@code /}), then a 404 for anything else
   * and the one failure handler.
   */
  private Router router() {
    Router router = Router.router(vertx);
    router.route().handler(this::assignRequestId);
    router.route().handler(bounds::checkQuery);
    router.route().handler(this::rejectMalformedQuery);
    if (!httpConfig.corsOrigins().isEmpty()) {
      router.route().handler(corsHandler());
    }
    router.route("/v1/*").handler(authentication);
    router.get("/v1/datasets").handler(this::listDatasets);
    router.get(OpenApiDocument.PATH).handler(this::describeApi);
    router.get("/v1/datasets/:name").handler(this::describeDataset);
    router.get("/v1/datasets/:name/rows").handler(this::streamRows);
    router.head("/v1/datasets/:name/rows").handler(this::describeRows);
    exportRoutes.addTo(router);
    HealthRoutes.add(router, "/health/live", health.live());
    HealthRoutes.add(router, "/health/ready", health.ready());
    HealthRoutes.add(router, "/health", health.ready());
    HealthRoutes.add(router, "/health/stream", health.stream());
    if (metricsRole != null) {
      router.get("/metrics").handler(authentication).handler(this::requireMetricsRole);
    }
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));
    ExplorerRoutes.add(router);
    router.route().last().handler(this::noRoute);
    router.route().failureHandler(HttpErrors::handleFailure);
    return router;
  }

  /** Every response names its request: the client's id if it is a sane one ({@link RequestIds}), else a new one. */
  private void assignRequestId(RoutingContext ctx) {
    String id = RequestIds.accept(ctx.request().getHeader(HeaderNames.REQUEST_ID));
    ctx.put(HeaderNames.REQUEST_ID, id);
    ctx.response().putHeader(HeaderNames.REQUEST_ID, id);
    ctx.next();
  }

  /** A query string that does not decode (say {@code %ZZ}) would otherwise fail the router's own matching. */
  private void rejectMalformedQuery(RoutingContext ctx) {
    try {
      ctx.request().params();
    } catch (IllegalArgumentException malformed) {
      HttpErrors.send(ctx.response(), 400, StreamError.of(StreamError.BAD_REQUEST, 400,
          "the query string is not valid percent-encoding: " + malformed.getMessage()).toJson());
      return;
    }
    ctx.next();
  }

  private CorsHandler corsHandler() {
    CorsHandler cors = CorsHandler.create()
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.DELETE))
        .allowedHeaders(Set.of("Authorization", HeaderNames.LAST_EVENT_ID, "Accept", HeaderNames.REQUEST_ID, "Content-Type"))
        .exposedHeaders(EXPOSED_HEADERS);
    return httpConfig.corsOrigins().contains("*") ? cors : cors.addOrigins(httpConfig.corsOrigins());
  }

  /** The datasets the caller may read, and only those. */
  private void listDatasets(RoutingContext ctx) {
    sendJson(ctx, new JsonObject().put("datasets", new JsonArray(readableDatasets(ctx).stream().map(Dataset::toJson).toList())));
  }

  /** The OpenAPI document of what the caller may read: the catalogue's datasets, no others. */
  private void describeApi(RoutingContext ctx) {
    sendJson(ctx, openApi.describe(readableDatasets(ctx)));
  }

  private List<Dataset> readableDatasets(RoutingContext ctx) {
    Principal principal = CallerAuthentication.principal(ctx);
    return catalogue.all().stream().filter(dataset -> principal.holdsAny(dataset.definition().roles())).toList();
  }

  /** The version the jar's manifest names, or {@code dev} outside a jar. */
  private static String version() {
    String version = HttpVerticle.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  private void describeDataset(RoutingContext ctx) {
    sendJson(ctx, readable(ctx).toJson());
  }

  private void streamRows(RoutingContext ctx) {
    String lastEventId = ctx.request().getHeader(HeaderNames.LAST_EVENT_ID);
    if (SseFormat.END_ID.equals(lastEventId)) {
      // an EventSource reconnecting past the end: 204 makes it stop
      ctx.response().setStatusCode(204).end();
      return;
    }
    Dataset dataset = datasetOrNull(ctx);
    serveRows(ctx, dataset, AuditLog.params(dataset, ctx.queryParams(), auditKey), () -> rowsRequest(ctx));
  }

  /**
   * Serves a rows request of {@code dataset} (null when the path names none) that {@code parse}
   * reads and checks: refused with its status and audit line if it is bad or the client may run
   * no more streams, else streamed. {@code auditParams} are its parameters as the audit shows them.
   */
  private void serveRows(RoutingContext ctx, Dataset dataset, Map<String, String> auditParams, Supplier<RowsRequest> parse) {
    long started = System.nanoTime();
    String principal = principalOf(ctx);
    RowsRequest rows;
    try {
      rows = parse.get();
    } catch (InvalidRequestException invalid) {
      refuseRows(ctx, dataset, auditParams, started, null, StreamError.of(invalid.failure()));
      return;
    }
    String client = clients.clientOf(ctx.request(), CallerAuthentication.principal(ctx));
    Failure exhausted = limiter.quotaRefusal(client);
    if (exhausted != null) {
      refuseRows(ctx, dataset, auditParams, started, rows.format().name(), StreamError.of(exhausted));
      return;
    }
    ClientLimiter.Lease lease = limiter.acquire(client);
    if (lease == null) {
      refuseRows(ctx, dataset, auditParams, started, rows.format().name(), StreamError.of(limiter.tooManyStreams(client)));
      return;
    }
    respond(ctx, rows, lease, principal, auditParams);
  }

  /** Streams {@code rows} in answer to {@code ctx}, in the client's stream slot {@code lease}; metered and audited. */
  private void respond(RoutingContext ctx, RowsRequest rows, ClientLimiter.Lease lease, String principal, Map<String, String> auditParams) {
    String requestId = ctx.get(HeaderNames.REQUEST_ID);
    StreamObserver observer = StreamObserver.all(new MetricsObserver(metrics),
        new AuditObserver(requestId, principal, auditParams, auditKey.id()));
    ResponseFraming framing = new ResponseFraming(ctx.request(), requestId, rows, httpConfig.chunkSize(), codings, observer);
    DeliveryPolicy policy = DeliveryPolicy.of(vertx, httpConfig, streamConfig, framing, lease, rows);
    StreamConsumer stream = new StreamConsumer(vertx, streamConfig.leaseMs(), streamConfig.window());
    // HTTP meters, limits and resumes its own responses: the transform stage leaves them be
    stream.terms(OpenTerms.HTTP.forPrincipal(principal));
    new RowsResponse(vertx, requestId, stream, framing, policy, observer).start(rows.stream(), rows.format(), routes.transformOpen());
  }

  /**
   * {@code HEAD}: what a {@code GET} would answer, without running the query: the cursor stage
   * checks the request as it would for a stream.
   */
  private void describeRows(RoutingContext ctx) {
    RowsRequest rows = rowsRequest(ctx);
    vertx.eventBus().request(routes.sourceCheck(), rows.stream().toJson(), new DeliveryOptions().setSendTimeout(streamConfig.leaseMs()))
        .onSuccess(checked -> {
          Long estimate = StreamStart.fromJson((JsonObject) checked.body()).estimatedRows();
          if (estimate != null) {
            ctx.response().putHeader(HeaderNames.ESTIMATED_ROWS, estimate.toString());
          }
          rows.headers().apply(ctx.response().setStatusCode(200)).end();
        })
        .onFailure(err -> {
          if (!StreamConsumer.isRefusal(err)) {
            RequestLog.of(LOG, ctx.get(HeaderNames.REQUEST_ID)).warn("HEAD: the request could not be checked", err);
          }
          StreamError error = StreamConsumer.refusal(err);
          HttpErrors.send(ctx.response(), error.status(), error.toJson());
        });
  }

  /** {@code /metrics} with a {@code metricsRole}: 403 for an authenticated caller without it. */
  private void requireMetricsRole(RoutingContext ctx) {
    if (!CallerAuthentication.principal(ctx).holds(metricsRole)) {
      throw DatasetAccess.forbidden("/metrics needs the role '" + metricsRole + "'");
    }
    ctx.next();
  }

  /** Anything no route took: 404, as JSON like every error. */
  private void noRoute(RoutingContext ctx) {
    HttpErrors.send(ctx.response(), 404,
        StreamError.of(StreamError.NOT_FOUND, 404, "no route " + ctx.request().method() + " " + ctx.request().path()).toJson());
  }

  /** The port, the idle timeout, compression, the send buffer and the request's size bounds. */
  private HttpServerOptions serverOptions() {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(httpConfig.host())
        .setPort(httpConfig.port())
        .setIdleTimeout(httpConfig.idleTimeoutSeconds())
        .setCompressionSupported(codings.offered())
        .setCompressors(codings.options());
    if (httpConfig.sendBufferSize() > 0) {
      options.setSendBufferSize(httpConfig.sendBufferSize());
    }
    return bounds.applyTo(options);
  }

  /** The dataset the path names, if the caller holds one of the roles that may read it; 403 otherwise. */
  private Dataset readable(RoutingContext ctx) {
    Dataset dataset = catalogue.require(ctx.pathParam("name"));
    DatasetAccess.requireReadable(dataset, CallerAuthentication.principal(ctx));
    return dataset;
  }

  /** The rows request {@code ctx} makes, of a dataset the caller may read. */
  private RowsRequest rowsRequest(RoutingContext ctx) {
    return parser.parse(ctx, readable(ctx), CallerAuthentication.principal(ctx));
  }

  /** Who makes the request, for the audit log: the token's subject, or {@code anonymous} without authentication. */
  private static String principalOf(RoutingContext ctx) {
    return CallerAuthentication.principal(ctx).name();
  }

  /** Refuses a rows request before its stream exists, with its audit line once the error body is written. */
  private void refuseRows(RoutingContext ctx, Dataset dataset, Map<String, String> auditParams, long started, String format,
      StreamError error) {
    String requestId = ctx.get(HeaderNames.REQUEST_ID);
    String principal = principalOf(ctx);
    String name = dataset == null ? ctx.pathParam("name") : dataset.name();
    metrics.refused(dataset == null ? null : dataset.name(), error.code());
    RequestLog.of(LOG, requestId).info("rows of '{}' refused: {} {}: {}", name, error.status(), error.code(), error.message());
    HttpErrors.send(ctx.response(), error.status(), error.toJson()).onComplete(ar -> AuditLog.write(new AuditLog.Entry(
        requestId, principal, name, auditParams, auditKey.id(), format, AuditLog.REFUSED,
        error.status(), error.code(), 0, ar.succeeded() ? ar.result() : 0, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))));
  }

  /** The dataset the path names, or null if there is none of that name. */
  private Dataset datasetOrNull(RoutingContext ctx) {
    try {
      return catalogue.require(ctx.pathParam("name"));
    } catch (InvalidRequestException unknown) {
      return null;
    }
  }

  private static void sendJson(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encodePrettily());
  }
}
