package io.sluice;

import io.sluice.config.ConfigException;
import io.sluice.config.ResumeConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.cursor.CursorVerticle;
import io.sluice.dataset.Catalogue;
import io.sluice.db.ConnectionGate;
import io.sluice.db.Database;
import io.sluice.db.DatabaseProbe;
import io.sluice.db.StreamConnections;
import io.sluice.http.ClientLimiter;
import io.sluice.http.HealthEndpoints;
import io.sluice.http.HttpVerticle;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.protocol.RowBatch;
import io.sluice.protocol.RowBatchCodec;
import io.sluice.resume.ResumeTokens;
import io.sluice.transform.TransformContext;
import io.sluice.transform.TransformRegistry;
import io.sluice.transform.TransformVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Sluice: the admission gate and stream connections, the pool for short queries,
 * the described catalogue and the cursor, transform and HTTP verticles (as many instances of
 * each as configured), started in that order.
 */
public final class Sluice {

  private static final Logger LOG = LoggerFactory.getLogger(Sluice.class);
  /** How often readiness may ask the database whether it answers; checks in between reuse the answer. */
  static final long PROBE_INTERVAL_MS = 5_000;
  private static final long PROBE_TIMEOUT_MS = 1_500;

  private final Vertx vertx;
  private final SluiceConfig config;
  private final Pool pool;
  private final ConnectionGate gate;
  private final StreamConnections connections;
  private final SluiceMetrics metrics;
  private final DatabaseProbe probe;
  private final List<String> deployments = new ArrayList<>();
  private Catalogue catalogue;

  private Sluice(Vertx vertx, SluiceConfig config, SluiceMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.pool = Database.pool(vertx, config.database());
    this.connections = StreamConnections.create(vertx, config.database());
    this.gate = new ConnectionGate(vertx, config.database().poolSize(), config.database().maxWaitQueue(), config.database().queueTimeoutMs());
    metrics.admission(gate::held, gate::waiting);
    this.probe = new DatabaseProbe(vertx, config.database(), PROBE_INTERVAL_MS);
  }

  /** Starts Sluice on {@code vertx}; fails (and releases what it took) if any part cannot start. */
  public static Future<Sluice> start(Vertx vertx, SluiceConfig config, SluiceMetrics metrics) {
    if (!config.resume().hasKey()) {
      return Future.failedFuture(new ConfigException("resume.signingKey (SLUICE_RESUME_KEY) is not set: every node must sign resume tokens"
          + " with the same key of at least " + ResumeConfig.MIN_KEY_LENGTH + " characters (only the demo makes one up)"));
    }
    registerCodec(vertx);
    Sluice sluice = new Sluice(vertx, config, metrics);
    return sluice.loadCatalogue()
        .compose(v -> sluice.deployVerticles())
        .map(sluice)
        .onSuccess(s -> LOG.info("Sluice serving {} datasets on port {} with {} instances per verticle",
            s.catalogue.all().size(), config.http().port(), config.instances()))
        .recover(err -> sluice.stop().transform(ignored -> Future.failedFuture(err)));
  }

  private static void registerCodec(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(RowBatch.class, new RowBatchCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // a second Sluice on the same Vert.x shares the codec
    }
  }

  private Future<Void> loadCatalogue() {
    return Catalogue.load(pool, config.datasets(), new TransformRegistry(), new TransformContext(vertx, pool))
        .onSuccess(c -> catalogue = c)
        .mapEmpty();
  }

  private Future<Void> deployVerticles() {
    DeploymentOptions instances = new DeploymentOptions().setInstances(config.instances());
    HealthEndpoints health = new HealthEndpoints(
        HealthChecks.create(vertx).register("event-loop", promise -> promise.complete(Status.OK())),
        HealthChecks.create(vertx).register("database", 2_000, promise ->
            // answered before the check's own timeout, so a database that hangs reads DOWN (503), not a failed check (500)
            probe.check().timeout(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS).map(v -> Status.OK()).onComplete(promise)));
    ResumeTokens tokens = new ResumeTokens(config.resume().signingKey(), config.resume().tokenTtlSeconds());
    ClientLimiter limiter = new ClientLimiter(config.http().maxStreamsPerClient(), config.http().trustedProxies());
    return deploy(() -> new CursorVerticle(catalogue, pool, gate, connections, config.stream(), metrics), instances)
        .compose(v -> deploy(() -> new TransformVerticle(catalogue), instances))
        .compose(v -> deploy(() -> new HttpVerticle(config.http(), config.stream(), catalogue, metrics, health, limiter, tokens), instances));
  }

  private Future<Void> deploy(Supplier<Deployable> verticle, DeploymentOptions options) {
    return vertx.deployVerticle(verticle, options).onSuccess(deployments::add).mapEmpty();
  }

  /** Undeploys the verticles, stops lookups and closes the pool. */
  public Future<Void> stop() {
    List<Future<Void>> undeployed = deployments.stream().map(vertx::undeploy).toList();
    return Future.join(undeployed)
        .eventually(() -> catalogue == null ? Future.succeededFuture() : catalogue.close())
        .eventually(pool::close)
        .eventually(connections::close)
        .mapEmpty();
  }

  public Pool pool() {
    return pool;
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

  public SluiceConfig config() {
    return config;
  }
}
