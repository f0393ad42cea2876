package io.sluice.http;

import io.sluice.auth.DatasetAccess;
import io.sluice.auth.Principal;
import io.sluice.config.ExportConfig;
import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.StreamRequest;
import io.sluice.db.DatabaseErrors;
import io.sluice.error.FailureException;
import io.sluice.error.InvalidRequestException;
import io.sluice.error.Reason;
import io.sluice.export.Export;
import io.sluice.export.Exports;
import io.sluice.logging.RequestLog;
import io.sluice.protocol.StreamError;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Tuple;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partitioned exports over HTTP: {@code POST /v1/datasets/{name}/exports} makes one (its JSON
 * body checked in full, its parameters exactly as a rows request's, before any database work),
 * {@code GET} and {@code DELETE /v1/exports/{id}} read and end it, and {@code GET
 * /v1/exports/{id}/partitions/{i}/rows} streams a partition through the rows pipeline, with
 * every format and the completion contract, and {@value #PARTITION_HEADER}. An export belongs to
 * the principal that made it: to anyone else it does not exist (404).
 */
final class ExportRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ExportRoutes.class);
  static final String PARTITION_HEADER = "Sluice-Partition";
  private static final int MAX_BODY_BYTES = 65_536;
  private static final String PARTITIONS = "partitions";
  private static final String PARAMS = "params";
  /** Partitions when the body names none, if the limits allow as many. */

  /** Serves a rows request as the rows endpoint does: refusals, the client's stream slot, the response. */
  interface RowsServer {
    void serve(RoutingContext ctx, Dataset dataset, Map<String, String> auditParams, Supplier<RowsRequest> parse);
  }

  private final Catalogue catalogue;
  private final Exports exports;
  private final RowsRequestParser parser;
  private final RowsServer rows;
  /** The most partitions an export may have: one connection of database.poolSize is its leader's. */
  private final int poolSize;
  private final int maxStreamsPerClient;
  private final long maxLimit;
  private final AuditKey auditKey;

  ExportRoutes(Catalogue catalogue, Exports exports, RowsRequestParser parser, RowsServer rows, int poolSize, int maxStreamsPerClient,
      long maxLimit, AuditKey auditKey) {
    this.catalogue = catalogue;
    this.exports = exports;
    this.parser = parser;
    this.rows = rows;
    this.poolSize = poolSize;
    this.maxStreamsPerClient = maxStreamsPerClient;
    this.maxLimit = maxLimit;
    this.auditKey = auditKey;
  }

  void addTo(Router router) {
    router.post("/v1/datasets/:name/exports").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES)).handler(this::create);
    router.get("/v1/exports/:id").handler(this::describe);
    router.delete("/v1/exports/:id").handler(this::delete);
    router.get("/v1/exports/:id/partitions/:index/rows").handler(this::partitionRows);
  }

  private void create(RoutingContext ctx) {
    long started = System.nanoTime();
    Principal principal = CallerAuthentication.principal(ctx);
    Dataset dataset = catalogue.require(ctx.pathParam("name"));
    DatasetAccess.requireReadable(dataset, principal);
    JsonObject body = body(ctx);
    int partitions = partitions(body.getValue(PARTITIONS));
    Map<String, String> params = DatasetAccess.bindClaims(dataset, params(body.getValue(PARAMS)), principal);
    StreamRequest request = new StreamRequest(dataset.name(), params, null).withCallerRoles(principal.roleNames());
    Tuple arguments = dataset.bind(request, maxLimit);
    String requestId = ctx.get(HeaderNames.REQUEST_ID);
    exports.create(dataset, request, arguments, partitions, admissible(), principal.name())
        .onSuccess(export -> {
          Map<String, String> audited = new TreeMap<>(AuditLog.params(dataset, params, auditKey));
          audited.put("@export", export.id());
          audited.put("@partitions", Integer.toString(export.partitions()));
          ctx.response().setStatusCode(201).putHeader(HttpHeaders.LOCATION, "/v1/exports/" + export.id());
          send(ctx, export.manifest(dataset.outputColumns())).onComplete(ar -> AuditLog.write(new AuditLog.Entry(requestId,
              principal.name(), dataset.name(), audited, auditKey.id(), null, AuditLog.EXPORT_CREATED, 201, null, 0,
              ar.succeeded() ? ar.result() : 0, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))));
        })
        .onFailure(err -> {
          StreamError error = StreamError.of(err instanceof FailureException failed ? failed.failure() : DatabaseErrors.classify(err));
          RequestLog.of(LOG, requestId).warn("export of '{}' failed: {}", dataset.name(), err.toString());
          HttpErrors.send(ctx.response(), error.status(), error.toJson());
        });
  }

  private void describe(RoutingContext ctx) {
    owned(ctx, export -> {
      if (export.over(System.currentTimeMillis())) {
        throw expired(export);
      }
      send(ctx, export.manifest(catalogue.require(export.dataset()).outputColumns()));
    });
  }

  private void delete(RoutingContext ctx) {
    owned(ctx, export -> exports.delete(export).onComplete(ar -> ctx.response().setStatusCode(204).end()));
  }

  /** A partition's rows, read through the rows endpoint's pipeline: refused with 410 once the export is over. */
  private void partitionRows(RoutingContext ctx) {
    owned(ctx, export -> {
      int index = index(ctx.pathParam("index"), export);
      if (export.over(System.currentTimeMillis())) {
        throw expired(export);
      }
      Principal principal = CallerAuthentication.principal(ctx);
      Dataset dataset = catalogue.require(export.dataset());
      DatasetAccess.requireReadable(dataset, principal);
      Map<String, String> audited = new TreeMap<>(AuditLog.params(dataset, export.params(), auditKey));
      audited.put("@export", export.id());
      audited.put("@partition", Integer.toString(index));
      ctx.response().putHeader(PARTITION_HEADER, index + "/" + export.partitions());
      rows.serve(ctx, dataset, audited, () -> parser.parsePartition(ctx, dataset, principal, export.params(), export.partition(index)));
    });
  }

  /** Runs {@code then} with the export the path names if the caller made it; 404 otherwise, as if there were none. */
  private void owned(RoutingContext ctx, java.util.function.Consumer<Export> then) {
    String id = ctx.pathParam("id");
    exports.find(id).onComplete(found -> {
      try {
        if (found.failed()) {
          ctx.fail(found.cause());
          return;
        }
        Export export = found.result();
        if (export == null || !export.principal().equals(CallerAuthentication.principal(ctx).name())) {
          throw new InvalidRequestException(Reason.NOT_FOUND, null, "no export '" + id + "'");
        }
        then.accept(export);
      } catch (RuntimeException e) {
        ctx.fail(e);
      }
    });
  }

  private static InvalidRequestException expired(Export export) {
    return new InvalidRequestException(Reason.EXPORT_EXPIRED, null, "export " + export.id() + " has ended (deleted, or past its expiry "
        + java.time.Instant.ofEpochMilli(export.expiresAtMs()) + "): its snapshot is released; create a new export");
  }

  private static int index(String text, Export export) {
    try {
      int index = Integer.parseInt(text);
      if (index >= 0 && index < export.partitions()) {
        return index;
      }
    } catch (NumberFormatException notANumber) {
      // answered below
    }
    throw new InvalidRequestException(Reason.NOT_FOUND, null, "export " + export.id() + " has partitions 0 to " + (export.partitions() - 1));
  }

  private static JsonObject body(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw InvalidRequestException.badParameter("body", "must be a JSON object {\"partitions\": n, \"params\": {...}}");
    }
    for (String field : body.fieldNames()) {
      if (!Set.of(PARTITIONS, PARAMS).contains(field)) {
        throw InvalidRequestException.badParameter(field, "unknown field of an export request (have partitions, params)");
      }
    }
    return body;
  }

  /** The most partitions that can ever run at once: beside the export's leader within database.poolSize, and within the client's streams. */
  private int admissible() {
    return Math.max(1, Math.min(poolSize - 1, maxStreamsPerClient > 0 ? maxStreamsPerClient : Integer.MAX_VALUE));
  }

  /**
   * The partitions asked (absent: 0, for one per {@code exports.rowsPerPartition} estimated rows, within the limits):
   * 1 to 64, and no more than can ever run at once beside the export's leader connection within
   * {@code database.poolSize}, nor than the client's {@code http.maxStreamsPerClient}.
   */
  private int partitions(Object value) {
    if (value == null) {
      return 0; // the export's planner chooses from the dataset's size, within admissible()
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 1
        || ((Number) value).longValue() > ExportConfig.MAX_PARTITIONS) {
      throw InvalidRequestException.badParameter(PARTITIONS, "must be a whole number from 1 to " + ExportConfig.MAX_PARTITIONS);
    }
    int asked = ((Number) value).intValue();
    if (asked > poolSize - 1) {
      throw InvalidRequestException.badParameter(PARTITIONS, "at most " + Math.max(1, poolSize - 1) + " partitions can be read at once:"
          + " database.poolSize is " + poolSize + " and the export's snapshot holds one of those connections");
    }
    if (maxStreamsPerClient > 0 && asked > maxStreamsPerClient) {
      throw InvalidRequestException.badParameter(PARTITIONS, "at most " + maxStreamsPerClient + " partitions: a client may run "
          + maxStreamsPerClient + " streams at once (http.maxStreamsPerClient)");
    }
    return asked;
  }

  /** The dataset's parameters by name: JSON strings, numbers and booleans, read as a query string's text would be. */
  private static Map<String, String> params(Object value) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject given)) {
      throw InvalidRequestException.badParameter(PARAMS, "must be an object of the dataset's parameters by name");
    }
    Map<String, String> params = new TreeMap<>();
    for (Map.Entry<String, Object> entry : given) {
      Object v = entry.getValue();
      if (v instanceof JsonObject || v instanceof JsonArray || v instanceof Map || v instanceof java.util.List) {
        throw InvalidRequestException.badParameter(entry.getKey(), "must be a string, a number or a boolean");
      }
      if (v != null) {
        params.put(entry.getKey(), String.valueOf(v));
      }
    }
    return params;
  }

  private static io.vertx.core.Future<Integer> send(RoutingContext ctx, JsonObject body) {
    io.vertx.core.buffer.Buffer json = body.toBuffer();
    return ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(json).map(json.length());
  }
}
