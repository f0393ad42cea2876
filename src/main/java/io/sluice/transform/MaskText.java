package io.sluice.transform;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/**
 * {@code mask}: hides all but the last {@code keep} characters of a column (PII), keeping
 * its length; a value no longer than {@code keep} is hidden entirely.
 */
final class MaskText extends ComputedField {

  private final String column;
  private final int keep;
  private final char mask;

  MaskText(JsonObject spec) {
    super(asOrColumn(spec));
    this.column = required(spec, "column");
    this.keep = spec.getInteger("keep", 4);
    String with = spec.getString("with", "*");
    if (with.isEmpty()) {
      throw new IllegalArgumentException("'with' must be a character");
    }
    this.mask = with.charAt(0);
    if (keep < 0) {
      throw new IllegalArgumentException("'keep' must be >= 0");
    }
  }

  @Override
  protected Function<Object[], Object> compile(List<String> columns) {
    int index = indexOf(columns, column);
    return row -> row[index] == null ? null : mask(text(row[index]));
  }

  String mask(String value) {
    int length = value.codePointCount(0, value.length());
    int hidden = length <= keep ? length : length - keep;
    int split = value.offsetByCodePoints(0, hidden);
    return String.valueOf(mask).repeat(hidden) + value.substring(split);
  }
}
