package io.sluice.transform;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/** {@code concat}: joins the text of several columns with {@code separator}; NULLs are skipped. */
final class ConcatFields extends ComputedField {

  private final List<String> sources;
  private final String separator;

  ConcatFields(JsonObject spec) {
    super(spec.getString("as"));
    this.sources = spec.getJsonArray("columns", new io.vertx.core.json.JsonArray()).stream().map(String::valueOf).toList();
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("'columns' lists what to concatenate");
    }
    this.separator = spec.getString("separator", "");
  }

  @Override
  protected Function<Object[], Object> compile(List<String> columns) {
    int[] indexes = sources.stream().mapToInt(c -> indexOf(columns, c)).toArray();
    return row -> {
      StringBuilder out = new StringBuilder();
      for (int index : indexes) {
        Object value = row[index];
        if (value != null) {
          if (out.length() > 0) {
            out.append(separator);
          }
          out.append(text(value));
        }
      }
      return out.toString();
    };
  }
}
