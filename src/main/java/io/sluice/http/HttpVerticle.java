package io.sluice.http;

import io.sluice.config.HttpConfig;
import io.sluice.config.StreamConfig;
import io.sluice.auth.Authenticator;
import io.sluice.auth.DatasetAccess;
import io.sluice.auth.Principal;
import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.error.InvalidRequestException;
import io.sluice.error.Reason;
import io.sluice.dataset.Position;
import io.sluice.dataset.RequestNames;
import io.sluice.dataset.StreamRequest;
import io.sluice.format.EncodingOptions;
import io.sluice.format.OutputFormat;
import io.sluice.format.OutputFormats;
import io.sluice.format.SseFormat;
import io.sluice.health.HealthEndpoints;
import io.sluice.health.HealthRoutes;
import io.sluice.logging.RequestLog;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.protocol.RequestIds;
import io.sluice.protocol.StageRoutes;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamStart;
import io.sluice.resume.InvalidTokenException;
import io.sluice.resume.ResumeTokens;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.netty.handler.codec.compression.Brotli;
import io.netty.handler.codec.compression.CompressionOptions;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.compression.Zstd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: the dataset catalogue, the row streams ({@link RowsResponse}), health and
 * metrics. Requests are authenticated ({@link CallerAuthentication}), authorized (a dataset's
 * roles, its parameters bound to token claims) and validated here, before any database work.
 * The health probes carry no token; {@code /metrics} needs {@code metricsRole} when one is set.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

  /** Response headers a page on another origin may read. */
  private static final Set<String> EXPOSED_HEADERS = Set.of(
      HeaderNames.REQUEST_ID, HeaderNames.STATUS_TRAILER, HeaderNames.ROW_COUNT_TRAILER, HeaderNames.ESTIMATED_ROWS,
      HttpHeaders.CONTENT_DISPOSITION.toString(), HttpHeaders.RETRY_AFTER.toString());

  /** The one {@code degrade=} value: sample the rows of a stream whose client keeps it blocked. */
  private static final String SAMPLE = "sample";
  /** Seconds a client refused for running too many streams is told to wait. */
  private static final int TOO_MANY_RETRY_AFTER_SECONDS = 5;

  private final HttpConfig httpConfig;
  private final StreamConfig streamConfig;
  private final Catalogue catalogue;
  private final SluiceMetrics metrics;
  private final HealthEndpoints health;
  private final ClientLimiter limiter;
  private final ResumeTokens tokens;
  private final StageRoutes routes;
  private final CallerAuthentication authentication;
  /** The role {@code /metrics} needs, or null: open. */
  private final String metricsRole;
  private final RequestBounds bounds;

  public HttpVerticle(HttpConfig httpConfig, StreamConfig streamConfig, Catalogue catalogue, SluiceMetrics metrics, HealthEndpoints health,
      ClientLimiter limiter, ResumeTokens tokens, StageRoutes routes, Authenticator authenticator, String metricsRole) {
    this.httpConfig = httpConfig;
    this.streamConfig = streamConfig;
    this.catalogue = catalogue;
    this.metrics = metrics;
    this.health = health;
    this.limiter = limiter;
    this.tokens = tokens;
    this.routes = routes;
    this.authentication = new CallerAuthentication(authenticator);
    this.metricsRole = metricsRole;
    this.bounds = new RequestBounds(httpConfig.limits());
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(httpConfig.host())
        .setPort(httpConfig.port())
        .setIdleTimeout(httpConfig.idleTimeoutSeconds())
        .setCompressionSupported(httpConfig.compressionLevel() > 0)
        .setCompressors(compressors(httpConfig.compressionLevel()));
    if (httpConfig.sendBufferSize() > 0) {
      options.setSendBufferSize(httpConfig.sendBufferSize());
    }
    return vertx.createHttpServer(bounds.applyTo(options))
        .invalidRequestHandler(bounds::rejectInvalid)
        .requestHandler(router())
        .listen();
  }

  /**
   * gzip and deflate at the configured level, and zstd and br where their native libraries
   * load; the client's {@code Accept-Encoding} picks, {@code identity} always works.
   */
  private static List<CompressionOptions> compressors(int level) {
    List<CompressionOptions> compressors = new ArrayList<>();
    if (Zstd.isAvailable()) {
      compressors.add(StandardCompressionOptions.zstd());
    }
    if (Brotli.isAvailable()) {
      compressors.add(StandardCompressionOptions.brotli());
    }
    compressors.add(StandardCompressionOptions.gzip(Math.max(level, 1), 15, 8));
    compressors.add(StandardCompressionOptions.deflate(Math.max(level, 1), 15, 8));
    return compressors;
  }

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
    router.get("/v1/datasets/:name").handler(this::describeDataset);
    router.get("/v1/datasets/:name/rows").handler(this::streamRows);
    router.head("/v1/datasets/:name/rows").handler(this::describeRows);
    HealthRoutes.add(router, "/health/live", health.live());
    HealthRoutes.add(router, "/health/ready", health.ready());
    HealthRoutes.add(router, "/health", health.ready());
    HealthRoutes.add(router, "/health/stream", health.stream());
    if (metricsRole != null) {
      router.get("/metrics").handler(authentication).handler(ctx -> {
        if (!CallerAuthentication.principal(ctx).holds(metricsRole)) {
          throw DatasetAccess.forbidden("/metrics needs the role '" + metricsRole + "'");
        }
        ctx.next();
      });
    }
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));
    router.route().last().handler(ctx -> HttpErrors.send(ctx.response(), 404,
        StreamError.of(StreamError.NOT_FOUND, 404, "no route " + ctx.request().method() + " " + ctx.request().path()).toJson()));
    router.route().failureHandler(HttpErrors::handleFailure);
    return router;
  }

  private CorsHandler corsHandler() {
    CorsHandler cors = CorsHandler.create()
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.HEAD))
        .allowedHeaders(Set.of("Authorization", HeaderNames.LAST_EVENT_ID, "Accept", HeaderNames.REQUEST_ID))
        .exposedHeaders(EXPOSED_HEADERS);
    return httpConfig.corsOrigins().contains("*") ? cors : cors.addOrigins(httpConfig.corsOrigins());
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

  /** The datasets the caller may read, and only those. */
  private void listDatasets(RoutingContext ctx) {
    Principal principal = CallerAuthentication.principal(ctx);
    JsonArray datasets = new JsonArray(catalogue.all().stream()
        .filter(dataset -> principal.holdsAny(dataset.definition().roles())).map(Dataset::toJson).toList());
    sendJson(ctx, new JsonObject().put("datasets", datasets));
  }

  private void describeDataset(RoutingContext ctx) {
    sendJson(ctx, readable(ctx).toJson());
  }

  /** The dataset the path names, if the caller holds one of the roles that may read it; 403 otherwise. */
  private Dataset readable(RoutingContext ctx) {
    Dataset dataset = catalogue.require(ctx.pathParam("name"));
    DatasetAccess.requireReadable(dataset, CallerAuthentication.principal(ctx));
    return dataset;
  }

  private void streamRows(RoutingContext ctx) {
    String lastEventId = ctx.request().getHeader(HeaderNames.LAST_EVENT_ID);
    if (SseFormat.END_ID.equals(lastEventId)) {
      // an EventSource reconnecting past the end: 204 makes it stop
      ctx.response().setStatusCode(204).end();
      return;
    }
    long started = System.nanoTime();
    String principal = principalOf(ctx);
    RowsRequest rows;
    try {
      rows = rowsRequest(ctx);
    } catch (InvalidRequestException invalid) {
      refuseRows(ctx, principal, started, null, StreamError.of(invalid.failure()));
      return;
    }
    String client = limiter.clientOf(ctx.request(), CallerAuthentication.principal(ctx));
    StreamError exhausted = limiter.quotaRefusal(client);
    if (exhausted != null) {
      refuseRows(ctx, principal, started, rows.format().name(), exhausted);
      return;
    }
    ClientLimiter.Lease lease = limiter.acquire(client);
    if (lease == null) {
      refuseRows(ctx, principal, started, rows.format().name(), StreamError.of(StreamError.TOO_MANY_STREAMS, 429,
          "client " + client + " already runs " + limiter.perClient() + " streams, the most one client may")
          .withRetryAfter(TOO_MANY_RETRY_AFTER_SECONDS));
      return;
    }
    new RowsResponse(vertx, ctx.request(), rows.headers(), rows.format().newEncoder(rows.options()), httpConfig, streamConfig, metrics,
        ctx.get(HeaderNames.REQUEST_ID), principal, AuditLog.params(datasetOrNull(ctx), ctx.queryParams()), lease, rows.tokens(), rows.sample(),
        rows.maxRowsPerSecond())
        .start(rows.stream(), rows.format(), routes.transformOpen());
  }

  /** Who makes the request, for the audit log: the token's subject, or {@code anonymous} without authentication. */
  private static String principalOf(RoutingContext ctx) {
    return CallerAuthentication.principal(ctx).name();
  }

  /** Refuses a rows request before its stream exists, with its audit line once the error body is written. */
  private void refuseRows(RoutingContext ctx, String principal, long started, String format, StreamError error) {
    String requestId = ctx.get(HeaderNames.REQUEST_ID);
    Dataset dataset = datasetOrNull(ctx);
    metrics.refused(dataset == null ? null : dataset.name(), error.code());
    RequestLog.of(LOG, requestId).info("rows of '{}' refused: {} {}: {}", ctx.pathParam("name"), error.status(), error.code(), error.message());
    HttpErrors.send(ctx.response(), error.status(), error.toJson()).onComplete(ar -> AuditLog.write(new AuditLog.Entry(
        requestId, principal, ctx.pathParam("name"), AuditLog.params(dataset, ctx.queryParams()), format, AuditLog.REFUSED,
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

  /**
   * {@code HEAD}: what a {@code GET} would answer, without running the query: the cursor stage
   * checks the request as it would for a stream.
   */
  private void describeRows(RoutingContext ctx) {
    RowsRequest rows = rowsRequest(ctx);
    vertx.eventBus().request(routes.cursorCheck(), rows.stream().toJson(), new DeliveryOptions().setSendTimeout(streamConfig.leaseMs()))
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

  /**
   * A row request as HTTP sees it, checked for what only HTTP knows (the query string, the
   * format and its options, the syntax of {@code limit} and {@code columns}); the dataset's
   * parameters are checked by the cursor stage, once, before any database work.
   */
  private RowsRequest rowsRequest(RoutingContext ctx) {
    Dataset dataset = readable(ctx);
    Principal principal = CallerAuthentication.principal(ctx);
    MultiMap query = ctx.queryParams();
    Map<String, String> params = DatasetAccess.bindClaims(dataset, RequestNames.parameters(valuesByName(query)), principal);
    OutputFormat format = chooseFormat(ctx, query.get(RequestNames.FORMAT));
    boolean http10 = ctx.request().version() == HttpVersion.HTTP_1_0;
    ResumeTokens.Minter minter = tokens.minter(dataset.name(), params, principal.name());
    EncodingOptions options = new EncodingOptions(
        flag(query, RequestNames.HEADER, true), flag(query, RequestNames.CSV_SAFE, true), flag(query, RequestNames.META, http10))
        .withRowIds(minter::afterRow);
    boolean sample = sample(query.get(RequestNames.DEGRADE), format);
    Long maxRate = maxRate(query.get(RequestNames.MAX_RATE), dataset);
    StreamRequest request = new StreamRequest(dataset.name(), params, RequestNames.limit(query.get(RequestNames.LIMIT)),
        RequestNames.columns(query.get(RequestNames.COLUMNS)))
        .withCallerRoles(principal.roleNames());
    return new RowsRequest(request.at(resumeAt(ctx, dataset, params, format, principal)), format, options, ResponseHeaders.of(format, dataset.name()), minter,
        sample, maxRate);
  }

  /**
   * Where a request resumes: after the key of {@code after=} (comma-separated for a composite
   * key), or the one a {@code resume=} token holds (or, for SSE, the token a browser sends back
   * as {@code Last-Event-ID}); empty to start from the first row. The token is checked here,
   * where it enters; the key's values are checked with the other parameters, by the cursor.
   */
  private Position resumeAt(RoutingContext ctx, Dataset dataset, Map<String, String> params, OutputFormat format,
      Principal principal) {
    String after = ctx.queryParams().get(RequestNames.AFTER);
    String token = ctx.queryParams().get(RequestNames.RESUME);
    if ((token == null || token.isEmpty()) && format instanceof SseFormat) {
      token = ctx.request().getHeader(HeaderNames.LAST_EVENT_ID);
    }
    boolean hasAfter = after != null && !after.isEmpty();
    boolean hasToken = token != null && !token.isEmpty();
    if (hasAfter && hasToken) {
      throw InvalidRequestException.badParameter(RequestNames.AFTER, "give after= or resume=, not both");
    }
    if (hasAfter) {
      if (!dataset.offersAfter()) {
        throw InvalidRequestException.badParameter(RequestNames.AFTER, "dataset '" + dataset.name() + "' does not offer after= (its key "
            + dataset.definition().orderBy() + " is not in its output, or not of a type a query string carries): resume with the token"
            + " of the stream's last record instead");
      }
      return Position.afterKey(RequestNames.afterKey(after, dataset.definition().orderBy().size()));
    }
    if (hasToken) {
      try {
        return tokens.verify(token, dataset.name(), params, principal.name());
      } catch (InvalidTokenException e) {
        if (e.otherPrincipal()) {
          throw DatasetAccess.forbidden("the resume token " + e.getMessage());
        }
        throw InvalidRequestException.badParameter(RequestNames.RESUME, "the resume token " + e.getMessage());
      }
    }
    return Position.START;
  }

  private static OutputFormat chooseFormat(RoutingContext ctx, String format) {
    if (format != null) {
      return OutputFormats.named(format).orElseThrow(() ->
          InvalidRequestException.badParameter(RequestNames.FORMAT, "must be one of " + OutputFormats.names()));
    }
    return FormatNegotiation.negotiate(ctx.parsedHeaders().accept()).orElseThrow(() ->
        new InvalidRequestException(Reason.NOT_ACCEPTABLE, null, "Accept allows none of the offered formats: "
            + OutputFormats.ALL.stream().map(OutputFormat::contentType).toList()));
  }

  /** The query's values by name, in the query's order. */
  private static Map<String, List<String>> valuesByName(MultiMap query) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String name : query.names()) {
      values.put(name, query.getAll(name));
    }
    return values;
  }

  /**
   * Whether {@code degrade=} asks for sampling, which only a format that announces each rate
   * in-band may do: a client must never take a sample for every row.
   */
  private static boolean sample(String degrade, OutputFormat format) {
    if (degrade == null || degrade.isEmpty()) {
      return false;
    }
    if (!degrade.equalsIgnoreCase(SAMPLE)) {
      throw InvalidRequestException.badParameter(RequestNames.DEGRADE, "must be " + SAMPLE);
    }
    if (!format.marksSampling()) {
      throw InvalidRequestException.badParameter(RequestNames.DEGRADE, "format " + format.name()
          + " cannot mark sampled rows in-band, so it is never sampled; ask for one of "
          + OutputFormats.ALL.stream().filter(OutputFormat::marksSampling).map(OutputFormat::name).toList());
    }
    return true;
  }

  /**
   * The most rows per second a stream may send: the client's {@code max_rate}, which may not
   * exceed the dataset's {@code maxRowsPerSecond}, else that maximum; null for no cap.
   */
  private static Long maxRate(String maxRate, Dataset dataset) {
    Long datasetMax = dataset.definition().maxRowsPerSecond();
    Long rate = RequestNames.maxRate(maxRate);
    if (rate == null) {
      return datasetMax;
    }
    if (datasetMax != null && rate > datasetMax) {
      throw InvalidRequestException.badParameter(RequestNames.MAX_RATE, "must be at most " + datasetMax
          + " rows per second, the maxRowsPerSecond of dataset '" + dataset.name() + "'");
    }
    return rate;
  }

  private static boolean flag(MultiMap query, String name, boolean otherwise) {
    return RequestNames.flag(name, query.get(name), otherwise);
  }

  private static void sendJson(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encodePrettily());
  }
}
