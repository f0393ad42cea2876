package io.sluice.changes;

import io.sluice.config.DatabaseConfig;
import io.sluice.config.FollowConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed changes of the followed tables, from the deployment's one logical replication
 * slot, in the node's {@link RetainedLog} that every follower on the node reads. Standalone, a
 * {@link SlotReader} on a thread of its own fills the log. In a cluster only one node reads the
 * slot at a time: the {@link SlotRelay} makes the nodes compete for it, and fills the log of
 * every other node from what the holder publishes; when the holder leaves, another takes the
 * slot over from its confirmed position. Started once per node that serves followers, after
 * the {@link FollowChecks}.
 */
public final class ChangeFeed {

  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

  private final Vertx vertx;
  private final String jdbcUrl;
  private final Properties properties;
  private final FollowConfig config;
  private final List<String> tables;
  private final RetainedLog log;
  /** The database and slot the log's disk part belongs to ({@link SlotReader#source()}). */
  private final String source;
  /** The reader while this node reads the slot. */
  private volatile SlotReader reader;
  /** The relay in a cluster, null standalone. */
  private volatile SlotRelay relay;

  private ChangeFeed(Vertx vertx, String jdbcUrl, Properties properties, FollowConfig config, List<String> tables, RetainedLog log,
      String source) {
    this.vertx = vertx;
    this.jdbcUrl = jdbcUrl;
    this.properties = properties;
    this.config = config;
    this.tables = tables;
    this.log = log;
    this.source = source;
  }

  /**
   * Prepares the publication of {@code tables} and the slot (creating what is missing) and starts
   * reading it, or in a cluster relaying it. Standalone, the log reloads what its directory
   * ({@code follow.logDir}/slot) holds from an earlier run, when that reaches the slot's confirmed
   * position; otherwise it starts there. In a cluster each node's copy is kept in memory, and the
   * node that takes the slot over gives its copy that disk part ({@link RetainedLog#attachDisk}).
   */
  public static Future<ChangeFeed> start(Vertx vertx, DatabaseConfig database, FollowConfig config, List<String> tables) {
    PgConnectOptions options = PgConnectOptions.fromUri(database.url());
    String jdbcUrl = "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
    Properties properties = new Properties();
    PGProperty.USER.set(properties, options.getUser());
    String password = database.password() != null ? database.password() : options.getPassword();
    if (password != null) {
      PGProperty.PASSWORD.set(properties, password);
    }
    PGProperty.APPLICATION_NAME.set(properties, database.applicationName() + "-follow");
    PGProperty.CONNECT_TIMEOUT.set(properties, Math.max(1, database.connectTimeoutMs() / 1000));
    return vertx.executeBlocking(() -> {
      SlotReader probe = new SlotReader(jdbcUrl, properties, config, null);
      long start = probe.prepare(tables);
      String source = probe.source();
      RetainedLog log = config.logDir() == null || vertx.isClustered()
          ? new RetainedLog(config.retainedTransactions(), start)
          : RetainedLog.open(config.retainedTransactions(), config.logDir().resolve(config.slot()), config.retainedBytes(), start, source);
      ChangeFeed feed = new ChangeFeed(vertx, jdbcUrl, properties, config, tables, log, source);
      if (!vertx.isClustered()) {
        feed.read();
      }
      return feed;
    }).compose(feed -> {
      if (!vertx.isClustered()) {
        return Future.succeededFuture(feed);
      }
      feed.relay = SlotRelay.create(vertx, config.slot(), feed.log, feed::takeOver);
      return feed.relay.start().map(feed);
    });
  }

  /** Starts reading the slot into the log, from where the log stands. Blocks: on a worker thread. */
  private SlotReader read() {
    SlotReader next = new SlotReader(jdbcUrl, properties, config, log);
    SlotRelay relaying = relay;
    if (relaying != null) {
      relaying.lead(next::nudge, next::lagBytes);
      next.confirmAtMost(relaying::sent);
    }
    next.start();
    reader = next;
    return next;
  }

  /**
   * This node got the slot's lock: its copy of the log gets its disk part (when {@code
   * follow.logDir} is set), then it reads the slot from where the log stands, unless the slot was
   * confirmed past it (the last holder read what never reached this node): then the log starts
   * again at the slot's position, and followers before it must refetch.
   */
  private Future<Void> takeOver() {
    return vertx.executeBlocking(() -> {
      if (relay.quitting()) {
        return null;
      }
      long confirmed = new SlotReader(jdbcUrl, properties, config, null).prepare(tables);
      if (config.logDir() != null) {
        log.attachDisk(config.logDir().resolve(config.slot()), config.retainedBytes(), source);
      }
      if (log.passed() < confirmed - 1) {
        LOG.warn("follow: slot '{}' was confirmed to {}, past this node's log ({}): the log starts again there", config.slot(),
            Lsn.text(confirmed), Lsn.text(log.passed()));
        log.reset(confirmed);
      }
      read();
      return null;
    });
  }

  public RetainedLog log() {
    return log;
  }

  /**
   * Whether positions before this node's log may still be read, from the log of the node that
   * holds the slot ({@link #older}): on a cluster node that does not hold it.
   */
  public boolean readsOlder() {
    SlotRelay relaying = relay;
    return relaying != null && !relaying.holds();
  }

  /** Whether no node holds the transactions after {@code lsn} any more: it is before this node's log, and no other log may hold it. */
  public boolean gone(long lsn) {
    return lsn < log.start() && !readsOlder();
  }

  /**
   * On a cluster node that does not hold the slot, at most about {@code max} of the transactions
   * committed at or after {@code lsn} from the holder's log, over the event bus in bounded pieces
   * (the holder reads its disk part on a worker); null when that log no longer holds them all.
   */
  public Future<List<Transaction>> older(long lsn, int max) {
    SlotRelay relaying = relay;
    return relaying == null ? Future.succeededFuture(null) : relaying.older(lsn, max);
  }

  /** Whether this node reads the slot (always, standalone, once started). */
  public boolean holdsSlot() {
    return reader != null;
  }

  /** Asks the slot's reader, here or on the node that holds it, to write a heartbeat now. */
  public void nudge() {
    SlotReader reading = reader;
    if (reading != null) {
      reading.nudge();
    } else if (relay != null) {
      relay.nudge();
    }
  }

  /** The bytes of WAL the slot holds back (the server's position less the slot's confirmed one), -1 until measured. */
  public long lagBytes() {
    SlotReader reading = reader;
    return reading != null ? reading.lagBytes() : relay != null ? relay.lagBytes() : -1;
  }

  /** Stops reading (and, in a cluster, lets go of the slot for another node) and closes the log's disk part; the slot stays for the next start, inactive. */
  public Future<Void> close() {
    if (relay != null) {
      relay.quit(); // no take-over from here on
    }
    return vertx.executeBlocking(() -> {
      SlotReader reading = reader;
      if (reading != null) {
        reading.stop();
      }
      log.close();
      return null;
    }).compose(v -> relay == null ? Future.succeededFuture() : relay.close());
  }
}
