package io.sluice.changes;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.FollowStatus;
import io.sluice.dataset.SourceColumn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Whether a followed dataset's table can keep {@code REPLICA IDENTITY DEFAULT} (or {@code USING
 * INDEX}), under which an update or delete carries only the identity's columns of the old row,
 * and an update that leaves the key alone carries no old row at all. It can when the query's
 * filter reads only identity columns (and parameters): then the old row passed the filter
 * exactly when the new one does, unless the key changed, and then the old key comes; when the
 * dataset's key columns are identity columns, so a delete names its row; and when no other
 * column it reads may be stored out of line (TOAST), since an update that leaves such a value
 * alone sends no value for it. The columns are read from the query's generic plan ({@code
 * EXPLAIN (VERBOSE)} of {@code EXECUTE} under {@code plan_cache_mode = force_generic_plan}, so
 * that a parameter's null is not folded away with the condition it guards).
 */
final class IdentityCheck {

  private static final String STATEMENT = "sluice_follow_identity_check";

  private IdentityCheck() {}

  static Future<FollowStatus> run(Pool pool, Dataset dataset, String schema, String table) {
    String name = dataset.name();
    String alter = "ALTER TABLE \"" + schema.replace("\"", "\"\"") + "\".\"" + table.replace("\"", "\"\"") + "\" REPLICA IDENTITY FULL";
    return pool.preparedQuery("SELECT a.attname::text, a.attlen, a.attstorage::text, COALESCE(a.attnum = ANY(i.indkey::int2[]), false)"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
            + " LEFT JOIN pg_index i ON i.indrelid = c.oid AND CASE WHEN c.relreplident = 'i' THEN i.indisreplident ELSE i.indisprimary END"
            + " WHERE n.nspname = $1 AND c.relname = $2 AND c.relreplident IN ('d', 'i')")
        .execute(Tuple.of(schema, table))
        .compose(columns -> {
          Set<String> identity = new TreeSet<>();
          Set<String> outOfLine = new TreeSet<>();
          Set<String> all = new TreeSet<>();
          for (Row column : columns) {
            all.add(column.getString(0));
            if (column.getBoolean(3)) {
              identity.add(column.getString(0));
            } else if (column.getInteger(1) == -1 && !"p".equals(column.getString(2))) {
              outOfLine.add(column.getString(0));
            }
          }
          if (identity.isEmpty()) {
            return Future.succeededFuture(FollowStatus.unavailable("dataset '" + name + "': table " + schema + "." + table
                + " has no replica identity that names a row (REPLICA IDENTITY NOTHING, or DEFAULT without a primary key), so an update"
                + " or delete carries no old row: " + alter));
          }
          return plan(pool, dataset).map(plan -> judge(dataset, schema, table, plan, all, identity, outOfLine, alter));
        });
  }

  private static Future<JsonObject> plan(Pool pool, Dataset dataset) {
    List<String> nulls = new ArrayList<>();
    dataset.definition().parameters().forEach(p -> nulls.add("NULL"));
    String execute = "EXECUTE " + STATEMENT + (nulls.isEmpty() ? "" : "(" + String.join(", ", nulls) + ")");
    return pool.withConnection(connection -> connection.query("SET plan_cache_mode = force_generic_plan").execute()
        .compose(v -> connection.query("PREPARE " + STATEMENT + " AS " + dataset.definition().sql()).execute())
        .compose(v -> connection.query("EXPLAIN (VERBOSE, FORMAT JSON) " + execute).execute()
            .eventually(() -> connection.query("DEALLOCATE " + STATEMENT).execute()))
        .eventually(() -> connection.query("RESET plan_cache_mode").execute())
        .map(rows -> {
          Object value = rows.iterator().next().getValue(0);
          JsonArray plans = value instanceof JsonArray array ? array : new JsonArray(String.valueOf(value));
          return plans.getJsonObject(0).getJsonObject("Plan");
        }));
  }

