package io.sluice.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL primary and a streaming replica of it, made for a test with the server's
 * own tools: {@code initdb}, {@code pg_ctl}, and {@code pg_basebackup -R} from the running
 * primary. They run as the {@code postgres} OS user when the tests run as root (PostgreSQL
 * refuses root), on ports of their own, with data under a temporary directory deleted at
 * {@link #close()}.
 */
public final class ReplicaPair implements AutoCloseable {

  private static final Path BIN = Path.of(System.getenv().getOrDefault("SLUICE_PG_BIN", "/usr/lib/postgresql/15/bin"));
  private final Path base;
  public final int primaryPort;
  public final int replicaPort;

  private ReplicaPair(Path base, int primaryPort, int replicaPort) {
    this.base = base;
    this.primaryPort = primaryPort;
    this.replicaPort = replicaPort;
  }

  /** Whether this machine has the server's binaries. */
  public static boolean available() {
    return Files.isExecutable(BIN.resolve("initdb")) && Files.isExecutable(BIN.resolve("pg_basebackup"));
  }

  /** Creates and starts a primary, then a replica streaming from it. */
  public static ReplicaPair start() throws Exception {
    Path base = Files.createTempDirectory("sluice-replica-");
    ReplicaPair pair = new ReplicaPair(base, TestSluice.freePort(), TestSluice.freePort());
    try {
      pair.run("chmod", "0777", base.toString()); // the postgres user writes here
      pair.asPostgres(BIN.resolve("initdb").toString(), "-D", pair.dir("primary"), "-U", "postgres", "--auth=trust", "--no-sync");
      Files.writeString(Path.of(pair.dir("primary"), "postgresql.conf"), settings(pair.primaryPort, base), java.nio.file.StandardOpenOption.APPEND);
      Files.writeString(Path.of(pair.dir("primary"), "pg_hba.conf"), "host replication all 127.0.0.1/32 trust\n",
          java.nio.file.StandardOpenOption.APPEND);
      pair.asPostgres(BIN.resolve("pg_ctl").toString(), "-D", pair.dir("primary"), "-l", pair.dir("primary.log"), "-w", "start");
      pair.asPostgres(BIN.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p", Integer.toString(pair.primaryPort), "-U", "postgres",
          "-D", pair.dir("replica"), "-R", "-X", "stream", "--no-sync");
      Files.writeString(Path.of(pair.dir("replica"), "postgresql.conf"), "port = " + pair.replicaPort + "\n",
          java.nio.file.StandardOpenOption.APPEND);
      pair.startReplica();
      return pair;
    } catch (Exception e) {
      pair.close();
      throw e;
    }
  }

  private static String settings(int port, Path base) {
    return "\nport = " + port + "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '" + base + "'\nwal_level = replica\n"
        + "max_wal_senders = 5\nhot_standby = on\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 32MB\n";
  }

  public String primaryUrl() {
    return "postgresql://postgres@127.0.0.1:" + primaryPort + "/postgres";
  }

  public String replicaUrl() {
    return "postgresql://postgres@127.0.0.1:" + replicaPort + "/postgres";
  }

  /** Stops the replica at once, as a crash would. */
  public void killReplica() throws Exception {
    asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir("replica"), "-m", "immediate", "-w", "stop");
  }

  /** Adds {@code line} (a {@code name = value} setting) to the replica's configuration and reloads it. */
  public void configureReplica(String line) throws Exception {
    Files.writeString(Path.of(dir("replica"), "postgresql.conf"), line + "\n", java.nio.file.StandardOpenOption.APPEND);
    asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir("replica"), "reload");
  }

  /**
   * Starts the replica and waits until it has replayed all the primary wrote before: a replica
   * restarted after a crash takes connections as soon as it is consistent, which may be before it
   * replays the tables created since its last restart point ("relation does not exist").
   */
  public void startReplica() throws Exception {
    asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir("replica"), "-l", dir("replica.log"), "-w", "start");
    String written = value(primaryUrl(), "select pg_current_wal_lsn()");
    await().atMost(Duration.ofSeconds(60))
        .until(() -> "t".equals(value(replicaUrl(), "select pg_last_wal_replay_lsn() >= '" + written + "'::pg_lsn")));
  }

  private static String value(String url, String query) throws Exception {
    try (Connection conn = TestDatabase.jdbc(url); Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(query)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Override
  public void close() throws Exception {
    for (String server : List.of("replica", "primary")) {
      if (Files.exists(Path.of(dir(server), "postmaster.pid"))) {
        try {
          asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir(server), "-m", "immediate", "-w", "stop");
        } catch (Exception ignored) {
          // already down
        }
      }
    }
    try (Stream<Path> files = Files.walk(base)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private String dir(String name) {
    return base.resolve(name).toString();
  }

  private void asPostgres(String... command) throws Exception {
    List<String> full = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(List.of(command));
    run(full.toArray(String[]::new));
  }

  private void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }
}
