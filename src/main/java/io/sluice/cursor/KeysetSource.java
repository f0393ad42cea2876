package io.sluice.cursor;

import io.sluice.config.StreamConfig;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.HealthProbe;
import io.sluice.dataset.Position;
import io.sluice.dataset.StreamRequest;
import io.sluice.db.ConnectionGate;
import io.sluice.db.DatabaseBreaker;
import io.sluice.db.DatabaseErrors;
import io.sluice.db.ReadServers;
import io.sluice.error.Failure;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.source.Source;
import io.sluice.source.SourceFactory;
import io.sluice.source.SourceRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * The keyset source: a dataset read in its {@code orderBy} order by a {@link CursorStream},
 * from the start or after a key, on a connection of its own that the node's {@link
 * ConnectionGate} admits. The stream check's {@link HealthProbe} is admitted by a gate of its
 * own, beside the clients' permits: it never takes a client's place, nor waits behind clients.
 * While the {@link DatabaseBreaker} is open it takes no new streams.
 */
public final class KeysetSource implements SourceFactory<KeysetSource.Request> {

  /** A checked request: its dataset, the request and the arguments of its statement. */
  public record Request(Dataset dataset, StreamRequest request, Tuple arguments) implements SourceRequest {}

  private final Vertx vertx;
  private final Pool pool;
  private final ConnectionGate gate;
  private final ConnectionGate healthProbeGate;
  private final ReadServers servers;
  private final DatabaseBreaker breaker;
  private final StreamConfig config;
  private final SluiceMetrics metrics;
  private final int maxMoves;

  /**
   * Streams read on connections of their own to the server {@code servers} picks (a healthy replica, or the primary), admitted by the node's {@code gate} (the
   * health probe's by {@code healthProbeGate}); the {@code pool} serves the short queries of
   * estimates. A stream whose server fails under it goes on on another at most {@code maxMoves} times ({@link ServerMoves}).
   */
  public KeysetSource(Vertx vertx, Pool pool, ConnectionGate gate, ConnectionGate healthProbeGate, ReadServers servers,
      DatabaseBreaker breaker, StreamConfig config, SluiceMetrics metrics, int maxMoves) {
    this.vertx = vertx;
    this.pool = pool;
    this.gate = gate;
    this.healthProbeGate = healthProbeGate;
    this.servers = servers;
    this.breaker = breaker;
    this.config = config;
    this.metrics = metrics;
    this.maxMoves = maxMoves;
  }

  @Override
  public String name() {
    return Position.KEYSET;
  }

  @Override
  public Request check(Dataset dataset, StreamRequest request) {
    return new Request(dataset, request, dataset.bind(request, config.maxLimit()));
  }

  @Override
  public Failure unavailable(Request request) {
    return breaker.isOpen() ? DatabaseErrors.classify(breaker.refusal()) : null;
  }

  /** The planner's estimate ({@code EXPLAIN}, which does not run the query); null when it cannot be had, a full pool say. */
  @Override
  public Future<Long> estimate(Request request) {
    return pool.preparedQuery(request.dataset().explainSql(request.request().position())).execute(request.arguments())
        .map(plan -> Dataset.estimatedRows(plan.iterator().next().getValue(0)))
        .otherwise(err -> null);
  }

  /** Streams of this stage instance will open their connections here: each server keeps some ready ({@code database.warmConnections}). */
  @Override
  public void servedHere() {
    servers.all().forEach(server -> server.connections().warmHere());
  }

  /**
   * Opens the stream on the server {@link ReadServers#pick} names. A partition reads the primary, which holds its export's
   * snapshot, and never moves; neither does the stream check. Any other stream moves as {@link ServerMoves} decides.
   */
  @Override
  public Source open(Request request, String streamId, String requestId) {
    Dataset dataset = request.dataset();
    Position position = request.request().position();
    boolean partition = position instanceof Position.Partition;
    boolean primaryOnly = partition || dataset.definition().primaryOnly();
    ConnectionGate admission = HealthProbe.is(dataset) ? healthProbeGate : gate;
    MovingStream.Opener opener = (server, at, arguments) -> new CursorStream(vertx, streamId, requestId, dataset, arguments, at, config, metrics,
        null).run(admission, server);
    ReadServers.Server server = servers.pick(primaryOnly);
    if (partition || HealthProbe.is(dataset) || maxMoves == 0) {
      return opener.open(server, position, request.arguments());
    }
    return new MovingStream(new ServerMoves(servers, primaryOnly, maxMoves, dataset, position, request.arguments()), server, opener, requestId);
  }
}
