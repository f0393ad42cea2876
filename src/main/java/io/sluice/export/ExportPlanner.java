package io.sluice.export;

import io.sluice.config.ExportConfig;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.dataset.StreamRequest;
import io.sluice.value.Column;
import io.sluice.value.ValueKind;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits an export into partitions, inside its snapshot, on its leader's connection: ranges of
 * the dataset's first {@code orderBy} column. For an integer column the span between its least
 * and greatest value at the snapshot (two index probes) is cut into equal widths; the first
 * range is open below and the last open above, so the ranges cover every row whatever the
 * estimate. A key of another type, an empty dataset, or a span narrower than the partitions
 * asked gives fewer partitions, and a note saying why; so does a key whose span only a read of
 * the whole dataset could find (no index on it). Each partition's row estimate is the
 * planner's ({@code EXPLAIN} of its statement).
 *
 * <p>Why key ranges and not {@code ctid} page ranges: a dataset's SQL is opaque to Sluice
 * (any query, joins and views included), and Sluice never rewrites it; a range on the key
 * applies to the result, as bound values, keeps each partition in key order, and an index on
 * the key serves it as it serves the keyset stream.
 */
final class ExportPlanner {

  private static final Set<ValueKind> SPLITTABLE = Set.of(ValueKind.SMALLINT, ValueKind.INTEGER, ValueKind.BIGINT);
  /**
   * The most the planner may cost the key's span (two index probes cost a few units; reading a
   * table of some 300,000 narrow rows, about this much): past it the export has one partition
   * rather than a manifest that reads the whole dataset first.
   */
  private static final double MAX_SPAN_COST = 10_000;

  /** The partitions' ranges, and why there are fewer than asked, or null. */
  record Plan(List<Export.Range> ranges, String note) {}

  private ExportPlanner() {}

  /**
   * Plans {@code asked} partitions of {@code request} (checked, with {@code arguments}) on the
   * leader's {@code connection}, whose transaction holds the export's {@code snapshot}; a
   * negative {@code asked} lets the dataset's estimated rows choose, at most {@code -asked}.
   */
  static Future<Plan> plan(PgConnection connection, Dataset dataset, StreamRequest request, Tuple arguments, int asked, String exportId,
      String snapshot, long maxLimit, ExportConfig config) {
    if (asked < 0) {
      return connection.preparedQuery(dataset.explainSql(request.position())).execute(dataset.bind(request, maxLimit))
          .map(rows -> Dataset.estimatedRows(rows.iterator().next().getValue(0)))
          .otherwise(err -> null)
          .compose(rows -> plan(connection, dataset, request, arguments, config.defaultPartitions(rows, -asked), exportId, snapshot,
              maxLimit, config));
    }
    return planOf(connection, dataset, request, arguments, asked, exportId, snapshot, maxLimit);
  }

  private static Future<Plan> planOf(PgConnection connection, Dataset dataset, StreamRequest request, Tuple arguments, int asked,
      String exportId, String snapshot, long maxLimit) {
    Column key = dataset.firstKeyColumn();
    Future<Plan> bounds;
    if (asked == 1) {
      bounds = Future.succeededFuture(new Plan(List.of(new Export.Range(null, null, null)), null));
    } else if (!SPLITTABLE.contains(key.kind()) || key.array()) {
      bounds = Future.succeededFuture(one("its first orderBy column '" + key.name() + "' is of type " + key.dbType()
          + ": exports split integer keys only"));
    } else {
      Tuple own = Tuple.tuple();
      for (int i = 0; i < dataset.definition().parameters().size(); i++) {
        own.addValue(arguments.getValue(i));
      }
      bounds = connection.preparedQuery("EXPLAIN (FORMAT JSON) " + dataset.keySpanSql()).execute(own)
          .map(plan -> totalCost(plan.iterator().next().getValue(0)))
          .compose(cost -> cost > MAX_SPAN_COST
              ? Future.succeededFuture(one("finding the span of its key '" + key.name() + "' would read the whole dataset (no index"
                  + " serves min and max, a view or a join, say)"))
              : connection.preparedQuery(dataset.keySpanSql()).execute(own).map(rows -> split(rows.iterator().next(), asked, key.name())));
    }
    return bounds.compose(plan -> estimate(connection, dataset, request, plan, exportId, snapshot, maxLimit));
  }

  /** The planner's total cost of a plan ({@code EXPLAIN (FORMAT JSON)}'s result). */
  private static double totalCost(Object plan) {
    JsonArray plans = plan instanceof JsonArray array ? array : new JsonArray(String.valueOf(plan));
    return plans.getJsonObject(0).getJsonObject("Plan").getDouble("Total Cost");
  }

  private static Plan one(String why) {
    return new Plan(List.of(new Export.Range(null, null, null)), "one partition: " + why);
  }

  /** Cuts [least, greatest] into up to {@code asked} ranges of equal width, the outer ends open. */
  private static Plan split(Row span, int asked, String keyName) {
    if (span.getString(0) == null) {
      return one("the dataset has no rows at the export's snapshot");
    }
    BigInteger least = new BigInteger(span.getString(0));
    BigInteger width = new BigInteger(span.getString(1)).subtract(least).add(BigInteger.ONE);
    int n = width.min(BigInteger.valueOf(asked)).intValueExact();
    List<String> cuts = new ArrayList<>();
    for (int i = 1; i < n; i++) {
      cuts.add(least.add(width.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(n))).toString());
    }
    List<Export.Range> ranges = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ranges.add(new Export.Range(i == 0 ? null : cuts.get(i - 1), i == n - 1 ? null : cuts.get(i), null));
    }
    String note = n < asked ? n + " partitions, not " + asked + ": the key '" + keyName + "' spans only " + width + " values" : null;
    return new Plan(ranges, note);
  }

  /** Each range's row estimate: the planner's for its statement, with its bounds. */
  private static Future<Plan> estimate(PgConnection connection, Dataset dataset, StreamRequest request, Plan plan, String exportId,
      String snapshot, long maxLimit) {
    List<Future<Export.Range>> estimated = new ArrayList<>();
    for (int i = 0; i < plan.ranges().size(); i++) {
      Export.Range range = plan.ranges().get(i);
      Position.Partition position = new Position.Partition(exportId, snapshot, i, plan.ranges().size(), range.lower(), range.upper(),
          List.of());
      estimated.add(connection.preparedQuery(dataset.explainSql(position)).execute(dataset.bind(request.at(position), maxLimit))
          .map(rows -> new Export.Range(range.lower(), range.upper(), Dataset.estimatedRows(rows.iterator().next().getValue(0)))));
    }
    return Future.all(estimated).map(all -> new Plan(all.<Export.Range>list(), plan.note()));
  }
}
