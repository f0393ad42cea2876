package io.sluice.db;

import io.sluice.config.DatabaseConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pool for short queries (catalogue, lookups, request checks) from {@link
 * DatabaseConfig}: a few connections, bounded wait queue, fail-fast acquisition. Streams do
 * not use it: they read on {@link StreamConnections} of their own.
 */
public final class Database {

  /** Connections of the pool for short queries. */
  public static final int QUERY_POOL_SIZE = 2;

  private Database() {}

  public static PgConnectOptions connectOptions(DatabaseConfig config) {
    PgConnectOptions options = PgConnectOptions.fromUri(config.url());
    Map<String, String> properties = new HashMap<>(options.getProperties());
    properties.put("application_name", config.applicationName());
    properties.put("jit", config.jit() ? "on" : "off");
    if (config.password() != null) {
      options.setPassword(config.password());
    }
    return options
        .setProperties(properties)
        .setReconnectAttempts(0);
  }

  public static Pool pool(Vertx vertx, DatabaseConfig config) {
    PoolOptions poolOptions =
        new PoolOptions()
            .setName("sluice")
            .setMaxSize(QUERY_POOL_SIZE)
            .setMaxWaitQueueSize(config.maxWaitQueue())
            .setConnectionTimeout(config.connectTimeoutMs())
            .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
            .setIdleTimeout(60)
            .setIdleTimeoutUnit(TimeUnit.SECONDS);
    return PgBuilder.pool()
        .with(poolOptions)
        .with(new NetClientOptions().setConnectTimeout(config.connectTimeoutMs()))
        .connectingTo(connectOptions(config))
        .using(vertx)
        .build();
  }

  /** A pool of one connection for a replica's health query: fails fast, never waits in a queue. */
  public static Pool probePool(Vertx vertx, DatabaseConfig config) {
    return PgBuilder.pool()
        .with(new PoolOptions().setName("sluice-replica-probe").setMaxSize(1).setMaxWaitQueueSize(1)
            .setConnectionTimeout(config.connectTimeoutMs()).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .with(new NetClientOptions().setConnectTimeout(config.connectTimeoutMs()))
        .connectingTo(connectOptions(config))
        .using(vertx)
        .build();
  }

  /** A safe description of where the pool points (no password). */
  public static String describe(DatabaseConfig config) {
    PgConnectOptions options = PgConnectOptions.fromUri(config.url());
    return "postgresql://" + options.getUser() + "@" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
  }
}
