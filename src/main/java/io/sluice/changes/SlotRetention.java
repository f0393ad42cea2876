package io.sluice.changes;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up check of how much WAL the follow slot may hold: with {@code
 * max_slot_wal_keep_size = -1} (PostgreSQL's default) a slot that nobody reads keeps WAL until
 * the server's disk is full. Following still starts; the warning says what to set.
 */
public final class SlotRetention {

  private static final Logger LOG = LoggerFactory.getLogger(SlotRetention.class);

  private SlotRetention() {}

  /** Warns when the server does not bound the WAL a slot keeps; the warning (null when bounded). */
  public static Future<String> check(Pool pool) {
    return pool.query("SELECT setting FROM pg_settings WHERE name = 'max_slot_wal_keep_size'").execute().map(rows -> {
      String setting = rows.size() == 0 ? null : rows.iterator().next().getString(0);
      if (!"-1".equals(setting)) {
        return null;
      }
      String warning = "follow: max_slot_wal_keep_size is -1, so the follow slot keeps WAL without bound whenever no Sluice reads it;"
          + " bound it, e.g. ALTER SYSTEM SET max_slot_wal_keep_size = '10GB'; SELECT pg_reload_conf(); (past it the slot is invalidated"
          + " and followers must refetch) and watch sluice_follow_slot_lag_bytes";
      LOG.warn(warning);
      return warning;
    });
  }
}
