package io.sluice.transform;

import io.sluice.value.Column;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/** A user-defined transform, registered in META-INF/services, as a user would write one. */
public final class UppercaseTransformFactory implements TransformFactory {

  /** Rows this transform has been applied to, in this JVM (tests count how often rows are transformed). */
  public static final java.util.concurrent.atomic.AtomicLong APPLIED = new java.util.concurrent.atomic.AtomicLong();

  @Override
  public String type() {
    return "upper";
  }

  @Override
  public RowTransform create(JsonObject spec, TransformContext context) {
    String column = spec.getString("column");
    return columns -> {
      int index = columns.stream().map(Column::name).toList().indexOf(column);
      if (index < 0) {
        throw new IllegalArgumentException("no column '" + column + "'");
      }
      return new BoundTransform(List.copyOf(columns), row -> {
        APPLIED.incrementAndGet();
        if (row[index] != null) {
          row[index] = row[index].toString().toUpperCase(Locale.ROOT);
        }
        return row;
      });
    };
  }
}
