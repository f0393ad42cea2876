package io.sluice.dataset;

import io.sluice.config.ConfigException;
import io.sluice.transform.TransformContext;
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
import java.util.Map;

/**
 * The datasets Sluice serves, described by PostgreSQL once at start-up: each query is run
 * with {@code LIMIT 0} to learn its columns, its ordering key is checked against them and
 * its transforms are planned. A dataset that cannot be described stops start-up.
 */
public final class Catalogue {

  private final Map<String, Dataset> datasets;

  private Catalogue(Map<String, Dataset> datasets) {
    this.datasets = datasets;
  }

  /** Describes the datasets one after the other, so that start-up needs a single connection. */
  public static Future<Catalogue> load(Pool pool, List<DatasetDefinition> definitions, TransformRegistry registry, TransformContext context) {
    Map<String, Dataset> byName = new LinkedHashMap<>();
    Future<Void> loaded = Future.succeededFuture();
    for (DatasetDefinition definition : definitions) {
      loaded = loaded
          .compose(v -> describe(pool, definition))
          .compose(columns -> registry
              .plan(definition.name(), definition.transforms(), columns.stream().map(SourceColumn::column).toList(), context)
              .map(plan -> new Dataset(definition, columns, plan)))
          .map(dataset -> {
            if (byName.put(dataset.name(), dataset) != null) {
              throw new ConfigException("dataset '" + dataset.name() + "' is declared twice");
            }
            return null;
          });
    }
    return loaded.map(v -> new Catalogue(byName));
  }

  private static Future<List<SourceColumn>> describe(Pool pool, DatasetDefinition definition) {
    Tuple nulls = Tuple.tuple();
    definition.parameters().forEach(p -> nulls.addValue(null));
    return pool.preparedQuery(Dataset.describeSql(definition)).execute(nulls)
        .recover(err -> Future.failedFuture(new ConfigException("dataset '" + definition.name() + "': its SQL does not run: " + err.getMessage(), err)))
        .map(rows -> {
          List<SourceColumn> columns = new ArrayList<>();
          for (ColumnDescriptor d : rows.columnDescriptors()) {
            Column column = new Column(d.name(), ValueKind.ofPostgres(d.typeName()),
                d.isArray() || d.typeName().toUpperCase(Locale.ROOT).endsWith("_ARRAY"), d.typeName().toLowerCase(Locale.ROOT));
            columns.add(new SourceColumn(column, ReadMode.of(d.typeName(), d.isArray())));
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

  /** The dataset called {@code name}, or an {@link InvalidRequestException} (404). */
  public Dataset require(String name) {
    Dataset dataset = datasets.get(name);
    if (dataset == null) {
      throw InvalidRequestException.unknownDataset(name);
    }
    return dataset;
  }

  public Collection<Dataset> all() {
    return datasets.values();
  }

  public Future<Void> close() {
    return Future.all(datasets.values().stream().map(d -> d.transforms().stop()).toList()).mapEmpty();
  }
}
