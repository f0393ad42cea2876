package io.sluice.transform;

import io.sluice.value.Column;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A user-defined transform with a bug: it throws when a column holds a given value, an
 * {@link IllegalStateException} or, with {@code "error": true}, an {@link Error}.
 */
public final class FailOnTransformFactory implements TransformFactory {

  @Override
  public String type() {
    return "fail_on";
  }

  @Override
  public RowTransform create(JsonObject spec, TransformContext context) {
    String column = spec.getString("column");
    long value = spec.getLong("value");
    boolean error = spec.getBoolean("error", false);
    return columns -> {
      int index = columns.stream().map(Column::name).toList().indexOf(column);
      return new BoundTransform(List.copyOf(columns), row -> {
        if (row[index] instanceof Long n && n == value) {
          if (error) {
            throw new AssertionError("boom at " + value);
          }
          throw new IllegalStateException("boom at " + value);
        }
        return row;
      });
    };
  }
}
