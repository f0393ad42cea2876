package io.sluice.changes;

import io.sluice.config.DatabaseConfig;
import io.sluice.config.FollowConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGProperty;

/**
 * The committed changes of the followed tables, from the deployment's one logical replication
 * slot: a {@link SlotReader} on a thread of its own fills the {@link RetainedLog} that every
 * follower reads. Started once per node that serves followers, after the {@link FollowChecks}.
 */
public final class ChangeFeed {

  private final Vertx vertx;
  private final SlotReader reader;
  private final RetainedLog log;

  private ChangeFeed(Vertx vertx, SlotReader reader, RetainedLog log) {
    this.vertx = vertx;
    this.reader = reader;
    this.log = log;
  }

  /**
   * Prepares the publication of {@code tables} and the slot (creating what is missing) and starts
   * reading it. The log reloads what its directory ({@code follow.logDir}/slot) holds from an
   * earlier run, when that reaches the slot's confirmed position; otherwise it starts there.
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
      RetainedLog log = config.logDir() == null
          ? new RetainedLog(config.retainedTransactions(), start)
          : RetainedLog.open(config.retainedTransactions(), config.logDir().resolve(config.slot()), config.retainedBytes(), start,
              probe.source());
      SlotReader reader = new SlotReader(jdbcUrl, properties, config, log);
      reader.start();
      return new ChangeFeed(vertx, reader, log);
    });
  }

  public RetainedLog log() {
    return log;
  }

  /** Asks the reader to write a heartbeat now. */
  public void nudge() {
    reader.nudge();
  }

  /** The bytes of WAL the slot holds back (the server's position less the slot's confirmed one), -1 until measured. */
  public long lagBytes() {
    return reader.lagBytes();
  }

  /** Stops reading and closes the log's disk part; the slot stays for the next start, inactive. */
  public Future<Void> close() {
    return vertx.executeBlocking(() -> {
      reader.stop();
      log.close();
      return null;
    });
  }
}
