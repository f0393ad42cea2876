package io.sluice.cursor;

import io.sluice.changes.ChangeFeed;
import io.sluice.config.StreamConfig;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.dataset.RequestNames;
import io.sluice.dataset.StreamRequest;
import io.sluice.db.ConnectionGate;
import io.sluice.db.DatabaseBreaker;
import io.sluice.db.ReadServers;
import io.sluice.db.DatabaseErrors;
import io.sluice.db.StreamConnections;
import io.sluice.error.Failure;
import io.sluice.error.InvalidRequestException;
import io.sluice.error.Reason;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.source.Source;
import io.sluice.source.SourceFactory;
import io.sluice.source.SourceRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * The follow source ({@code ?follow=true}): a dataset's snapshot read like the keyset source's,
 * in {@code REPEATABLE READ}, then its committed changes from the node's {@link ChangeFeed}, each
 * run through the dataset's query with the request's parameters ({@link ChangeRows}) on the
 * pool, once for all the followers of the dataset with the same parameters ({@link FollowGroups}),
 * in batches of consecutive transactions; a token from inside its snapshot goes on there ({@link SnapshotResume}). Only datasets whose {@link io.sluice.dataset.FollowStatus} is available can be followed;
 * others are refused with {@link Reason#FOLLOW_UNAVAILABLE} and the reason.
 */
public final class FollowSource implements SourceFactory<FollowSource.Request> {

  /** A checked request: its dataset, the request, the arguments of its statement and where it starts. */
  public record Request(Dataset dataset, StreamRequest request, Tuple arguments, Position.Changes position) implements SourceRequest {}

  private final Vertx vertx;
  private final Pool pool;
  private final ConnectionGate gate;
  private final StreamConnections connections;
  private final DatabaseBreaker breaker;
  private final StreamConfig config;
  private final SluiceMetrics metrics;
  private final ChangeFeed feed;
  private final long heartbeatMs;
  private final FollowGroups groups;

  /** Follows through {@code feed} (null: no feed runs on this node, so nothing can be followed), beating every {@code heartbeatMs} when quiet. */
  public FollowSource(Vertx vertx, Pool pool, ConnectionGate gate, StreamConnections connections, DatabaseBreaker breaker, StreamConfig config,
      SluiceMetrics metrics, ChangeFeed feed, long heartbeatMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.gate = gate;
    this.connections = connections;
    this.breaker = breaker;
    this.config = config;
    this.metrics = metrics;
    this.feed = feed;
    this.heartbeatMs = heartbeatMs;
    this.groups = new FollowGroups(pool, metrics);
  }

  @Override
  public String name() {
    return Position.CHANGES;
  }

  @Override
  public Request check(Dataset dataset, StreamRequest request) {
    if (!dataset.follow().available()) {
      throw new InvalidRequestException(Reason.FOLLOW_UNAVAILABLE, RequestNames.FOLLOW, "dataset '" + dataset.name() + "' cannot be followed: "
          + dataset.follow().reason());
    }
    if (feed == null) {
      throw new InvalidRequestException(Reason.FOLLOW_UNAVAILABLE, RequestNames.FOLLOW, "following is not running on this node");
    }
    if (request.limit() != null) {
      throw InvalidRequestException.badParameter(RequestNames.LIMIT, "cannot be combined with follow=true: a followed stream has no end");
    }
    Position.Changes position = (Position.Changes) request.position();
    if (position.lsn() != null || position.cut() != null) {
      try {
        io.sluice.changes.Lsn.parse(position.lsn() != null ? position.lsn() : position.cut().start());
        if (position.cut() != null) {
          SnapshotVisibility.parse(position.cut().base());
          if (position.cut().target() != null) {
            SnapshotVisibility.parse(position.cut().target());
            io.sluice.changes.Lsn.parse(position.cut().lsn());
          }
        }
      } catch (IllegalArgumentException e) {
        throw InvalidRequestException.badParameter(RequestNames.RESUME, e.getMessage());
      }
    }
    // resumed inside its snapshot, the new snapshot is read after the cut's key (checked here, like any key)
    StreamRequest reading = position.cut() == null ? request : request.at(Position.afterKey(position.cut().after()));
    return new Request(dataset, request, dataset.bind(reading, config.maxLimit()), position);
  }

  @Override
  public Failure unavailable(Request request) {
    return breaker.isOpen() ? DatabaseErrors.classify(breaker.refusal()) : null;
  }

  @Override
  public Future<Long> estimate(Request request) {
    return Future.succeededFuture(null);
  }

  @Override
  public Source open(Request request, String streamId, String requestId) {
    FollowStream stream = new FollowStream(vertx, requestId, request.dataset(), feed, groups.join(request.dataset(), request.arguments()),
        heartbeatMs);
    if (request.position().lsn() != null) {
      return stream.fromChange(request.position());
    }
    Position.SnapshotCut cut = request.position().cut();
    Position from = cut == null ? Position.START : Position.afterKey(cut.after());
    return stream.fromSnapshot(cut, cut == null ? null : request.dataset().keyOf(cut.after()), mark -> new CursorStream(vertx, streamId, requestId,
        request.dataset(), request.arguments(), from, config, metrics, mark).run(gate, new ReadServers.Server(ReadServers.PRIMARY, connections, breaker)));
  }
}
