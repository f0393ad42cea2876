package io.sluice.transform;

import io.sluice.error.ConfigException;
import io.sluice.value.Column;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.BiFunction;

/**
 * Knows every transform type: the built-ins and those found through {@link ServiceLoader},
 * and turns a dataset's transform list into a started {@link TransformPlan}.
 */
public final class TransformRegistry {

  private final Map<String, TransformFactory> factories = new HashMap<>();

  public TransformRegistry() {
    builtIn("drop", (spec, ctx) -> new DropColumns(spec));
    builtIn("rename", (spec, ctx) -> new RenameColumns(spec));
    builtIn("money", (spec, ctx) -> new MoneyFormat(spec));
    builtIn("round", (spec, ctx) -> new RoundNumber(spec));
    builtIn("concat", (spec, ctx) -> new ConcatFields(spec));
    builtIn("map", (spec, ctx) -> new MapValues(spec));
    builtIn("mask", (spec, ctx) -> new MaskText(spec));
    builtIn("band", (spec, ctx) -> new BandValues(spec));
    builtIn("lookup", LookupValue::new);
    ServiceLoader.load(TransformFactory.class).forEach(f -> factories.put(f.type(), f));
  }

  private void builtIn(String type, BiFunction<JsonObject, TransformContext, RowTransform> create) {
    factories.put(type, new TransformFactory() {
      @Override
      public String type() {
        return type;
      }

      @Override
      public RowTransform create(JsonObject spec, TransformContext context) {
        return create.apply(spec, context);
      }
    });
  }

  /**
   * Creates, checks against {@code sourceColumns} and starts the transforms of a dataset.
   * Fails with a {@link ConfigException} naming the dataset and the bad transform.
   */
  public Future<TransformPlan> plan(String dataset, List<JsonObject> specs, List<Column> sourceColumns, TransformContext context) {
    List<RowTransform> transforms = new ArrayList<>();
    List<Column> columns = sourceColumns;
    try {
      for (int i = 0; i < specs.size(); i++) {
        JsonObject spec = specs.get(i);
        String type = spec.getString("type");
        TransformFactory factory = factories.get(type);
        if (factory == null) {
          throw new IllegalArgumentException("unknown type '" + type + "' (known: " + factories.keySet() + ")");
        }
        RowTransform transform;
        try {
          transform = factory.create(spec, context);
          columns = transform.bind(columns).columns();
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("transform #" + (i + 1) + " (" + type + "): " + e.getMessage(), e);
        }
        transforms.add(transform);
      }
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new ConfigException("dataset '" + dataset + "': " + e.getMessage(), e));
    }
    TransformPlan plan = new TransformPlan(List.copyOf(transforms), columns);
    Future<Void> started = Future.succeededFuture();
    for (RowTransform transform : transforms) {
      started = started.compose(v -> transform.start());
    }
    return started.map(plan);
  }
}
