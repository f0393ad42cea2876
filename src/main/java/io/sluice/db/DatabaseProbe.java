package io.sluice.db;

import io.sluice.config.DatabaseConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether the database answers, asked at most once per interval on a connection of its own
 * (a pool busy with long streams is healthy); every caller in between gets the last answer.
 * Shared by every HTTP verticle of a node, so health checks cannot flood the database.
 */
public final class DatabaseProbe {

  private final Vertx vertx;
  private final DatabaseConfig config;
  private final long intervalNanos;
  private final AtomicLong probes = new AtomicLong();
  private Future<Void> last;
  private long lastStarted;

  public DatabaseProbe(Vertx vertx, DatabaseConfig config, long intervalMs) {
    this.vertx = vertx;
    this.config = config;
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
  }

  /** The last answer if it is recent (or still coming), else a new one. */
  public synchronized Future<Void> check() {
    long now = System.nanoTime();
    if (last == null || (last.isComplete() && now - lastStarted >= intervalNanos)) {
      lastStarted = now;
      probes.incrementAndGet();
      last = DatabaseLocator.ping(vertx, config);
    }
    return last;
  }

  /** Probes run so far. */
  public long probes() {
    return probes.get();
  }
}
