package io.sluice.transform;

import io.sluice.value.Column;
import io.sluice.value.ValueKind;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/**
 * {@code lookup}: joins a column against a reference query ({@code query}, first column the
 * key, second the value) cached by a {@link LookupTable} refreshed every {@code ttlMs}
 * (default 5 minutes). A key not found gives {@code missing} (default NULL).
 */
final class LookupValue extends ComputedField {

  private final String column;
  private final Object missing;
  private final LookupTable table;

  LookupValue(JsonObject spec, TransformContext context) {
    super(spec.getString("as"));
    this.column = required(spec, "column");
    this.missing = configValue(spec.getValue("missing"));
    this.table = new LookupTable(context.vertx(), context.pool(), required(spec, "query"), spec.getLong("ttlMs", 300_000L));
  }

  /** Looked-up values are whatever the lookup query returns: declared as text forms. */
  @Override
  protected ValueKind outputKind(List<Column> columns) {
    return ValueKind.OTHER;
  }

  @Override
  protected Function<Object[], Object> compile(List<String> columns) {
    int index = indexOf(columns, column);
    return row -> {
      Object key = row[index];
      Object found = key == null ? null : table.get(text(key));
      return found == null ? missing : found;
    };
  }

  @Override
  public Future<Void> start() {
    return table.start();
  }

  @Override
  public Future<Void> stop() {
    table.stop();
    return Future.succeededFuture();
  }
}
