package io.sluice.changes;

import io.sluice.config.FollowConfig;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the deployment's replication slot on a thread of its own (pgjdbc's replication API
 * blocks): pgoutput with the publication, decoded into the {@link RetainedLog}. The slot's
 * confirmed position follows what the log holds durably ({@link RetainedLog#sync()}: forced to
 * disk first), so that WAL the log could not give back after a crash is never released; every {@code heartbeatMs} it writes a
 * non-transactional logical message, so that an idle database still moves the slot on and a
 * follower learns that the slot has been read past a point, and it measures the slot's lag.
 * A lost connection is retried every second from where the log stands.
 */
final class SlotReader implements Runnable, PgOutputDecoder.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(SlotReader.class);
  /** The message prefix of Sluice's heartbeats. */
  static final String HEARTBEAT_PREFIX = "sluice.heartbeat";

  private final String jdbcUrl;
  private final Properties properties;
  private final FollowConfig config;
  private final RetainedLog log;
  private final AtomicLong lagBytes = new AtomicLong(-1);
  private volatile boolean stopping;
  private volatile boolean nudged;
  /** The commit position of the last transaction appended (or reloaded from disk); only the reader's thread uses it. */
  private long lastCommit = -1;
  private Thread thread;
  /** The most the slot may be confirmed to, beside what the log holds: in a cluster, what has been relayed to the other nodes. */
  private volatile LongSupplier confirmable = () -> Long.MAX_VALUE;

  SlotReader(String jdbcUrl, Properties properties, FollowConfig config, RetainedLog log) {
    this.jdbcUrl = jdbcUrl;
    this.properties = properties;
    this.config = config;
    this.log = log;
    this.lastCommit = log == null ? -1 : log.passed(); // the log may hold what the slot sends again
  }

  /** Opens a plain connection with the reader's credentials. */
  Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, properties);
  }

  /** Confirms the slot no further than {@code limit} says, so that a node taking it over finds nothing confirmed that it was not sent. */
  void confirmAtMost(LongSupplier limit) {
    confirmable = limit;
  }

  /** Starts the reading thread. */
  void start() {
    lastCommit = log.passed(); // a log taken over from another node already holds every commit up to there
    thread = new Thread(this, "sluice-slot-reader");
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops reading and closes both connections; the slot stays, inactive, for the next start. */
  void stop() throws InterruptedException {
    stopping = true;
    if (thread != null) {
      thread.join(5_000);
    }
  }

  long lagBytes() {
    return lagBytes.get();
  }

  /** Asks for a heartbeat now, so a follower waiting for the slot to pass a point need not wait for the next one. */
  void nudge() {
    nudged = true;
  }

  @Override
  public void run() {
    while (!stopping) {
      try (Connection control = connect(); Connection replication = replicationConnection()) {
        read(control, replication);
      } catch (SQLException | RuntimeException e) {
        if (!stopping) {
          LOG.warn("follow: reading slot '{}' failed, retrying in 1 s: {}", config.slot(), e.toString());
          sleep(1_000);
        }
      }
    }
    LOG.info("follow: slot '{}' released (it stays, inactive, for the next start)", config.slot());
  }

  private void read(Connection control, Connection replication) throws SQLException {
    PGReplicationStream stream = replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
        .withSlotName(config.slot())
        .withStartPosition(LogSequenceNumber.valueOf(log.passed()))
        .withSlotOption("proto_version", 1)
        .withSlotOption("publication_names", config.publication())
        .withSlotOption("messages", true)
        .withStatusInterval(1, TimeUnit.SECONDS)
        .start();
    LOG.info("follow: reading slot '{}' from {}", config.slot(), Lsn.text(log.passed()));
    PgOutputDecoder decoder = new PgOutputDecoder(this);
    long nextBeat = 0;
    try {
      while (!stopping) {
        ByteBuffer message = stream.readPending();
        if (message != null) {
          decoder.decode(message);
          continue;
        }
        long now = System.nanoTime();
        if (nudged || now - nextBeat >= 0) {
          nudged = false;
          nextBeat = now + TimeUnit.MILLISECONDS.toNanos(config.heartbeatMs());
          heartbeat(control);
          // confirmed no further than what is forced to disk, nor (in a cluster) than what was relayed
          LogSequenceNumber position = LogSequenceNumber.valueOf(Math.min(log.sync(), confirmable.getAsLong()));
          stream.setAppliedLSN(position);
          stream.setFlushedLSN(position);
          stream.forceUpdateStatus();
        }
        sleep(2);
      }
    } finally {
      stream.close();
    }
  }

  private void heartbeat(Connection control) throws SQLException {
    try (Statement statement = control.createStatement()) {
      statement.execute("SELECT pg_logical_emit_message(false, '" + HEARTBEAT_PREFIX + "', '')");
    }
    try (PreparedStatement statement = control.prepareStatement(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = ?")) {
      statement.setString(1, config.slot());
      try (ResultSet rows = statement.executeQuery()) {
        lagBytes.set(rows.next() ? rows.getLong(1) : -1);
      }
    }
  }

  @Override
  public void committed(Transaction transaction) {
    if (transaction.commitLsn() > lastCommit) { // a reconnect repeats what the slot had not confirmed
      lastCommit = transaction.commitLsn();
      log.append(transaction);
    }
  }

  /** A message ends at {@code lsn}: every commit record before it (starting below it) has been handed on; the next may start there. */
  @Override
  public void passed(long lsn) {
    log.passed(lsn - 1);
  }

  private Connection replicationConnection() throws SQLException {
    Properties replication = new Properties();
    replication.putAll(properties);
    PGProperty.REPLICATION.set(replication, "database");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(replication, "10");
    PGProperty.PREFER_QUERY_MODE.set(replication, "simple");
    return DriverManager.getConnection(jdbcUrl, replication);
  }

  /** Creates the publication (or adds the missing {@code tables} to it) and the slot when missing; returns the slot's confirmed position. */
  long prepare(List<String> tables) throws SQLException {
    try (Connection control = connect()) {
      preparePublication(control, tables);
      try (PreparedStatement find = control.prepareStatement("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
        find.setString(1, config.slot());
        try (ResultSet rows = find.executeQuery()) {
          if (rows.next() && rows.getString(1) != null) {
            return Lsn.parse(rows.getString(1));
          }
        }
      }
      try (PreparedStatement create = control.prepareStatement("SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
        create.setString(1, config.slot());
        try (ResultSet rows = create.executeQuery()) {
          rows.next();
          LOG.info("follow: created replication slot '{}' at {}", config.slot(), rows.getString(1));
          return Lsn.parse(rows.getString(1));
        }
      }
    }
  }

  /** The database system's identifier and the slot's name: what the retained log's disk part was written for. */
  String source() throws SQLException {
    try (Connection control = connect(); Statement statement = control.createStatement();
        ResultSet rows = statement.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
      rows.next();
      return rows.getString(1) + "/" + config.slot();
    }
  }

  private void preparePublication(Connection control, List<String> tables) throws SQLException {
    String publication = "\"" + config.publication() + "\"";
    boolean exists;
    try (PreparedStatement find = control.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
      find.setString(1, config.publication());
      try (ResultSet rows = find.executeQuery()) {
        exists = rows.next();
      }
    }
    try (Statement statement = control.createStatement()) {
      if (!exists) {
        statement.execute("CREATE PUBLICATION " + publication + " FOR TABLE " + String.join(", ", quoted(tables)));
        LOG.info("follow: created publication '{}' for {}", config.publication(), tables);
        return;
      }
    }
    for (String table : tables) {
      try (PreparedStatement find = control.prepareStatement(
          "SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname || '.' || tablename = ?")) {
        find.setString(1, config.publication());
        find.setString(2, table);
        try (ResultSet rows = find.executeQuery()) {
          if (!rows.next()) {
            try (Statement statement = control.createStatement()) {
              statement.execute("ALTER PUBLICATION " + publication + " ADD TABLE " + quoted(List.of(table)).get(0));
              LOG.info("follow: added {} to publication '{}'", table, config.publication());
            }
          }
        }
      }
    }
  }

  private static List<String> quoted(List<String> tables) {
    return tables.stream().map(t -> {
      int dot = t.indexOf('.');
      return "\"" + t.substring(0, dot).replace("\"", "\"\"") + "\".\"" + t.substring(dot + 1).replace("\"", "\"\"") + "\"";
    }).toList();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
