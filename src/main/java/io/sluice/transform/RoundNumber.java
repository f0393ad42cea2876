package io.sluice.transform;

import io.sluice.value.Column;
import io.sluice.value.ValueKind;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** {@code round}: rounds a numeric column to {@code scale} decimals ({@code mode}, default HALF_UP). */
final class RoundNumber extends ComputedField {

  private final String column;
  private final int scale;
  private final RoundingMode mode;

  RoundNumber(JsonObject spec) {
    super(asOrColumn(spec));
    this.column = required(spec, "column");
    this.scale = spec.getInteger("scale", 0);
    this.mode = RoundingMode.valueOf(spec.getString("mode", "HALF_UP").toUpperCase(Locale.ROOT));
  }

  @Override
  protected ValueKind outputKind(List<Column> columns) {
    ValueKind input = column(columns, column).kind();
    return input.isNumeric() ? ValueKind.NUMERIC : input;
  }

  @Override
  protected Function<Object[], Object> compile(List<String> columns) {
    int index = indexOf(columns, column);
    return row -> {
      Object value = row[index];
      if (value instanceof BigDecimal d) {
        return d.setScale(scale, mode);
      }
      if (value instanceof Double d) {
        return BigDecimal.valueOf(d).setScale(scale, mode);
      }
      return value;
    };
  }
}
