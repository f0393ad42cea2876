package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * How Sluice reaches PostgreSQL. {@code url} is a {@code postgresql://} URL; {@code explicit}
 * tells whether somebody configured it, so the demo may fall back to an embedded server only
 * when nothing was asked for. {@code poolSize} is the most streams reading at once (each on
 * a connection of its own); up to {@code maxWaitQueue} more wait, first come first served,
 * for at most {@code queueTimeoutMs}, then are refused as busy. {@code jit} is PostgreSQL's
 * JIT for Sluice's sessions: off by default, because compiling a big query delays its first
 * row by tens of milliseconds. {@code breaker} is the circuit breaker in front of it.
 * {@code maxMoves} bounds how often one keyset stream goes on on another server after its
 * server failed under it (a hot-standby conflict, a lost replica); 0: never.
 * {@code warmConnections} is how many stream connections (in use and open ahead together) each
 * server keeps, so that a new stream finds a session ready; 0: every stream opens its own.
 * {@code concurrentFetches} bounds the bulk fetches of one server's streams running at once
 * (a stream's set-up and first fetch never wait for a turn); 0: no bound.
 * {@code password}, when set, replaces the URL's. Neither is ever printed: {@link #toString()}
 * and the errors about a bad URL hide the password.
 */
public record DatabaseConfig(
    String url,
    String password,
    boolean explicit,
    int poolSize,
    int maxWaitQueue,
    long queueTimeoutMs,
    int connectTimeoutMs,
    String applicationName,
    boolean jit,
    BreakerConfig breaker,
    List<String> replicas,
    long maxLagBytes,
    long maxLagSeconds,
    int maxMoves,
    int warmConnections,
    int concurrentFetches) {

  public static final String DEFAULT_URL = "postgresql://postgres@localhost:5432/postgres";

  static DatabaseConfig from(JsonObject json) {
    String url = json.getString("url");
    String password = json.getString("password");
    DatabaseConfig config = new DatabaseConfig(
        url == null || url.isBlank() ? DEFAULT_URL : url,
        password == null || password.isEmpty() ? null : password,
        url != null && !url.isBlank(),
        json.getInteger("poolSize", 64),
        json.getInteger("maxWaitQueue", 64),
        json.getLong("queueTimeoutMs", 5_000L),
        json.getInteger("connectTimeoutMs", 5000),
        json.getString("applicationName", "sluice"),
        json.getBoolean("jit", false),
        BreakerConfig.from(json.getJsonObject("breaker", new JsonObject())),
        replicas(json),
        json.getLong("maxLagBytes", 16L << 20),
        json.getLong("maxLagSeconds", 10L),
        json.getInteger("maxMoves", 3),
        json.getInteger("warmConnections", 0),
        json.getInteger("concurrentFetches", 8));
    if (config.maxLagBytes < 0 || config.maxLagSeconds < 0 || config.maxMoves < 0 || config.warmConnections < 0
        || config.concurrentFetches < 0) {
      throw new ConfigException("database: maxLagBytes, maxLagSeconds, maxMoves, warmConnections and concurrentFetches must be >= 0");
    }
    for (String replica : config.replicas) {
      try {
        PgConnectOptions.fromUri(replica);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("database.replicas has an entry that is not a valid postgresql:// URL: " + redact(replica));
      }
    }
    if (config.poolSize < 1 || config.maxWaitQueue < 0 || config.queueTimeoutMs < 0 || config.connectTimeoutMs < 1) {
      throw new ConfigException("database: poolSize and connectTimeoutMs must be >= 1, maxWaitQueue and queueTimeoutMs >= 0");
    }
    try {
      PgConnectOptions.fromUri(config.url);
    } catch (IllegalArgumentException e) {
      // the driver's message repeats the URL, password included: neither it nor the cause may be shown
      throw new ConfigException("database.url is not a valid postgresql:// URL: " + redact(config.url));
    }
    return config;
  }

  /** {@code database.replicas}: a list of URLs, or one string of comma-separated URLs (as {@code SLUICE_DB_REPLICAS} gives it). */
  private static List<String> replicas(JsonObject json) {
    Object value = json.getValue("replicas");
    if (value == null) {
      return List.of();
    }
    List<String> urls = new ArrayList<>();
    Iterable<?> entries = value instanceof JsonArray array ? array : List.of(value.toString().split(","));
    for (Object entry : entries) {
      String url = String.valueOf(entry).strip();
      if (!url.isEmpty()) {
        urls.add(url);
      }
    }
    return List.copyOf(urls);
  }

  /** This configuration pointed at one of its replicas: the same pool settings, the replica's URL (its password, if any, from the URL). */
  public DatabaseConfig forReplica(String replicaUrl) {
    return new DatabaseConfig(replicaUrl, password, true, poolSize, maxWaitQueue, queueTimeoutMs, connectTimeoutMs, applicationName, jit, breaker,
        List.of(), maxLagBytes, maxLagSeconds, maxMoves, warmConnections, concurrentFetches);
  }

  /** {@code url} with the password of its user part, if any, replaced by {@code ***}. */
  public static String redact(String url) {
    return url == null ? null : url.replaceAll("(?<=://)([^/@:]*):[^/@]*@", "$1:***@");
  }

  @Override
  public String toString() {
    return "DatabaseConfig[url=" + redact(url) + ", password=" + (password == null ? "none" : "***") + ", explicit=" + explicit
        + ", poolSize=" + poolSize + ", maxWaitQueue=" + maxWaitQueue + ", queueTimeoutMs=" + queueTimeoutMs + ", connectTimeoutMs="
        + connectTimeoutMs + ", applicationName=" + applicationName + ", jit=" + jit + ", breaker=" + breaker + ", replicas="
        + replicas.stream().map(DatabaseConfig::redact).toList() + ", maxLagBytes=" + maxLagBytes + ", maxLagSeconds=" + maxLagSeconds
        + ", maxMoves=" + maxMoves + ", warmConnections=" + warmConnections + ", concurrentFetches=" + concurrentFetches + "]";
  }

  /** Defaults with the given URL and application name. */
  public static DatabaseConfig of(String url, String applicationName) {
    return from(new JsonObject().put("url", url).put("applicationName", applicationName));
  }

  public DatabaseConfig withUrl(String newUrl) {
    return new DatabaseConfig(newUrl, password, true, poolSize, maxWaitQueue, queueTimeoutMs, connectTimeoutMs, applicationName, jit, breaker,
        replicas, maxLagBytes, maxLagSeconds, maxMoves, warmConnections, concurrentFetches);
  }
}
