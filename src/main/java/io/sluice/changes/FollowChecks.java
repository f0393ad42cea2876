package io.sluice.changes;

import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.FollowStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up checks of the datasets that declare {@code follow: true}, recorded in the {@link
 * Catalogue}: {@code wal_level} must be {@code logical}; the query must read one table, named
 * without its schema (so that its changed rows can stand in for it: {@link
 * Dataset#changeSql}); and the table must have {@code REPLICA IDENTITY FULL}, so that an update
 * or delete carries the old row whole (whether it was in the filter, and the TOASTed values an
 * update leaves out), unless the dataset reads nothing that the key columns of {@code DEFAULT}
 * do not give ({@link IdentityCheck}). A dataset that fails a check is still served as a snapshot; only
 * following it is refused, with the reason.
 */
public final class FollowChecks {

  private static final Logger LOG = LoggerFactory.getLogger(FollowChecks.class);

  private FollowChecks() {}

  /** Checks every dataset of {@code catalogue} that declares following; returns the tables of those that can be followed. */
  public static Future<List<String>> run(Pool pool, Catalogue catalogue) {
    List<Dataset> declared = catalogue.all().stream().filter(d -> d.definition().follow()).toList();
    if (declared.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return pool.query("SHOW wal_level").execute().compose(rows -> {
      String walLevel = rows.iterator().next().getString(0);
      if (!"logical".equals(walLevel)) {
        String reason = "PostgreSQL runs with wal_level = " + walLevel + "; following needs wal_level = logical"
            + " (ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL)";
        declared.forEach(d -> mark(catalogue, d, FollowStatus.unavailable(reason)));
        return Future.succeededFuture(List.of());
      }
      Set<String> tables = new LinkedHashSet<>();
      Future<Void> checked = Future.succeededFuture();
      for (Dataset dataset : declared) {
        checked = checked.compose(v -> check(pool, dataset)).map(status -> {
          mark(catalogue, dataset, status);
          if (status.available()) {
            tables.add(status.qualifiedTable());
          }
          return null;
        });
      }
      return checked.map(v -> List.copyOf(tables));
    });
  }

  private static void mark(Catalogue catalogue, Dataset dataset, FollowStatus status) {
    if (!status.available()) {
      LOG.warn("dataset '{}' cannot be followed: {}", dataset.name(), status.reason());
    }
    catalogue.markFollow(dataset.name(), status);
  }

  private static Future<FollowStatus> check(Pool pool, Dataset dataset) {
    String name = dataset.name();
    return pool.preparedQuery("EXPLAIN (VERBOSE, FORMAT JSON) " + dataset.definition().sql()).execute(nulls(dataset, false))
        .compose(plan -> {
          List<String[]> relations = new ArrayList<>();
          relations(planOf(plan.iterator().next().getValue(0)), relations);
          Set<String> distinct = new LinkedHashSet<>();
          relations.forEach(r -> distinct.add(r[0] + "." + r[1]));
          if (distinct.size() != 1) {
            return Future.succeededFuture(FollowStatus.unavailable("dataset '" + name + "': a followed query reads exactly one table; it reads "
                + (distinct.isEmpty() ? "none" : distinct)));
          }
          String schema = relations.get(0)[0];
          String table = relations.get(0)[1];
          return pool.preparedQuery("EXPLAIN (FORMAT JSON) " + dataset.changeSql(schema, table)).execute(nulls(dataset, true))
              .compose(changePlan -> {
                List<String[]> still = new ArrayList<>();
                relations(planOf(changePlan.iterator().next().getValue(0)), still);
                if (!still.isEmpty()) {
                  return Future.succeededFuture(FollowStatus.unavailable("dataset '" + name + "': name table " + table
                      + " without its schema in the query, so that Sluice can run the query over changed rows"));
                }
                return replicaIdentity(pool, dataset, schema, table);
              });
        })
        .otherwise(err -> FollowStatus.unavailable("dataset '" + name + "': its query could not be checked for following: " + err.getMessage()));
  }

  private static Future<FollowStatus> replicaIdentity(Pool pool, Dataset dataset, String schema, String table) {
    return pool.preparedQuery("SELECT c.relreplident::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = $1 AND c.relname = $2")
        .execute(Tuple.of(schema, table))
        .compose(rows -> "f".equals(rows.iterator().next().getString(0))
            ? Future.succeededFuture(new FollowStatus(true, null, schema, table))
            : IdentityCheck.run(pool, dataset, schema, table));
  }

  private static JsonArray planOf(Object value) {
    return value instanceof JsonArray array ? array : new JsonArray(String.valueOf(value));
  }

  /** Collects the (schema, relation) of every scan in an {@code EXPLAIN (FORMAT JSON)} plan. */
  private static void relations(Object node, List<String[]> found) {
    if (node instanceof JsonArray array) {
      array.forEach(child -> relations(child, found));
    } else if (node instanceof JsonObject object) {
      if (object.containsKey("Relation Name")) {
        found.add(new String[] {object.getString("Schema", "?"), object.getString("Relation Name")});
      }
      object.forEach(e -> relations(e.getValue(), found));
    }
  }

  private static Tuple nulls(Dataset dataset, boolean withRows) {
    Tuple nulls = Tuple.tuple();
    dataset.definition().parameters().forEach(p -> nulls.addValue(null));
    if (withRows) {
      nulls.addValue("[]");
    }
    return nulls;
  }
}
