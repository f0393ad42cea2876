package io.sluice;

import io.sluice.stage.Governance;
import io.sluice.stage.TransformVerticle;
import io.sluice.stage.SourceVerticle;
import io.sluice.source.Sources;
import io.sluice.auth.Authenticator;
import io.sluice.bridge.BridgeVerticle;
import io.sluice.cluster.VertxNodes;
import io.sluice.error.ConfigException;
import io.sluice.config.AuditConfig;
import io.sluice.config.ResumeConfig;
import io.sluice.config.Role;
import io.sluice.config.SluiceConfig;
import io.sluice.changes.ChangeFeed;
import io.sluice.changes.SlotRetention;
import io.sluice.changes.FollowChecks;
import io.sluice.cursor.FollowSource;
import io.sluice.cursor.KeysetSource;
import io.sluice.cursor.PartitionSource;
import io.sluice.export.Exports;
import io.sluice.dataset.Catalogue;
import io.sluice.db.ConnectionBudget;
import io.sluice.db.ConnectionGate;
import io.sluice.db.Database;
import io.sluice.db.DatabaseBreaker;
import io.sluice.db.DatabaseProbe;
import io.sluice.db.ReadServers;
import io.sluice.db.StreamConnections;
import io.sluice.format.ArrowMemory;
import io.sluice.http.health.HealthEndpoints;
import io.sluice.http.health.StreamCheck;
import io.sluice.http.AuditKey;
import io.sluice.http.HttpVerticle;
import io.sluice.limits.ClientLimiter;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.protocol.OpenStreams;
import io.sluice.value.RowBatch;
import io.sluice.protocol.RowBatchCodec;
import io.sluice.protocol.StageRoutes;
import io.sluice.resume.ResumeTokens;
import io.sluice.transform.TransformContext;
import io.sluice.transform.TransformRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Sluice: the admission gate and stream connections, the pool for short queries,
 * the described catalogue and the cursor, transform and HTTP verticles (as many instances of
 * each as configured), started in that order, then the TCP event-bus bridge when enabled.
 */
public final class Sluice {

  private static final Logger LOG = LoggerFactory.getLogger(Sluice.class);
  /** How often readiness may ask the database whether it answers; checks in between reuse the answer. */
  static final long PROBE_INTERVAL_MS = 5_000;
  private static final long PROBE_TIMEOUT_MS = 1_500;
  /** How long after its own timeout the stream check's procedure is given up (a 500): never, unless it is broken. */
  private static final long STREAM_CHECK_GRACE_MS = 1_000;
  /** Stream checks' probes that may wait for a cursor node's gate of theirs: one per HTTP node and interval is the norm. */
  private static final int HEALTH_PROBE_QUEUE = 16;
  /** Stream connections the stream check's probes may hold at once, beside the clients' {@code poolSize}. */
  private static final int HEALTH_PROBE_PERMITS = 1;
  /** How often a drain looks whether the streams in flight are done, to finish early; its time limit is a timer of its own. */
  private static final long DRAIN_POLL_MS = 100;
  /** How long streams ended by a drain get to deliver their last record and let go of their connections. */
  public static final long END_GRACE_MS = 3_000;

  private final Vertx vertx;
  private final SluiceConfig config;
  private final Pool pool;
  private final ConnectionGate gate;
  /** Admits the stream check's {@link io.sluice.dataset.HealthProbe} streams: one connection at a time, beside the clients' permits. */
  private final ConnectionGate healthProbeGate;
  private final StreamConnections connections;
  /** The primary's stream connections and the replicas', with their health. */
  private final ReadServers servers;
  private final SluiceMetrics metrics;
  private final DatabaseProbe probe;
  private final DatabaseBreaker breaker;
  private final List<String> deployments = new ArrayList<>();
  private Catalogue catalogue;
  /** The cap on Arrow's off-heap vectors, shared by this node's HTTP verticles; null on a node without the HTTP stage. */
  private ArrowMemory arrowMemory;
  /** The exports this node makes and whose snapshots it holds; null on a node without the HTTP stage. */
  private Exports exports;
  /** The sources this node's source stage serves; null on a node without the stage. */
  private Sources sources;
  /** The committed changes of the followed tables; null when nothing is followed or the node has no source stage. */
  private ChangeFeed changeFeed;
  private volatile boolean draining;

