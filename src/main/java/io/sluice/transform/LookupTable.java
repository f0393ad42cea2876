package io.sluice.transform;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reference table held in memory: the first column of {@code sql} maps to the second.
 * It is reloaded every {@code ttlMs} in the background; streams keep reading the previous
 * snapshot until the new one is swapped in, and a failed reload keeps the old one.
 */
final class LookupTable {

  private static final Logger LOG = LoggerFactory.getLogger(LookupTable.class);

  private final Vertx vertx;
  private final Pool pool;
  private final String sql;
  private final long ttlMs;
  private volatile Map<String, Object> snapshot = Map.of();
  private long timerId = -1;

  LookupTable(Vertx vertx, Pool pool, String sql, long ttlMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.sql = sql;
    this.ttlMs = ttlMs;
  }

  /** Loads the table once, then schedules the refreshes. */
  Future<Void> start() {
    return load().onSuccess(v -> timerId = vertx.setPeriodic(ttlMs, id -> refresh()));
  }

  void stop() {
    vertx.cancelTimer(timerId);
  }

  Object get(String key) {
    return snapshot.get(key);
  }

  private void refresh() {
    load().onFailure(err -> LOG.warn("lookup '{}' refresh failed, keeping {} cached entries: {}", sql, snapshot.size(), err.getMessage()));
  }

  private Future<Void> load() {
    return pool.query(sql).execute().map(rows -> {
      Map<String, Object> next = new HashMap<>(rows.size() * 2);
      for (Row row : rows) {
        Object key = row.getValue(0);
        Object value = row.getValue(1);
        if (key != null && value != null) {
          next.put(key.toString(), value.toString());
        }
      }
      snapshot = Collections.unmodifiableMap(next);
      LOG.debug("lookup '{}' loaded {} entries", sql, snapshot.size());
      return null;
    });
  }
}
