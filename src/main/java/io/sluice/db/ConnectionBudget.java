package io.sluice.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up check of {@code database.poolSize} against what the server can give: the connections
 * a process may hold (its streams, the query pool and the stream check) against PostgreSQL's
 * {@code max_connections} less {@code superuser_reserved_connections} and the connections others
 * hold now. It warns and does not refuse: the other processes of a deployment and every other
 * client share the same server, and only the operator knows their share. A stream that finds the
 * server full anyway is refused as busy (SQLSTATE 53300), never counted as the database down.
 */
public final class ConnectionBudget {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionBudget.class);

  private static final String SQL = "select current_setting('max_connections')::int,"
      + " current_setting('superuser_reserved_connections')::int,"
      + " (select count(*)::int from pg_stat_activity where backend_type = 'client backend')";

  private ConnectionBudget() {}

  /** The connections this process may hold with {@code poolSize} stream permits. */
  public static int processConnections(int poolSize, int otherPermits) {
    return poolSize + otherPermits + Database.QUERY_POOL_SIZE;
  }

  /**
   * Compares {@code needed} (see {@link #processConnections}) with the server's room; logs a
   * warning naming the figures when it does not fit. Completes with the room left for clients
   * other than superusers now, or null when it could not be read (never fails).
   */
  public static Future<Integer> check(Pool pool, int needed) {
    return pool.query(SQL).execute().map(rows -> {
      Row row = rows.iterator().next();
      int max = row.getInteger(0);
      int reserved = row.getInteger(1);
      int used = row.getInteger(2);
      int room = max - reserved - used;
      if (needed > max - reserved) {
        LOG.warn("database.poolSize asks for up to {} connections per process, more than the server has for everyone: max_connections {}"
            + " less {} reserved for superusers; lower database.poolSize (SLUICE_DB_POOL_SIZE) or raise max_connections", needed, max, reserved);
      } else if (needed > room) {
        LOG.warn("database.poolSize asks for up to {} connections per process; the server has {} left now (max_connections {}, {} reserved,"
            + " {} in use): streams past that are refused as busy", needed, room, max, reserved, used);
      }
      return room;
    }).otherwise(err -> {
      LOG.warn("could not read max_connections to check database.poolSize against it: {}", err.toString());
      return null;
    });
  }
}