  private Sluice(Vertx vertx, SluiceConfig config, SluiceMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.pool = Database.pool(vertx, config.database());
    // the clients' permits and the stream check's one: a socket each at most, even toward a database that hangs
    this.connections = StreamConnections.create(vertx, config.database(), config.database().poolSize() + HEALTH_PROBE_PERMITS,
        Math.min(config.database().warmConnections(), config.database().poolSize()));
    this.breaker = new DatabaseBreaker(vertx, config.database().breaker());
    this.servers = new ReadServers(vertx, config.database(), pool, connections, breaker, config.database().poolSize() + HEALTH_PROBE_PERMITS);
    servers.replicas().forEach(replica -> metrics.replica(replica.name(), replica::healthy, replica::lagBytes, replica::lagSeconds,
        replica::streams));
    this.gate = new ConnectionGate(vertx, config.database().poolSize(), config.database().maxWaitQueue(), config.database().queueTimeoutMs(),
        metrics::admissionWaited);
    // the stream check's own gate: it never takes a client's place; its waits are not clients' waits
    this.healthProbeGate = new ConnectionGate(vertx, HEALTH_PROBE_PERMITS, HEALTH_PROBE_QUEUE, config.database().queueTimeoutMs(), waited -> {});
    metrics.admission(gate::held, gate::waiting, gate.permits());
    OpenStreams streams = OpenStreams.of(vertx);
    metrics.pipeline(streams::creditsOutstanding, streams::rowsInFlight);
    metrics.clusterMembers(() -> VertxNodes.members(vertx));
    this.probe = new DatabaseProbe(vertx, config.database(), PROBE_INTERVAL_MS);
    metrics.breaker(Arrays.stream(CircuitBreakerState.values()).map(Sluice::stateName).toList(), () -> stateName(breaker.state()));
  }

  private static String stateName(CircuitBreakerState state) {
    return state.name().toLowerCase();
  }

  /** Starts Sluice on {@code vertx}; fails (and releases what it took) if any part cannot start. */
  public static Future<Sluice> start(Vertx vertx, SluiceConfig config, SluiceMetrics metrics) {
    if (!config.resume().hasKey()) {
      return Future.failedFuture(new ConfigException("resume.signingKey (SLUICE_RESUME_KEY) is not set: every node must sign resume tokens"
          + " with the same key of at least " + ResumeConfig.MIN_KEY_LENGTH + " characters (only the demo makes one up)"));
    }
    if (config.roles().contains(Role.HTTP) || config.bridge().enabled()) {
      try {
        config.auth().validated();
      } catch (ConfigException e) {
        return Future.failedFuture(e);
      }
    }
    registerCodec(vertx);
    Sluice sluice = new Sluice(vertx, config, metrics);
    return sluice.loadCatalogue()
        .compose(v -> sluice.checkConnectionBudget())
        .andThen(v -> sluice.servers.start())
        .compose(v -> sluice.startFollowing())
        .compose(v -> sluice.deployVerticles())
        .map(sluice)
        .onSuccess(s -> LOG.info("Sluice serving {} datasets with roles {} ({} instances each){}{}", s.catalogue.all().size(), config.roles(),
            config.instances(), config.roles().contains(Role.HTTP) ? " on port " + config.http().port() : "",
            vertx.isClustered() ? " in cluster '" + config.cluster().name() + "'" : ""))
        .recover(err -> sluice.stop().transform(ignored -> Future.failedFuture(err)));
  }

  private static void registerCodec(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(RowBatch.class, new RowBatchCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // a second Sluice on the same Vert.x shares the codec
    }
  }

  /** Warns when {@code database.poolSize} asks for more connections than the server has (a node that reads streams only). */
  private Future<Void> checkConnectionBudget() {
    if (!config.roles().contains(Role.CURSOR)) {
      return Future.succeededFuture();
    }
    return ConnectionBudget.check(pool, ConnectionBudget.processConnections(config.database().poolSize(), HEALTH_PROBE_PERMITS)).mapEmpty();
  }

  private Future<Void> loadCatalogue() {
    return Catalogue.load(pool, config.datasets(), new TransformRegistry(), new TransformContext(vertx, pool))
        .onSuccess(c -> catalogue = c)
        .mapEmpty();
  }

  /**
   * Checks the datasets that declare following and, on a node with the source stage, starts the
   * change feed of those that can be followed: one slot per deployment, read by one node of a
   * cluster at a time and relayed to the others.
   */
  private Future<Void> startFollowing() {
    return FollowChecks.run(pool, catalogue).compose(tables -> {
      if (tables.isEmpty() || !config.follow().enabled() || !config.roles().contains(Role.CURSOR)) {
        return Future.succeededFuture();
      }
      Future<String> retention = SlotRetention.check(pool).otherwise((String) null); // a warning only: following starts either way
      return retention.compose(w -> ChangeFeed.start(vertx, config.database(), config.follow(), tables)).onSuccess(feed -> {
        changeFeed = feed;
        metrics.followLag(feed::lagBytes, () -> feed.log().size(), () -> feed.log().diskBytes());
        metrics.followSlotHeld(feed::holdsSlot);
      }).mapEmpty();
    });
  }

