package io.sluice.db;

import io.sluice.config.DatabaseConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers streams read from: the primary and {@code database.replicas}. Every {@value
 * #POLL_MS} ms each replica is asked whether it is in recovery and how far its replay is behind
 * the primary's WAL, in bytes ({@code pg_wal_lsn_diff}; time alone stops growing while the
 * primary is idle) and in seconds since the last replayed transaction (counted only while it
 * is behind). A replica that answers, is in recovery and is within {@code maxLagBytes} and
 * {@code maxLagSeconds} is healthy; a new stream goes to the healthy replica with the fewest
 * streams, or to the primary when none is (or when its dataset asks for {@code consistency:
 * primary}). A replica that stops answering is unhealthy at the next poll, within {@value
 * #POLL_MS} ms plus {@value #PROBE_TIMEOUT_MS} ms; one that recovers is used again at the poll
 * after. Each replica has a circuit breaker of its own ({@code database.breaker}'s settings):
 * while it is open the replica gets no new stream either, and its failures never count against
 * the primary's breaker.
 *
 * <p>A keyset stream whose server fails under it goes on on {@link #another} server; a replica
 * that lost a stream's connection gets no new stream until the next poll finds it healthy ({@link #lost}).
 */
public final class ReadServers {

  private static final Logger LOG = LoggerFactory.getLogger(ReadServers.class);
  static final long POLL_MS = 2_000;
  static final long PROBE_TIMEOUT_MS = 1_500;

  private static final String PRIMARY_LSN = "select pg_current_wal_lsn()::text";
  private static final String REPLICA_STATE = "select pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
      + " coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0)::float8";

  private final Vertx vertx;
  private final Pool primaryPool;
  private final Server primary;
  private final List<Replica> replicas = new ArrayList<>();
  private final long maxLagBytes;
  private final long maxLagSeconds;
  private long timer = -1;

  /** The name of the primary as a server streams read from (a replica's is its host:port). */
  public static final String PRIMARY = "primary";

  /** A server streams read from: its name, the connections streams open to it, its circuit breaker. */
  public record Server(String name, StreamConnections connections, DatabaseBreaker breaker) {}

  /**
   * The primary's {@code connections}, {@code breaker} and query {@code primaryPool}, and a server per replica of {@code config},
   * each with a breaker of its own.
   */
  public ReadServers(Vertx vertx, DatabaseConfig config, Pool primaryPool, StreamConnections primaryConnections, DatabaseBreaker breaker,
      int maxSockets) {
    this.vertx = vertx;
    this.primaryPool = primaryPool;
    this.primary = new Server(PRIMARY, primaryConnections, breaker);
    this.maxLagBytes = config.maxLagBytes();
    this.maxLagSeconds = config.maxLagSeconds();
    for (String url : config.replicas()) {
      DatabaseConfig replica = config.forReplica(url);
      PgConnectOptions options = PgConnectOptions.fromUri(url);
      String name = options.getHost() + ":" + options.getPort();
      replicas.add(new Replica(new Server(name, StreamConnections.create(vertx, replica, maxSockets, Math.min(replica.warmConnections(), replica.poolSize())),
          new DatabaseBreaker(vertx, config.breaker(), "replica " + name)), Database.probePool(vertx, replica)));
    }
  }

  /** Starts polling the replicas' health (the first poll at once); nothing to do without replicas. */
  public void start() {
    if (!replicas.isEmpty()) {
      poll();
      timer = vertx.setPeriodic(POLL_MS, id -> poll());
    }
  }

  /** Where a new stream reads: the least busy healthy replica (its breaker closed), or the primary when none is or {@code primaryOnly}. */
  public Server pick(boolean primaryOnly) {
    Server replica = primaryOnly ? null : leastBusyReplica(null);
    return replica == null ? primary : replica;
  }

  /**
   * Where a stream whose server {@code failed} goes on: the least busy healthy replica but that
   * one, else the primary unless it is the one that failed or its breaker is open; null when there
   * is no other server ({@code primaryOnly} streams have none but the primary).
   */
  public Server another(boolean primaryOnly, Server failed) {
    Server replica = primaryOnly ? null : leastBusyReplica(failed);
    if (replica != null) {
      return replica;
    }
    return primary == failed || primary.breaker().isOpen() ? null : primary;
  }

  /**
   * A stream's connection to {@code server} was lost (the server went down, or its backend was
   * ended): a replica gets no new stream until the next poll finds it healthy again.
   */
  public void lost(Server server) {
    replicas.stream().filter(r -> r.server == server).forEach(r -> r.set(false, r.lagBytes, r.lagSeconds,
        "a stream's connection to it was lost (until the next poll)"));
  }

  private Server leastBusyReplica(Server except) {
    return replicas.stream().filter(r -> r.server != except && r.healthy())
        .min(Comparator.comparingInt(Replica::streams)).map(r -> r.server).orElse(null);
  }

  /** The replicas, for metrics and health. */
  public List<Replica> replicas() {
    return List.copyOf(replicas);
  }

  /** The primary, then every replica. */
  public List<Server> all() {
    List<Server> all = new ArrayList<>();
    all.add(primary);
    replicas.forEach(replica -> all.add(replica.server));
    return all;
  }

  /** Stops polling and closes the replicas' connections (the primary's belong to the caller). */
  public Future<Void> close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    List<Future<Void>> closed = new ArrayList<>();
    for (Replica replica : replicas) {
      replica.server.breaker().close();
      closed.add(replica.server.connections().close());
      closed.add(replica.probe.close());
    }
    return Future.join(closed).mapEmpty();
  }

  private void poll() {
    primaryPool.query(PRIMARY_LSN).execute()
        .map(rows -> Lsn.parse(rows.iterator().next().getString(0)))
        .otherwise(err -> null)
        .onSuccess(primaryLsn -> replicas.forEach(replica -> replica.poll(primaryLsn)));
  }

  /** One replica: its server (stream connections, breaker), a pool of one for the health query, its last known state. */
  public final class Replica {
    private final Server server;
    private final Pool probe;
    private volatile boolean healthy;
    private volatile long lagBytes = -1;
    private volatile double lagSeconds = -1;
    private volatile String reason = "not polled yet";

    private Replica(Server server, Pool probe) {
      this.server = server;
      this.probe = probe;
    }

    /** host:port, the label of its metrics. */
    public String name() {
      return server.name();
    }

    /** Whether it gets new streams: the last poll found it healthy, no stream lost its connection since, and its breaker is not open. */
    public boolean healthy() {
      return healthy && !server.breaker().isOpen();
    }

    /** Bytes of the primary's WAL it has not replayed at the last poll; -1 when unknown. */
    public long lagBytes() {
      return lagBytes;
    }

    /** Seconds since the last transaction it replayed while it was behind, 0 when caught up; -1 when unknown. */
    public double lagSeconds() {
      return lagSeconds;
    }

    /** Streams reading from it now. */
    public int streams() {
      return server.connections().inUse();
    }

    private void poll(Long primaryLsn) {
      probe.query(REPLICA_STATE).execute()
          .timeout(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .onSuccess(rows -> judge(rows.iterator().next(), primaryLsn))
          .onFailure(err -> set(false, -1, -1, "does not answer: " + err.getClass().getSimpleName()));
    }

    private void judge(Row row, Long primaryLsn) {
      if (!row.getBoolean(0)) {
        set(false, -1, -1, "not in recovery (promoted, or not a standby)");
        return;
      }
      Long replayed = Lsn.parse(row.getString(1));
      long bytes = primaryLsn == null || replayed == null ? -1 : Math.max(0, primaryLsn - replayed);
      double seconds = bytes == 0 ? 0 : row.getDouble(2);
      if (bytes < 0) {
        set(false, bytes, seconds, "lag unknown (the primary's position could not be read)");
      } else if (bytes > maxLagBytes) {
        set(false, bytes, seconds, "behind by " + bytes + " bytes (database.maxLagBytes " + maxLagBytes + ")");
      } else if (seconds > maxLagSeconds) {
        set(false, bytes, seconds, "behind by " + seconds + " s (database.maxLagSeconds " + maxLagSeconds + ")");
      } else {
        set(true, bytes, seconds, null);
      }
    }

    private void set(boolean nowHealthy, long bytes, double seconds, String why) {
      lagBytes = bytes;
      lagSeconds = seconds;
      if (nowHealthy != healthy || (why != null && !why.equals(reason))) {
        if (nowHealthy) {
          LOG.info("replica {} is healthy again: new streams read from it", name());
        } else {
          LOG.warn("replica {} gets no new streams: {}", name(), why);
        }
      }
      healthy = nowHealthy;
      reason = why;
    }
  }

  /** PostgreSQL's {@code pg_lsn} text ({@code 16/B374D848}) as a number of bytes. */
  static final class Lsn {
    private Lsn() {}

    static Long parse(String text) {
      if (text == null) {
        return null;
      }
      int slash = text.indexOf('/');
      return (Long.parseLong(text.substring(0, slash), 16) << 32) + Long.parseLong(text.substring(slash + 1), 16);
    }
  }
}
