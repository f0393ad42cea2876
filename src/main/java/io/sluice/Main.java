package io.sluice;

import io.sluice.cluster.VertxNodes;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.db.Database;
import io.sluice.db.DatabaseLocator;
import io.sluice.config.AuthConfig;
import io.sluice.demo.DemoSeeder;
import io.sluice.logging.ProcessLogging;
import io.sluice.metrics.SluiceMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.sqlclient.Pool;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Command line: {@code java -jar sluice.jar} serves the configuration in {@code
 * SLUICE_CONFIG} (default {@code conf/sluice.yaml}); {@code java -jar sluice.jar demo} first
 * creates and seeds the demo tables ({@code SLUICE_DEMO_ROWS}, default 1,000,000).
 *
 * <p>SIGTERM (and Ctrl-C) drain the node ({@link Sluice#drain}) and exit 0, not the JVM's
 * 143: a pod being replaced has done its job.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  /** The environment variable naming the configuration file. */
  public static final String CONFIG_VARIABLE = "SLUICE_CONFIG";
  /** The environment variable giving the demo's row count. */
  public static final String DEMO_ROWS_VARIABLE = "SLUICE_DEMO_ROWS";
  /** The demo's writes per second to its transactions, so that a follower sees changes (0: none). */
  public static final String DEMO_WRITES_VARIABLE = "SLUICE_DEMO_WRITES_PER_SECOND";
  /** What a drain may take beyond its drain time and end grace before the process gives up on it and exits 1. */
  public static final long DRAIN_OVERRUN_MS = 10_000;
  private static final AtomicBoolean STOPPING = new AtomicBoolean();

  private Main() {}

  public static void main(String[] args) {
    ProcessLogging.install();
    List<String> arguments = List.of(args);
    boolean demo = arguments.contains("demo");
    boolean clustered = arguments.contains("--cluster");
    if (arguments.stream().anyMatch(a -> !a.equals("demo") && !a.equals("--cluster"))) {
      System.err.println("usage: java -jar sluice.jar [demo] [--cluster]");
      System.exit(2);
    }
    SluiceConfig loaded;
    try {
      loaded = loadConfig(envOr(CONFIG_VARIABLE, "conf/sluice.yaml"));
    } catch (Exception e) {
      LOG.error("Sluice could not start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    SluiceConfig configured = clustered ? loaded.withCluster(loaded.cluster().withEnabled(true)) : loaded;
    SluiceMetrics metrics = new SluiceMetrics();
    // one event loop per instance of each stage: a stream's stages can then share their loop (StageRoutes)
    VertxOptions options = new VertxOptions().setMetricsOptions(SluiceMetrics.vertxMetricsOptions())
        .setEventLoopPoolSize(configured.instances());
    VertxNodes.create(configured.cluster(), options, metrics.vertxMetricsFactory())
        .onFailure(err -> {
          LOG.error("Sluice could not join its cluster: {}", err.getMessage(), err);
          System.exit(1);
        })
        .onSuccess(vertx -> start(vertx, configured, demo, metrics));
  }

  /** Reads the configuration, before the node's Vert.x exists: whether it is clustered is part of it. */
  private static SluiceConfig loadConfig(String path) throws Exception {
    Vertx bootstrap = Vertx.vertx();
    try {
      return ConfigLoader.load(bootstrap, path).await(30, TimeUnit.SECONDS);
    } finally {
      bootstrap.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static void start(Vertx vertx, SluiceConfig configured, boolean demo, SluiceMetrics metrics) {
    DatabaseLocator.locate(vertx, configured.database(), demo).map(configured::withDatabase)
        .compose(config -> demo ? seedDemo(vertx, config).map(demoConfig(config)) : Future.succeededFuture(config))
        .compose(config -> Sluice.start(vertx, config, metrics))
        .onSuccess(sluice -> {
          onSignal("TERM", () -> drainAndExit(vertx, sluice));
          onSignal("INT", () -> drainAndExit(vertx, sluice));
          Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, sluice), "sluice-shutdown"));
        })
        .onFailure(err -> {
          LOG.error("Sluice could not start: {}", err.getMessage(), err);
          vertx.close().onComplete(ar -> System.exit(1));
        });
  }

  private static Future<Void> seedDemo(Vertx vertx, SluiceConfig config) {
    long rows = Long.parseLong(envOr(DEMO_ROWS_VARIABLE, "1000000"));
    int writesPerSecond = Integer.parseInt(envOr(DEMO_WRITES_VARIABLE, "0"));
    Pool pool = Database.pool(vertx, config.database());
    if (writesPerSecond <= 0) {
      return DemoSeeder.seed(pool, rows).eventually(pool::close);
    }
    // the pool stays open for the writes, which end with the process
    return DemoSeeder.seed(pool, rows).onSuccess(v -> DemoSeeder.writeContinuously(vertx, pool, writesPerSecond, rows));
  }

  /**
   * The demo opens the API to pages of any origin unless the configuration names origins,
   * signs resume tokens with a key of its own unless one is configured (never on Kubernetes or
   * in a cluster, where nodes must share one), and turns authentication off, with every role
   * for every caller, unless a key to verify tokens is configured.
   */
  static SluiceConfig demoConfig(SluiceConfig config) {
    SluiceConfig demo = config;
    if (demo.http().corsOrigins().isEmpty()) {
      LOG.info("demo: CORS allows every origin");
      demo = demo.withHttp(demo.http().withCorsOrigins(List.of("*")));
    }
    if (!demo.resume().hasKey() && System.getenv("KUBERNETES_SERVICE_HOST") == null && !demo.cluster().enabled()) {
      LOG.warn("demo: resume tokens are signed with a key made up for this process; they stop working when it restarts."
          + " Set SLUICE_RESUME_KEY to keep them");
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      demo = demo.withResume(demo.resume().withSigningKey(Base64.getEncoder().encodeToString(key)));
    }
    if (!demo.auth().hasKey()) {
      LOG.warn("demo: AUTHENTICATION IS OFF. Anyone who reaches port {} reads every dataset, transactions_raw's card numbers"
          + " included. Set SLUICE_JWT_HS256_SECRET (or auth.mode: jwt) before this serves anything real", demo.http().port());
      demo = demo.withAuth(demo.auth().asNone(Set.of(AuthConfig.ALL_ROLES)));
    }
    return demo;
  }

  @SuppressWarnings("sunapi") // the JDK's only way to handle SIGTERM instead of exiting 143
  private static void onSignal(String name, Runnable action) {
    sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
  }

  /** Drains the node, then exits 0; a drain that hangs past its time and an overrun ends the process with 1. */
  private static void drainAndExit(Vertx vertx, Sluice sluice) {
    if (!STOPPING.compareAndSet(false, true)) {
      return;
    }
    long drainMs = TimeUnit.SECONDS.toMillis(sluice.config().shutdown().drainSeconds());
    LOG.info("signal received: draining for at most {} ms", drainMs);
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(drainMs + Sluice.END_GRACE_MS + DRAIN_OVERRUN_MS);
        LOG.error("the drain did not finish in time: exiting anyway");
        Runtime.getRuntime().halt(1);
      } catch (InterruptedException stopped) {
        Thread.currentThread().interrupt();
      }
    }, "sluice-drain-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    sluice.drain(drainMs)
        .eventually(vertx::close)
        .onComplete(ar -> {
          LOG.info("drained and stopped: exiting");
          // System.exit waits for the shutdown hooks: never on a Vert.x thread
          new Thread(() -> System.exit(0), "sluice-exit").start();
        });
  }

  /** Stops on any other way out (System.exit, SIGHUP): no drain, a bounded stop. */
  private static void shutdown(Vertx vertx, Sluice sluice) {
    if (!STOPPING.compareAndSet(false, true)) {
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    sluice.stop().eventually(vertx::close).onComplete(ar -> stopped.countDown());
    try {
      stopped.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String envOr(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