  /**
   * Deploys the verticles of this node's roles, cursor first, each as many times as configured;
   * a stage the node lacks is reached on the cluster's nodes that have it.
   */
  private Future<Void> deployVerticles() {
    DeploymentOptions instances = new DeploymentOptions().setInstances(config.instances());
    Set<Role> roles = config.roles();
    StageRoutes routes = StageRoutes.of(roles.contains(Role.TRANSFORM), roles.contains(Role.CURSOR));
    metrics.stageOpens(routes::sameLoopOpens, routes::otherLoopOpens);
    Future<Void> deployed = Future.succeededFuture();
    // one authenticator for the HTTP API and the bridge: with a JWKS URL, its keys are fetched before either serves
    Authenticator authenticator = Authenticator.create(vertx, config.auth());
    if (roles.contains(Role.HTTP) || config.bridge().enabled()) {
      deployed = deployed.compose(v -> authenticator.start());
    }
    if (roles.contains(Role.CURSOR)) {
      KeysetSource keyset = new KeysetSource(vertx, pool, gate, healthProbeGate, servers, breaker, config.stream(), metrics,
          config.database().maxMoves());
      sources = new Sources(List.of(keyset, new PartitionSource(keyset),
          new FollowSource(vertx, pool, gate, connections, breaker, config.stream(), metrics, changeFeed,
              Math.max(1, config.http().heartbeatSeconds()) * 1000L)));
      deployed = deployed.compose(v -> deploy(() -> new SourceVerticle(catalogue, sources, config.stream(), routes), instances));
    }
    // one limiter and one token signer per node: a caller's HTTP, bus and bridge streams count together
    ResumeTokens tokens = new ResumeTokens(config.resume().signingKey(), config.resume().tokenTtlSeconds());
    ClientLimiter limiter = new ClientLimiter(config.http().maxStreamsPerClient(), config.http().quota().rowsPerWindow(),
        config.http().quota().bytesPerWindow(), config.http().quota().windowSeconds(), System::nanoTime);
    if (roles.contains(Role.TRANSFORM)) {
      Governance governance = new Governance(metrics, limiter, tokens, config.stream().fetchSize());
      deployed = deployed.compose(v -> deploy(() -> new TransformVerticle(catalogue, routes, governance), instances));
    }
    if (roles.contains(Role.HTTP)) {
      HealthEndpoints health = healthEndpoints(routes);
      AuditKey auditKey = auditKey();
      arrowMemory = new ArrowMemory(config.http().arrowMemoryBytes());
      metrics.arrowMemory(arrowMemory::allocated, arrowMemory.limit());
      exports = new Exports(vertx, gate, connections, config.exports(), config.stream().statementTimeoutMs(), config.stream().maxLimit());
      metrics.exports(exports::held, exports::oldestHeldSeconds);
      deployed = deployed.compose(v -> exports.start()).compose(v -> deploy(() -> new HttpVerticle(config.http(), config.stream(), catalogue,
          metrics, health, limiter, tokens, routes, authenticator, config.auth().metricsRole(), auditKey, arrowMemory, exports), instances));
    }
    if (config.bridge().enabled()) {
      // one instance: it keeps which client owns which stream
      deployed = deployed.compose(v -> deploy(() -> new BridgeVerticle(config.bridge(), catalogue, authenticator), new DeploymentOptions()));
    }
    return deployed;
  }

  /**
   * The audit log's key: {@code audit.hmacKey}, or one made up for this process, with a warning:
   * its digests then match only this process's lines, which its key id tells apart.
   */
  private AuditKey auditKey() {
    if (config.audit().hasKey()) {
      return AuditKey.of(config.audit().hmacKey());
    }
    AuditKey madeUp = AuditKey.random();
    LOG.warn("audit.hmacKey (SLUICE_AUDIT_HMAC_KEY) is not set: the audit log records sensitive values under a key made up for this"
        + " process (key id {}), so they match only lines of this process. Give every node the same key of at least {} characters"
        + " to match them across nodes and restarts", madeUp.id(), AuditConfig.MIN_KEY_LENGTH);
    return madeUp;
  }

