package io.sluice.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * An embedded PostgreSQL (zonky) that a test owns and can stop and start again: the same
 * port and the same data directory each time, so the service's URL stays valid across a
 * restart and the data survives it. {@link #close()} stops it and deletes the directory.
 */
public final class RestartablePostgres implements AutoCloseable {

  private final int port = TestSluice.freePort();
  private final Path dataDirectory;
  private EmbeddedPostgres server;

  private RestartablePostgres(Path dataDirectory) {
    this.dataDirectory = dataDirectory;
  }

  /** Initialises a data directory of its own and starts the server on a free port. */
  public static RestartablePostgres start() throws IOException {
    RestartablePostgres postgres = new RestartablePostgres(Files.createTempDirectory("sluice-restartable-pg"));
    try {
      postgres.startServer();
    } catch (IOException | RuntimeException e) {
      postgres.close();
      throw e;
    }
    return postgres;
  }

  /** The {@code postgresql://} URL of its {@code postgres} database. */
  public String url() {
    return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  }

  /** Stops the server (a fast shutdown: sessions are terminated) and starts it again on the same port and data. */
  public void restart() throws IOException {
    stop();
    startServer();
  }

  /** Stops the server (a fast shutdown); {@link #startServer()} brings it back. */
  public synchronized void stop() throws IOException {
    if (server != null) {
      EmbeddedPostgres running = server;
      server = null;
      running.close();
    }
  }

  /** Starts the server on its port and data directory; returns once it accepts connections. */
  public synchronized void startServer() throws IOException {
    if (server == null) {
      server = EmbeddedPostgres.builder()
          .setPort(port)
          .setDataDirectory(dataDirectory)
          .setCleanDataDirectory(false)
          .start();
    }
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      stop();
    } finally {
      deleteTree(dataDirectory);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
