package io.sluice.dataset;

import io.sluice.error.InvalidRequestException;
import io.sluice.error.ConfigException;
import io.sluice.transform.TransformContext;
import io.sluice.transform.TransformPlan;
import io.sluice.transform.TransformRegistry;
import io.sluice.value.Column;
import io.sluice.value.ValueKind;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.desc.ColumnDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datasets Sluice serves, described by PostgreSQL once at start-up: each query is run
 * with {@code LIMIT 0} to learn its columns, its ordering key is checked against them and
 * its transforms are planned. A dataset that cannot be described stops start-up.
 *
 * <p>It also holds the built-in {@link HealthProbe}, described and planned the same way, which
 * only the stages find ({@link #forStage}): clients neither list it nor name it.
 */
public final class Catalogue {

  private static final Logger LOG = LoggerFactory.getLogger(Catalogue.class);

  private final Map<String, Dataset> datasets;
  private final Dataset probe;

  private Catalogue(Map<String, Dataset> datasets, Dataset probe) {
    this.datasets = datasets;
    this.probe = probe;
  }

  /** Describes the datasets one after the other, so that start-up needs a single connection. */
  public static Future<Catalogue> load(Pool pool, List<DatasetDefinition> definitions, TransformRegistry registry, TransformContext context) {
    Map<String, Dataset> byName = new LinkedHashMap<>();
    Future<Void> loaded = Future.succeededFuture();
    for (DatasetDefinition definition : definitions) {
      loaded = loaded
          .compose(v -> load(pool, definition, registry, context))
          .map(dataset -> {
            if (byName.put(dataset.name(), dataset) != null) {
              throw new ConfigException("dataset '" + dataset.name() + "' is declared twice");
            }
            return null;
          });
    }
    return loaded
        .compose(v -> load(pool, HealthProbe.DEFINITION, registry, context))
        .map(probe -> new Catalogue(byName, probe));
  }

  private static Future<Dataset> load(Pool pool, DatasetDefinition definition, TransformRegistry registry, TransformContext context) {
    return describe(pool, definition)
        .compose(columns -> withDeclaredNumerics(pool, definition, columns))
        .compose(columns -> registry
            .plan(definition.name(), definition.transforms(), columns.stream().map(SourceColumn::column).toList(), context)
            .compose(plan -> restricted(registry, context, definition, plan))
            .map(plan -> new Dataset(definition, columns, plan)));
  }

  /** The plan with the dataset's column rules, each checked against the columns the transforms output. */
  private static Future<TransformPlan> restricted(TransformRegistry registry, TransformContext context, DatasetDefinition definition,
      TransformPlan plan) {
    Future<List<TransformPlan.Restriction>> restrictions = Future.succeededFuture(new ArrayList<>());
    for (ColumnRule rule : definition.columnRules()) {
      restrictions = restrictions.compose(list -> registry
          .plan(definition.name() + "' column rule for '" + rule.column(), List.of(rule.transformSpec()), plan.outputColumns(), context)
          .map(one -> {
            list.add(new TransformPlan.Restriction(rule.unlessRole(), one.transforms().get(0)));
            return list;
          }));
    }
    return restrictions.map(plan::restrictedBy);
  }

  private static Future<List<SourceColumn>> describe(Pool pool, DatasetDefinition definition) {
    return pool.preparedQuery(Dataset.describeSql(definition)).execute(nulls(definition))
        .recover(err -> Future.failedFuture(new ConfigException("dataset '" + definition.name() + "': its SQL does not run: " + err.getMessage(), err)))
        .map(rows -> {
          List<SourceColumn> columns = new ArrayList<>();
          for (ColumnDescriptor d : rows.columnDescriptors()) {
            Column column = new Column(d.name(), ValueKind.ofPostgres(d.typeName()),
                d.isArray() || d.typeName().toUpperCase(Locale.ROOT).endsWith("_ARRAY"), d.typeName().toLowerCase(Locale.ROOT));
            columns.add(new SourceColumn(column, ReadMode.of(column)));
          }
          List<String> names = columns.stream().map(SourceColumn::name).toList();
          if (names.stream().distinct().count() != names.size()) {
            throw new ConfigException("dataset '" + definition.name() + "': column names repeat: " + names);
          }
          for (String key : definition.orderBy()) {
            if (!names.contains(key)) {
              throw new ConfigException("dataset '" + definition.name() + "': orderBy column '" + key + "' is not in " + names);
            }
          }
          return List.copyOf(columns);
        });
  }

  /**
   * Numeric columns with their declared precision ({@code numeric(12,2)}), which the driver
   * does not report: read with {@code format_type} from a temporary table made from the
   * query and dropped at once. Where that is not allowed (a read-only role, say) the columns
   * keep the plain {@code numeric} type, which Arrow carries as text.
   */
  private static Future<List<SourceColumn>> withDeclaredNumerics(Pool pool, DatasetDefinition definition, List<SourceColumn> columns) {
    if (columns.stream().noneMatch(c -> c.column().kind() == ValueKind.NUMERIC && !c.column().array())) {
      return Future.succeededFuture(columns);
    }
    return pool.withTransaction(conn -> conn
            .preparedQuery("CREATE TEMPORARY TABLE sluice_describe ON COMMIT DROP AS " + Dataset.describeSql(definition))
            .execute(nulls(definition))
            .compose(v -> conn.query("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                + " WHERE attrelid = 'pg_temp.sluice_describe'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum").execute()))
        .map(rows -> {
          Map<String, String> declared = new HashMap<>();
          rows.forEach(row -> declared.put(row.getString(0), row.getString(1)));
          return columns.stream().map(c -> c.column().kind() != ValueKind.NUMERIC || c.column().array() ? c
              : new SourceColumn(new Column(c.name(), ValueKind.NUMERIC, false, declared.getOrDefault(c.name(), c.column().dbType())), c.readMode()))
              .toList();
        })
        .otherwise(err -> {
          LOG.info("dataset '{}': numeric precision unknown ({}); Arrow carries its numeric columns as text", definition.name(), err.getMessage());
          return columns;
        });
  }

  private static Tuple nulls(DatasetDefinition definition) {
    Tuple nulls = Tuple.tuple();
    definition.parameters().forEach(p -> nulls.addValue(null));
    return nulls;
  }

  /** The configured dataset called {@code name}, as a client names it, or an {@link InvalidRequestException} (404). */
  public Dataset require(String name) {
    Dataset dataset = datasets.get(name);
    if (dataset == null) {
      throw InvalidRequestException.unknownDataset(name);
    }
    return dataset;
  }

  /**
   * The dataset a stage serves under {@code name}: a configured one or the {@link HealthProbe}.
   * Only for the cursor and transform stages: the HTTP verticles and the bridge check the name a
   * client gives with {@link #require} before an open reaches them, so only the stream check
   * ever names the probe.
   */
  public Dataset forStage(String name) {
    return HealthProbe.NAME.equals(name) ? probe : require(name);
  }

  /** Records what the checks of following found for dataset {@code name}; called at start-up, before anything is served. */
  public void markFollow(String name, FollowStatus status) {
    datasets.computeIfPresent(name, (n, dataset) -> dataset.withFollow(status));
  }

  /** The configured datasets, those clients may see; never the {@link HealthProbe}. */
  public Collection<Dataset> all() {
    return datasets.values();
  }

  public Future<Void> close() {
    return Future.all(Stream.concat(datasets.values().stream(), Stream.of(probe))
        .map(d -> d.transforms().stop()).toList()).mapEmpty();
  }
}
