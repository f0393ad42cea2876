package io.sluice.config;

import io.vertx.core.json.JsonObject;

/**
 * How Sluice reaches PostgreSQL. {@code url} is a {@code postgresql://} URL; {@code explicit}
 * tells whether somebody configured it, so the demo may fall back to an embedded server only
 * when nothing was asked for. {@code poolSize} is the most streams reading at once (each on
 * a connection of its own); up to {@code maxWaitQueue} more wait, first come first served,
 * for at most {@code queueTimeoutMs}, then are refused as busy. {@code jit} is PostgreSQL's
 * JIT for Sluice's sessions: off by default, because compiling a big query delays its first
 * row by tens of milliseconds. {@code breaker} is the circuit breaker in front of it.
 */
public record DatabaseConfig(
    String url,
    boolean explicit,
    int poolSize,
    int maxWaitQueue,
    long queueTimeoutMs,
    int connectTimeoutMs,
    String applicationName,
    boolean jit,
    BreakerConfig breaker) {

  public static final String DEFAULT_URL = "postgresql://postgres@localhost:5432/postgres";

  static DatabaseConfig from(JsonObject json) {
    String url = json.getString("url");
    DatabaseConfig config = new DatabaseConfig(
        url == null || url.isBlank() ? DEFAULT_URL : url,
        url != null && !url.isBlank(),
        json.getInteger("poolSize", 8),
        json.getInteger("maxWaitQueue", 64),
        json.getLong("queueTimeoutMs", 5_000L),
        json.getInteger("connectTimeoutMs", 5000),
        json.getString("applicationName", "sluice"),
        json.getBoolean("jit", false),
        BreakerConfig.from(json.getJsonObject("breaker", new JsonObject())));
    if (config.poolSize < 1 || config.maxWaitQueue < 0 || config.queueTimeoutMs < 0 || config.connectTimeoutMs < 1) {
      throw new ConfigException("database: poolSize and connectTimeoutMs must be >= 1, maxWaitQueue and queueTimeoutMs >= 0");
    }
    return config;
  }

  /** Defaults with the given URL and application name. */
  public static DatabaseConfig of(String url, String applicationName) {
    return from(new JsonObject().put("url", url).put("applicationName", applicationName));
  }

  public DatabaseConfig withUrl(String newUrl) {
    return new DatabaseConfig(newUrl, true, poolSize, maxWaitQueue, queueTimeoutMs, connectTimeoutMs, applicationName, jit, breaker);
  }
}