  private HealthEndpoints healthEndpoints(StageRoutes routes) {
    StreamCheck stream = new StreamCheck(vertx, config.health(), config.stream(), routes::transformOpen);
    return new HealthEndpoints(
        HealthChecks.create(vertx).register("event-loop", promise -> promise.complete(Status.OK())),
        HealthChecks.create(vertx)
            .register("database", 2_000, promise ->
                // answered before the check's own timeout, so a database that hangs reads DOWN (503), not a failed check (500)
                probe.check().timeout(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS).map(v -> Status.OK()).onComplete(promise))
            .register("database-breaker", promise -> promise.complete(new Status()
                .setOk(!breaker.isOpen()).setData(new JsonObject().put("state", stateName(breaker.state())))))
            .register("accepting-streams", promise -> promise.complete(new Status()
                .setOk(!draining).setData(new JsonObject().put("draining", draining)))),
        HealthChecks.create(vertx)
            // the check answers within its own timeout, so a database that hangs reads DOWN (503), not a failed check (500)
            .register("stream", stream.timeoutMs() + STREAM_CHECK_GRACE_MS, promise -> stream.check().onComplete(promise)));
  }

  private Future<Void> deploy(Supplier<Deployable> verticle, DeploymentOptions options) {
    return vertx.deployVerticle(verticle, options).onSuccess(deployments::add).mapEmpty();
  }

  /**
   * The graceful shutdown: readiness turns false and new streams are refused at once, streams
   * in flight get {@code drainMs} to finish, then those left are ended {@code partial} with
   * their resume token and get a few seconds to deliver it and let go of their connections;
   * then everything is stopped.
   */
  public Future<Void> drain(long drainMs) {
    draining = true;
    vertx.eventBus().publish(SourceVerticle.DRAIN, null);
    LOG.info("draining: streams in flight ({}) get {} ms to finish", inFlight(), drainMs);
    return awaitStreams(drainMs)
        .compose(done -> {
          if (!done) {
            LOG.warn("drain time over: ending the streams in flight ({}), each with its resume token", inFlight());
            vertx.eventBus().publish(SourceVerticle.END_ALL, null);
          }
          return awaitStreams(END_GRACE_MS);
        })
        .compose(done -> {
          if (!done) {
            LOG.warn("streams still open after the drain ({}): closing them", inFlight());
          }
          return stop();
        });
  }

  private String inFlight() {
    return metrics.activeResponses() + " streams (HTTP, bus, bridge), " + metrics.activeCursors() + " cursors";
  }

  /**
   * Completes with true once no stream is in flight, or with false after {@code timeoutMs}: that
   * end is a timer of its own, due at the exact moment, while the streams are looked at every
   * {@value #DRAIN_POLL_MS} ms only to finish sooner when they are done.
   */
  private Future<Boolean> awaitStreams(long timeoutMs) {
    BooleanSupplier idle = () -> metrics.activeResponses() == 0 && metrics.activeCursors() == 0;
    if (idle.getAsBoolean()) {
      return Future.succeededFuture(true);
    }
    Promise<Boolean> outcome = Promise.promise();
    long poll = vertx.setPeriodic(DRAIN_POLL_MS, timer -> {
      if (idle.getAsBoolean()) {
        outcome.tryComplete(true);
      }
    });
    long deadline = vertx.setTimer(Math.max(1, timeoutMs), timer -> outcome.tryComplete(idle.getAsBoolean()));
    return outcome.future().andThen(ar -> {
      vertx.cancelTimer(poll);
      vertx.cancelTimer(deadline);
    });
  }

  public boolean draining() {
    return draining;
  }

  /** Undeploys the verticles, stops lookups and closes the pool. */
  public Future<Void> stop() {
    // the exports' snapshots first: their connections live on the contexts of the verticles undeployed next
    Future<Void> exportsEnded = exports == null ? Future.succeededFuture() : exports.close().timeout(END_GRACE_MS, TimeUnit.MILLISECONDS);
    return exportsEnded.transform(ar -> Future.join(deployments.stream().map(vertx::undeploy).toList()))
        .eventually(() -> changeFeed == null ? Future.succeededFuture() : changeFeed.close())
        .eventually(() -> catalogue == null ? Future.succeededFuture() : catalogue.close())
        .eventually(pool::close)
        .eventually(servers::close)
        .eventually(connections::close)
        .andThen(ar -> breaker.close())
        .andThen(ar -> {
          if (arrowMemory != null) {
            arrowMemory.close();
          }
        })
        .mapEmpty();
  }

  public Pool pool() {
    return pool;
  }

  public DatabaseBreaker breaker() {
    return breaker;
  }

  public DatabaseProbe databaseProbe() {
    return probe;
  }

  public SluiceMetrics metrics() {
    return metrics;
  }

  public Catalogue catalogue() {
    return catalogue;
  }

  /** The exports this node makes, or null when it has no HTTP stage. */
  public Exports exports() {
    return exports;
  }

  /** The sources this node serves, or null when it has no source stage. */
  public Sources sources() {
    return sources;
  }

  public SluiceConfig config() {
    return config;
  }
}
