package io.sluice.export;

import io.sluice.config.ExportConfig;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.StreamRequest;
import io.sluice.db.ConnectionGate;
import io.sluice.db.StreamConnections;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's exports. Each export's snapshot is held by an {@link ExportLeader} on the node that
 * made it, for at most {@code exports.ttlSeconds}; its description ({@link Export}) is kept in
 * the cluster-wide map {@value #MAP}, so any node serves its manifest and its partitions (which
 * import the snapshot by id, on any node's connections). Ending an export, by {@link #delete},
 * its expiry or the node's shutdown, marks it ended in the map (kept there one more TTL, so its
 * partitions answer {@code export-expired} rather than {@code not-found}) and releases its leader
 * on whichever node holds it ({@value #RELEASE}, published). A leader whose connection ends by
 * itself ends its export the same way; a node that dies takes its leaders' snapshots with it,
 * and partitions then fail as {@code export-expired} when they import the snapshot.
 */
public final class Exports {

  private static final Logger LOG = LoggerFactory.getLogger(Exports.class);
  static final String MAP = "sluice.exports";
  static final String RELEASE = "sluice.exports.release";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final ConnectionGate gate;
  private final StreamConnections connections;
  private final ExportConfig config;
  private final long statementTimeoutMs;
  private final long maxLimit;
  /** The leaders this node holds, by export id, with their expiry timers. */
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private MessageConsumer<String> releases;

  private record Held(ExportLeader leader, long timer) {}

  public Exports(Vertx vertx, ConnectionGate gate, StreamConnections connections, ExportConfig config, long statementTimeoutMs,
      long maxLimit) {
    this.vertx = vertx;
    this.gate = gate;
    this.connections = connections;
    this.config = config;
    this.statementTimeoutMs = statementTimeoutMs;
    this.maxLimit = maxLimit;
  }

  /** Listens for exports ended on other nodes whose leader this node holds. */
  public Future<Void> start() {
    releases = vertx.eventBus().consumer(RELEASE, message -> releaseLeader(message.body()));
    return releases.completion();
  }

  public ExportConfig config() {
    return config;
  }

  /** The stream connections of this node ({@code database.poolSize}), of which a leader takes one. */
  public int poolSize() {
    return gate.permits();
  }

  /**
   * Makes an export of {@code request} (checked: {@code arguments} are its statement's) for
   * {@code principal}, in up to {@code partitions} partitions: a leader holds a new snapshot,
   * the partitions are planned inside it, and the export is published to the cluster.
   */
  public Future<Export> create(Dataset dataset, StreamRequest request, Tuple arguments, int partitions, String principal) {
    return create(dataset, request, arguments, partitions, partitions, principal);
  }

  /** As {@link #create(Dataset, StreamRequest, Tuple, int, String)}; {@code partitions} 0 leaves the number to the dataset's size, at most {@code admissible}. */
  public Future<Export> create(Dataset dataset, StreamRequest request, Tuple arguments, int partitions, int admissible, String principal) {
    String id = newId();
    return ExportLeader.open(gate, connections, dataset, statementTimeoutMs, () -> leaderLost(id))
        .compose(leader -> ExportPlanner.plan(leader.connection(), dataset, request, arguments,
                partitions > 0 ? partitions : -admissible, id, leader.snapshot(), maxLimit, config)
            .map(plan -> {
              long now = System.currentTimeMillis();
              return new Export(id, principal, dataset.name(), request.params(), leader.snapshot(), now,
                  now + TimeUnit.SECONDS.toMillis(config.ttlSeconds()), plan.ranges(), plan.note(), false);
            })
            .compose(export -> map().compose(m -> m.put(id, export.toJson(), retentionMs())).map(export))
            .onSuccess(export -> {
              long timer = vertx.setTimer(TimeUnit.SECONDS.toMillis(config.ttlSeconds()), t -> end(export, "expired"));
              held.put(id, new Held(leader, timer));
              LOG.info("export {} of '{}': {} partitions over snapshot {}, until {}", id, dataset.name(), export.partitions(),
                  export.snapshot(), java.time.Instant.ofEpochMilli(export.expiresAtMs()));
            })
            .onFailure(err -> leader.release()));
  }

  /** The export {@code id} names, ended ones included while the map keeps them; null when none. */
  public Future<Export> find(String id) {
    return map().compose(m -> m.get(id)).map(json -> json == null ? null : Export.fromJson(json));
  }

  /** Ends {@code export} now: its partitions answer {@code export-expired}, its leader is released wherever it is. */
  public Future<Void> delete(Export export) {
    return end(export, "deleted");
  }

  /** How many snapshots this node holds. */
  public int held() {
    return held.size();
  }

  /** How long this node's oldest held snapshot has been held, in seconds; 0 when it holds none. */
  public double oldestHeldSeconds() {
    long now = System.nanoTime();
    return held.values().stream().mapToLong(h -> now - h.leader().heldSinceNanos()).max().orElse(0) / 1e9;
  }

  /** Ends every export this node leads (a shutdown): their snapshots go with their connections. */
  public Future<Void> close() {
    List<Future<Void>> ended = List.copyOf(held.keySet()).stream()
        .map(id -> find(id).transform(found -> found.succeeded() && found.result() != null
            ? end(found.result(), "ended by shutdown")
            : releaseLeader(id)))
        .toList();
    return Future.join(ended).eventually(() -> releases == null ? Future.succeededFuture() : releases.unregister()).mapEmpty();
  }

  /**
   * Marks {@code export} ended in the map, then releases its leader: here if this node holds it,
   * else wherever it is; completes once a leader held here is released.
   */
  private Future<Void> end(Export export, String how) {
    LOG.info("export {} of '{}' {}", export.id(), export.dataset(), how);
    return map().compose(m -> m.put(export.id(), export.asEnded().toJson(), retentionMs()))
        .transform(marked -> {
          if (marked.failed()) {
            LOG.warn("export {}: the cluster-wide map could not mark it ended: {}", export.id(), marked.cause().toString());
          }
          if (held.containsKey(export.id())) {
            return releaseLeader(export.id());
          }
          vertx.eventBus().publish(RELEASE, export.id());
          return Future.succeededFuture();
        });
  }

  /** The leader's connection ended by itself (the server ended it, the network broke): the export is over. */
  private void leaderLost(String id) {
    LOG.warn("export {}: the connection holding its snapshot ended", id);
    find(id).onSuccess(export -> {
      if (export != null && !export.ended()) {
        end(export, "lost its snapshot");
      }
    });
    releaseLeader(id);
  }

  private Future<Void> releaseLeader(String id) {
    Held leader = held.remove(id);
    if (leader == null) {
      return Future.succeededFuture();
    }
    vertx.cancelTimer(leader.timer());
    return leader.leader().release();
  }

  /** How long the map keeps an export: its life, then as long again to answer {@code export-expired} for it. */
  private long retentionMs() {
    return 2 * TimeUnit.SECONDS.toMillis(config.ttlSeconds());
  }

  private Future<AsyncMap<String, JsonObject>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }

  private static String newId() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
