package io.sluice.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The service's meters, on one Prometheus registry per process that Vert.x's own HTTP, pool
 * and event-bus meters share (see {@link #vertxMetricsFactory()}), exposed at {@code /metrics}.
 * Streams of every transport are counted by dataset and format through {@link StreamMeters} (the
 * format of a bus or bridge stream is its transport); never by request,
 * principal or stream id, which would make a series per request. docs/operations.md lists
 * every series.
 */
public final class SluiceMetrics {

  /** The tag a stream's dataset goes in; a dataset the catalogue lacks is {@link #UNKNOWN}, so clients cannot mint series. */
  static final String DATASET = "dataset";
  static final String FORMAT = "format";
  static final String STATUS = "status";
  static final String REASON = "reason";
  public static final String UNKNOWN = "unknown";

  private static final Duration[] FIRST_ROW_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
  private static final Duration[] DURATION_BUCKETS = seconds(0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400);
  private static final Duration[] WAIT_BUCKETS = seconds(0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter rowsRead = Counter.builder("sluice.cursor.rows.read").description("rows read from PostgreSQL").register(registry);
  private final Counter samplingRateChanges = Counter.builder("sluice.http.sampling.rate.changes")
      .description("sampling rates raised (1 to 5, 5 to 10) on degrade=sample streams").register(registry);
  private final Counter streamsOpened = Counter.builder("sluice.cursor.streams.opened").description("cursor streams opened").register(registry);
  private final Counter followEvaluations = Counter.builder("sluice.follow.evaluations")
      .description("statements that ran committed changes through a followed dataset's query (one per batch of transactions and distinct parameters)")
      .register(registry);
  private final Counter followEvaluated = Counter.builder("sluice.follow.evaluated.transactions")
      .description("committed transactions run through a followed dataset's query, counted once per distinct parameters however many follow them")
      .register(registry);
  private final Timer admissionWait = Timer.builder("sluice.admission.wait")
      .description("how long admitted streams waited for a database connection").serviceLevelObjectives(WAIT_BUCKETS).register(registry);
  private final AtomicInteger activeCursors = registry.gauge("sluice.cursor.streams.active", new AtomicInteger());
  private final AtomicInteger awaitingCredit = registry.gauge("sluice.cursor.streams.awaiting.credit", new AtomicInteger());
  private final AtomicInteger blockedResponses = registry.gauge("sluice.http.responses.blocked", new AtomicInteger());
  /** Streams of this process not yet done (HTTP responses with their connection, bus and bridge streams), whatever their dataset: what a drain waits for. */
  private final AtomicInteger activeResponses = new AtomicInteger();
  /** The active-streams gauge of each dataset and format met so far. */
  private final Map<Tags, AtomicInteger> activeStreams = new ConcurrentHashMap<>();

  private static Duration[] seconds(double... values) {
    Duration[] durations = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      durations[i] = Duration.ofNanos((long) (values[i] * 1e9));
    }
    return durations;
  }

  /** The options that turn on Vert.x's own meters (HTTP server, pools, event bus, JVM); {@link #vertxMetricsFactory()} puts them on this registry. */
  public static MicrometerMetricsOptions vertxMetricsOptions() {
    return new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true);
  }

  /** Makes Vert.x register its meters on this registry, so {@code /metrics} shows both. */
  public VertxMetricsFactory vertxMetricsFactory() {
    return new MicrometerMetricsFactory(registry);
  }

  /** Stream connections held by streams, streams waiting for one, and how many may be held, as gauges. */
  public void admission(IntSupplier held, IntSupplier waiting, int max) {
    Gauge.builder("sluice.db.connections.held", held::getAsInt).description("streams holding a database connection").register(registry);
    Gauge.builder("sluice.db.connections.waiting", waiting::getAsInt).description("streams waiting for a database connection").register(registry);
    Gauge.builder("sluice.db.connections.max", () -> max).description("the most stream connections this process opens (database.poolSize)")
        .register(registry);
  }

  /** A read replica's health, lag and streams, labelled {@code server="host:port"}. */
  public void replica(String server, BooleanSupplier healthy, LongSupplier lagBytes, DoubleSupplier lagSeconds, IntSupplier streams) {
    Gauge.builder("sluice.db.replica.healthy", () -> healthy.getAsBoolean() ? 1 : 0).tag("server", server)
        .description("1 while the replica gets new streams (answers, in recovery, within database.maxLagBytes and maxLagSeconds)")
        .register(registry);
    Gauge.builder("sluice.db.replica.lag.bytes", lagBytes::getAsLong).tag("server", server)
        .description("bytes of the primary's WAL the replica had not replayed at the last poll (-1: unknown)").register(registry);
    Gauge.builder("sluice.db.replica.lag.seconds", lagSeconds::getAsDouble).tag("server", server)
        .description("seconds since the last transaction the replica replayed while behind (0: caught up, -1: unknown)").register(registry);
    Gauge.builder("sluice.db.replica.streams", streams::getAsInt).tag("server", server)
        .description("streams reading from the replica now").register(registry);
  }

  /** The WAL the follow slot holds back, in bytes (-1 until measured), and the transactions its retained log holds. */
  public void followLag(LongSupplier lagBytes, IntSupplier retained, LongSupplier retainedBytes) {
    Gauge.builder("sluice.follow.slot.lag", lagBytes::getAsLong).baseUnit("bytes")
        .description("WAL the follow replication slot holds back: the server's position less the slot's confirmed one").register(registry);
    Gauge.builder("sluice.follow.retained.transactions", retained::getAsInt)
        .description("committed transactions the follow log holds in memory for late followers and resumes").register(registry);
    Gauge.builder("sluice.follow.retained.disk", retainedBytes::getAsLong).baseUnit("bytes")
        .description("bytes of the follow log's segment files on disk").register(registry);
  }

  /** Whether this node reads the follow slot (1) or has its changes relayed from the node that does (0). */
  public void followSlotHeld(BooleanSupplier held) {
    Gauge.builder("sluice.follow.slot.held", () -> held.getAsBoolean() ? 1 : 0)
        .description("1 on the node that reads the follow replication slot, 0 on the others of its cluster").register(registry);
  }

  /** An admitted stream waited this long for its database connection (0 when one was free). */
  public void admissionWaited(long nanos) {
    admissionWait.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The database circuit breaker's state, one gauge per state, 1 for the current one. */
  public void breaker(List<String> states, Supplier<String> current) {
    for (String state : states) {
      Gauge.builder("sluice.database.breaker.state", () -> state.equals(current.get()) ? 1 : 0)
          .description("the database circuit breaker's state (1 for the current one)").tag("state", state).register(registry);
    }
  }

  /** Credits granted to this process's stream producers and not yet used, and rows its stream ends hold in memory. */
  public void pipeline(LongSupplier creditsOutstanding, LongSupplier rowsInFlight) {
    Gauge.builder("sluice.credits.outstanding", creditsOutstanding::getAsLong)
        .description("batches producers may still send to this process's consumers without asking").register(registry);
    Gauge.builder("sluice.rows.in.flight", rowsInFlight::getAsLong)
        .description("rows received or produced by this process's streams and not yet passed on").register(registry);
  }

  /** Opens of a stream's next stage sent to the instance on the sender's own event loop, and to any other. */
  public void stageOpens(LongSupplier sameLoop, LongSupplier otherLoop) {
    String description = "opens of a stream's next stage, sent to its instance on the sender's event loop (same) or to another (other)";
    FunctionCounter.builder("sluice.stage.opens", sameLoop, LongSupplier::getAsLong).tag("loop", "same").description(description).register(registry);
    FunctionCounter.builder("sluice.stage.opens", otherLoop, LongSupplier::getAsLong).tag("loop", "other").description(description).register(registry);
  }

  /** Bytes the vectors of this process's Arrow responses hold now, and the most they may ({@code http.arrowMemoryBytes}). */
  public void arrowMemory(LongSupplier allocated, long limit) {
    Gauge.builder("sluice.arrow.memory.allocated", allocated::getAsLong).baseUnit("bytes")
        .description("off-heap bytes the vectors of Arrow responses hold now").register(registry);
    Gauge.builder("sluice.arrow.memory.limit", () -> limit).baseUnit("bytes")
        .description("the most they may hold (http.arrowMemoryBytes); past it a stream fails with memory-exhausted").register(registry);
  }

  /** The export snapshots this process holds, and the age of the oldest. */
  public void exports(IntSupplier held, java.util.function.DoubleSupplier oldestAgeSeconds) {
    Gauge.builder("sluice.exports.snapshots.held", held::getAsInt)
        .description("export snapshots this process holds open (each holds back VACUUM)").register(registry);
    Gauge.builder("sluice.exports.snapshot.oldest.age", oldestAgeSeconds::getAsDouble).baseUnit("seconds")
        .description("how long the oldest export snapshot this process holds has been held (bounded by exports.ttlSeconds)").register(registry);
  }

  /** The nodes of the cluster this process belongs to (1 when it runs alone). */
  public void clusterMembers(IntSupplier members) {
    Gauge.builder("sluice.cluster.members", members::getAsInt).description("nodes in this process's Vert.x cluster").register(registry);
  }

  /**
   * One more stream of the dataset and format {@code tags} name: the gauge of those
   * streams, which the caller counts down when the stream is done with its connection.
   */
  AtomicInteger streamStarted(Tags tags) {
    activeResponses.incrementAndGet();
    AtomicInteger active = activeStreams.computeIfAbsent(tags, t -> {
      AtomicInteger gauge = new AtomicInteger();
      Gauge.builder("sluice.streams.active", gauge, AtomicInteger::get).description("streams not yet done: HTTP responses with their connection, bus and bridge streams")
          .tags(t).register(registry);
      return gauge;
    });
    active.incrementAndGet();
    return active;
  }

  /** A rows request turned away before its stream ran; {@code reason} is the error code the client got. */
  public void refused(String dataset, String reason) {
    Counter.builder("sluice.streams.refused").description("rows requests refused before any row, by the error code they got")
        .tags(DATASET, dataset == null ? UNKNOWN : dataset, REASON, reason).register(registry).increment();
  }

  Counter counter(String name, String description, Tags tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  Timer firstRowTimer(Tags tags) {
    return Timer.builder("sluice.time.to.first.row").description("from a rows request (an open) to its first row written")
        .serviceLevelObjectives(FIRST_ROW_BUCKETS).tags(tags).register(registry);
  }

  Timer durationTimer(Tags tags) {
    return Timer.builder("sluice.stream.duration").description("from a rows request to its last byte, by how it ended")
        .serviceLevelObjectives(DURATION_BUCKETS).tags(tags).register(registry);
  }

  void streamDone() {
    activeResponses.decrementAndGet();
  }

  /** The registry {@code /metrics} scrapes. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public void rowsRead(long n) {
    rowsRead.increment(n);
  }

  /** Rows written to HTTP clients so far, over every dataset and format. */
  public double rowsWritten() {
    return sum("sluice.rows.sent");
  }

  /** Rows sampling streams read but did not send, over every dataset and format. */
  public double rowsSampledOut() {
    return sum("sluice.rows.sampled.out");
  }

  private double sum(String counter) {
    return registry.find(counter).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** A sampling stream raised its rate (and announced it in-band). */
  public void samplingRateRaised() {
    samplingRateChanges.increment();
  }

  public double samplingRateChanges() {
    return samplingRateChanges.count();
  }

  /** One statement ran {@code transactions} committed transactions through a followed dataset's query. */
  public void followEvaluated(int transactions) {
    followEvaluations.increment();
    followEvaluated.increment(transactions);
  }

  public double followEvaluations() {
    return followEvaluations.count();
  }

  public double followEvaluatedTransactions() {
    return followEvaluated.count();
  }

  public double rowsRead() {
    return rowsRead.count();
  }

  public double streamsOpened() {
    return streamsOpened.count();
  }

  public void cursorOpened() {
    streamsOpened.increment();
    activeCursors.incrementAndGet();
  }

  public void cursorClosed() {
    activeCursors.decrementAndGet();
  }

  public int activeCursors() {
    return activeCursors.get();
  }

  public void awaitingCredit(boolean waiting) {
    if (waiting) {
      awaitingCredit.incrementAndGet();
    } else {
      awaitingCredit.decrementAndGet();
    }
  }

  /** A response's write queue filled up (true) or drained (false). */
  public void responseBlocked(boolean blocked) {
    if (blocked) {
      blockedResponses.incrementAndGet();
    } else {
      blockedResponses.decrementAndGet();
    }
  }

  public int activeResponses() {
    return activeResponses.get();
  }

  public int blockedResponses() {
    return blockedResponses.get();
  }

  public int awaitingCredit() {
    return awaitingCredit.get();
  }
}
