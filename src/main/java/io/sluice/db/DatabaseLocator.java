package io.sluice.db;

import io.sluice.config.DatabaseConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which PostgreSQL to use: the configured one if a URL was given (it must answer),
 * else the local server at the default URL if it answers, else (for the demo only) an
 * embedded one.
 */
public final class DatabaseLocator {

  private static final Logger LOG = LoggerFactory.getLogger(DatabaseLocator.class);

  private DatabaseLocator() {}

  /** The configuration to use, with the URL of a server known to answer. */
  public static Future<DatabaseConfig> locate(Vertx vertx, DatabaseConfig config, boolean embeddedAllowed) {
    if (config.explicit() || !embeddedAllowed) {
      return ping(vertx, config)
          .onSuccess(v -> LOG.info("Using the {} PostgreSQL at {}", config.explicit() ? "configured" : "default", Database.describe(config)))
          .map(config);
    }
    return ping(vertx, config)
        .onSuccess(v -> LOG.info("Using the local PostgreSQL at {} (no database configured)", Database.describe(config)))
        .map(config)
        .recover(err -> {
          LOG.info("No PostgreSQL answers at {} ({}); starting an embedded PostgreSQL", Database.describe(config), err.getMessage());
          return EmbeddedDatabase.start(vertx).map(db -> config.withUrl(db.url()))
              .onSuccess(c -> LOG.info("Using the embedded PostgreSQL at {} (data is thrown away at exit)", Database.describe(c)));
        });
  }

  /**
   * Succeeds if a connection can be opened and closed, its handshake within {@code
   * connectTimeoutMs} (a database that takes the socket and never answers fails it, and the
   * socket is closed) on a socket of its own.
   */
  public static Future<Void> ping(Vertx vertx, DatabaseConfig config) {
    StreamConnections once = StreamConnections.create(vertx, config, 1);
    return once.open().compose(once::close);
  }
}
