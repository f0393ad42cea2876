package io.sluice.client;

import io.sluice.dataset.Position;
import io.sluice.dataset.StreamRequest;
import io.sluice.error.Failure;
import io.sluice.error.Reason;
import io.sluice.protocol.Frames;
import io.sluice.protocol.OpenTerms;
import io.sluice.value.RowBatch;
import io.sluice.protocol.RowBatchCodec;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamFailedException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Opens dataset streams over the event bus from any node of a Sluice cluster (or the JVM of
 * a standalone Sluice): by name and parameters, optionally after a key, as a {@link
 * StreamConsumer}, a {@code ReadStream} of batches of transformed rows, the rows the HTTP API
 * serves. Demand is credit: a paused stream holds at most {@code window} batches and the
 * cursor behind it stops reading; {@code handler(null)} cancels. A stream that fails reports a
 * {@link StreamFailedException} with the signed resume token after the last row delivered
 * ({@link StreamFailedException#resumeToken()}), which {@link #open(StreamRequest, String)} goes on
 * with, exactly after that row; {@link StreamConsumer#resumeToken()} says the same while it runs.
 * Its streams are metered, limited and capped by the stage that serves them as HTTP streams are:
 * as its {@link #as principal}'s (anonymous by default, then as its cluster node's).
 * {@link #openExport} reads a partitioned export's partitions in parallel, one stream each, inside
 * the export's snapshot.
 *
 * <pre>{@code
 * SluiceClient client = SluiceClient.create(vertx);
 * client.open(new StreamRequest("transactions", Map.of("from", "2024-01-01"), null))
 *     .compose(rows -> rows.pipeTo(myWriteStream));
 * }</pre>
 */
public final class SluiceClient {

  /**
   * The cluster-wide map that holds exports ({@code export/Exports}), read here because this room
   * may not import that one; {@code ClientExportIT} fails if the two ever differ.
   */
  static final String EXPORTS_MAP = "sluice.exports";
  /** The principal of an unauthenticated caller, as auth names it (an export made without auth belongs to it). */
  private static final String ANONYMOUS = "anonymous";

  /** Batches credited ahead of the handler. */
  public static final int DEFAULT_WINDOW = 4;
  /** How long either side may stay silent before the other gives the stream up. */
  public static final long DEFAULT_LEASE_MS = 10_000;

  private final Vertx vertx;
  private final int window;
  private final long leaseMs;
  /** Who opens: tokens are bound to it and limits count against it; null: anonymous. */
  private final String principal;
  /** The rows per second to be capped at, or null: only the dataset's cap. */
  private final Long maxRate;

  private SluiceClient(Vertx vertx, int window, long leaseMs, String principal, Long maxRate) {
    this.vertx = vertx;
    this.window = window;
    this.leaseMs = leaseMs;
    this.principal = principal;
    this.maxRate = maxRate;
  }

  /** A client on {@code vertx}, registering the batch codec if nobody has. */
  public static SluiceClient create(Vertx vertx) {
    return create(vertx, DEFAULT_WINDOW, DEFAULT_LEASE_MS);
  }

  public static SluiceClient create(Vertx vertx, int window, long leaseMs) {
    if (window < 1 || leaseMs < 100) {
      throw new IllegalArgumentException("window must be >= 1 and leaseMs >= 100");
    }
    try {
      vertx.eventBus().registerDefaultCodec(RowBatch.class, new RowBatchCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // a Sluice on this Vert.x registered it
    }
    return new SluiceClient(vertx, window, leaseMs, null, null);
  }

  /**
   * The same client, opening for {@code principal}: the cluster trusts its members to name who
   * asks, as it trusts them with the caller's roles, so name only a caller this service has
   * authenticated. Its streams' tokens are bound to it, and they count against its limits.
   */
  public SluiceClient as(String principal) {
    return new SluiceClient(vertx, window, leaseMs, principal, maxRate);
  }

  /** The same client, asking for its streams to be capped at {@code rowsPerSecond} (at most their dataset's {@code maxRowsPerSecond}). */
  public SluiceClient maxRate(long rowsPerSecond) {
    return new SluiceClient(vertx, window, leaseMs, principal, rowsPerSecond);
  }

  /** Opens {@code dataset} with {@code params}, from its first row. */
  public Future<StreamConsumer> open(String dataset, Map<String, String> params) {
    return open(new StreamRequest(dataset, params, null));
  }

  /**
   * Opens the stream {@code request} describes (a resumed one with {@link StreamRequest#after});
   * fails with a {@link StreamFailedException} when Sluice refuses it (bad parameters, busy...).
   */
  public Future<StreamConsumer> open(StreamRequest request) {
    return open(request, null);
  }

  /**
   * Opens the stream {@code request} describes, going on where {@code resumeToken} says (a
   * {@link StreamFailedException#resumeToken()} of a stream of the same request; null: where the
   * request starts). A token that is not Sluice's, was changed, expired, or belongs to another
   * request is refused ({@code bad-request} naming {@code resumeToken}), one of another principal's
   * too ({@code forbidden}).
   */
  public Future<StreamConsumer> open(StreamRequest request, String resumeToken) {
    // a stream moved to another server goes on unseen: its handler gets rows only
    StreamConsumer consumer = new StreamConsumer(vertx, leaseMs, window).terms(OpenTerms.bus(principal, maxRate, resumeToken)).handOverMoves(false);
    return consumer.open(Frames.TRANSFORM_OPEN, request.toJson(), UUID.randomUUID().toString())
        .map(consumer)
        .recover(err -> Future.failedFuture(new StreamFailedException(StreamConsumer.refusal(err), null, resumeToken)));
  }

  /**
   * Follows {@code dataset} with {@code params}: its snapshot rows, then a {@code live} record,
   * then every committed change, in commit order; it never ends by itself ({@code handler(null)}
   * cancels). Each row's {@link RowBatch#op} says what it is (null: a snapshot row), {@link
   * RowBatch#lsn} its commit; {@link StreamConsumer#resumeToken()} (or a failure's {@link
   * StreamFailedException#resumeToken()}) after a change goes on right after it with {@link
   * #follow(String, Map, String)}, and after a batch of snapshot rows goes on inside the snapshot
   * (first the changes made since to the rows already had, then the rest). A position no longer held ends the stream with one {@code
   * must-refetch} record: read the dataset again. Refused with {@code follow-unavailable} (409)
   * where the dataset cannot be followed (PostgreSQL's {@code wal_level} is not {@code logical}, say).
   */
  public Future<StreamConsumer> follow(String dataset, Map<String, String> params) {
    return follow(dataset, params, null);
  }

  /** Follows {@code dataset} with {@code params}, going on right after the record {@code resumeToken} names (null: from the snapshot). */
  public Future<StreamConsumer> follow(String dataset, Map<String, String> params, String resumeToken) {
    return open(new StreamRequest(dataset, params, null, List.of(), Position.follow()), resumeToken);
  }

  /**
   * The partitions of the export that {@code manifest} describes (the JSON of {@code POST
   * /v1/datasets/{name}/exports} or {@code GET /v1/exports/{id}}; only its {@code id} is read), in
   * manifest order: each a request of the export's dataset with the export's parameters, at its
   * partition, so its rows are that partition's inside the export's snapshot. Open them with
   * {@link #open(StreamRequest)}; a failed one goes on with {@link #open(StreamRequest, String)} and
   * its {@link StreamFailedException#resumeToken()}, inside its partition. Fails with a {@link
   * StreamFailedException}: {@code not-found} when no export has that id or another principal made
   * it (the {@link #as principal} must be the one that made it over HTTP), {@code export-expired}
   * once it has ended.
   */
  public Future<List<StreamRequest>> exportPartitions(JsonObject manifest) {
    String id = manifest.getString("id");
    String caller = principal == null ? ANONYMOUS : principal;
    return vertx.sharedData().<String, JsonObject>getAsyncMap(EXPORTS_MAP).compose(map -> map.get(id)).compose(export -> {
      if (export == null || !caller.equals(export.getString("principal"))) {
        return refused(Failure.of(Reason.NOT_FOUND, "no export '" + id + "'"));
      }
      if (export.getBoolean("ended", false) || System.currentTimeMillis() >= export.getLong("expiresAtMs")) {
        return refused(Failure.of(Reason.EXPORT_EXPIRED, "export " + id + " has ended: its snapshot is released; create a new export"));
      }
      Map<String, String> params = new TreeMap<>();
      export.getJsonObject("params").forEach(e -> params.put(e.getKey(), String.valueOf(e.getValue())));
      JsonArray ranges = export.getJsonArray("ranges");
      List<StreamRequest> partitions = new ArrayList<>();
      for (int i = 0; i < ranges.size(); i++) {
        JsonObject range = ranges.getJsonObject(i);
        Position.Partition at = new Position.Partition(id, export.getString("snapshot"), i, ranges.size(), range.getString("lower"),
            range.getString("upper"), List.of());
        partitions.add(new StreamRequest(export.getString("dataset"), params, null).at(at));
      }
      return Future.succeededFuture(partitions);
    });
  }

  /**
   * Opens every partition of the export {@code manifest} describes at once ({@link
   * #exportPartitions}): one stream per partition, in manifest order, each with its own credits,
   * so they are read in parallel; their union is exactly the dataset's rows at the export's
   * snapshot. If one open is refused, the others are cancelled and that refusal is the failure.
   */
  public Future<List<StreamConsumer>> openExport(JsonObject manifest) {
    return exportPartitions(manifest).compose(requests -> {
      List<Future<StreamConsumer>> opens = requests.stream().map(this::open).toList();
      return Future.join(opens).transform(all -> {
        if (all.succeeded()) {
          return Future.succeededFuture(opens.stream().map(Future::result).toList());
        }
        opens.stream().filter(Future::succeeded).forEach(opened -> opened.result().handler(null));
        return Future.failedFuture(opens.stream().filter(Future::failed).findFirst().orElseThrow().cause());
      });
    });
  }

  private static <T> Future<T> refused(Failure failure) {
    return Future.failedFuture(new StreamFailedException(StreamError.of(failure), null));
  }
}