  private static FollowStatus judge(Dataset dataset, String schema, String table, JsonObject plan, Set<String> all, Set<String> identity,
      Set<String> outOfLine, String alter) {
    String name = dataset.name();
    String alias = alias(plan, schema, table);
    String qualifier = ident(alias == null ? table : alias);
    List<String> conditions = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    walk(plan, conditions, outputs);
    Set<String> filtered = new TreeSet<>();
    Set<String> read = new TreeSet<>();
    for (String column : all) {
      if (conditions.stream().anyMatch(e -> mentions(e, qualifier, column))) {
        filtered.add(column);
        read.add(column);
      }
      if (outputs.stream().anyMatch(e -> mentions(e, qualifier, column))) {
        read.add(column);
      }
    }
    filtered.removeAll(identity);
    if (!filtered.isEmpty()) {
      return FollowStatus.unavailable("dataset '" + name + "': its filter reads " + filtered + " of table " + schema + "." + table
          + ", whose REPLICA IDENTITY (DEFAULT) gives only " + identity + " of an updated or deleted row's old values: filter on those only, or "
          + alter);
    }
    JsonArray output = plan.getJsonArray("Output", new JsonArray());
    List<SourceColumn> columns = dataset.sourceColumns();
    for (int key : dataset.keyIndexes()) {
      String expression = key >= 0 && key < output.size() ? output.getString(key) : "";
      boolean named = identity.stream().anyMatch(c -> expression.equals(ident(c)) || expression.equals(qualifier + "." + ident(c)));
      if (!named) {
        return FollowStatus.unavailable("dataset '" + name + "': its key column '" + (key >= 0 ? columns.get(key).name() : "?")
            + "' is not one of the replica identity's columns " + identity + " of table " + schema + "." + table
            + ", so a delete could not name its row: " + alter);
      }
    }
    read.retainAll(outOfLine);
    if (!read.isEmpty()) {
      return FollowStatus.unavailable("dataset '" + name + "': it reads " + read + " of table " + schema + "." + table
          + ", which may be stored out of line (TOAST): under REPLICA IDENTITY DEFAULT an update that leaves such a value alone carries"
          + " none. " + alter + " (or SET STORAGE PLAIN on those columns)");
    }
    return new FollowStatus(true, null, schema, table);
  }

  private static String alias(Object node, String schema, String table) {
    if (node instanceof JsonObject object) {
      if (table.equals(object.getString("Relation Name")) && schema.equals(object.getString("Schema", schema))) {
        return object.getString("Alias");
      }
      for (var entry : object) {
        String found = alias(entry.getValue(), schema, table);
        if (found != null) {
          return found;
        }
      }
    } else if (node instanceof JsonArray array) {
      for (Object child : array) {
        String found = alias(child, schema, table);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** Collects every condition of the plan and every expression it outputs. */
  private static void walk(Object node, List<String> conditions, List<String> outputs) {
    if (node instanceof JsonArray array) {
      array.forEach(child -> walk(child, conditions, outputs));
    } else if (node instanceof JsonObject object) {
      for (var entry : object) {
        String key = entry.getKey();
        if (entry.getValue() instanceof String text && (key.endsWith("Cond") || key.endsWith("Filter") || key.endsWith("Key"))) {
          conditions.add(text);
        } else if ("Output".equals(key) && entry.getValue() instanceof JsonArray list) {
          list.forEach(o -> outputs.add(String.valueOf(o)));
        } else {
          walk(entry.getValue(), conditions, outputs);
        }
      }
    }
  }

  /**
   * Whether {@code expression} (as EXPLAIN prints it: conditions with {@code qualifier.column},
   * outputs of a one-table plan without) names {@code column}; string literals are not looked
   * into, a function or type of the same name is not the column. Errs towards yes.
   */
  static boolean mentions(String expression, String qualifier, String column) {
    String bare = LITERAL.matcher(expression).replaceAll("''");
    Pattern reference = Pattern.compile("(?:(?<![\\w$.\"])" + Pattern.quote(qualifier) + "\\.|(?<![\\w$.\"])(?<!::))"
        + Pattern.quote(ident(column)) + "(?![\\w$\"(])");
    return reference.matcher(bare).find();
  }

  private static final Pattern LITERAL = Pattern.compile("'(?:[^']|'')*'");

  /** An identifier as PostgreSQL prints it: bare when it can be, else quoted. */
  private static String ident(String name) {
    return name.matches("[a-z_][a-z0-9_$]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
