package io.sluice.transform;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.filter.FilteringParserDelegate;
import com.fasterxml.jackson.core.filter.JsonPointerBasedFilter;
import com.fasterxml.jackson.core.filter.TokenFilter;
import io.sluice.value.RawJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code band}: puts a number into a labelled band. The number is a column or, with {@code
 * pointer}, a JSON Pointer into a JSON column. {@code bands} are tried in order, each {@code
 * {below: x, label: l}}; {@code otherwise} labels the rest and {@code missing} a value that is
 * absent or not a number.
 */
final class BandValues extends ComputedField {

  private static final JsonFactory JSON = new JsonFactory();

  private record Band(BigDecimal below, String label) {}

  private final String column;
  private final JsonPointer pointer;
  private final List<Band> bands = new ArrayList<>();
  private final String otherwise;
  private final String missing;

  BandValues(JsonObject spec) {
    super(spec.getString("as"));
    this.column = required(spec, "column");
    this.pointer = spec.containsKey("pointer") ? JsonPointer.compile(spec.getString("pointer")) : null;
    for (Object band : spec.getJsonArray("bands", new JsonArray())) {
      JsonObject b = (JsonObject) band;
      bands.add(new Band(new BigDecimal(String.valueOf(b.getValue("below"))), required(b, "label")));
    }
    if (bands.isEmpty()) {
      throw new IllegalArgumentException("'bands' lists {below, label} pairs");
    }
    this.otherwise = required(spec, "otherwise");
    this.missing = spec.getString("missing");
  }

  @Override
  protected Function<Object[], Object> compile(List<String> columns) {
    int index = indexOf(columns, column);
    return row -> {
      BigDecimal number = number(row[index]);
      if (number == null) {
        return missing;
      }
      for (Band band : bands) {
        if (number.compareTo(band.below) < 0) {
          return band.label;
        }
      }
      return otherwise;
    };
  }

  private BigDecimal number(Object value) {
    if (pointer != null && value instanceof RawJson json) {
      // streamed to the pointer's value: no tree of the whole document per row
      try (JsonParser parser = new FilteringParserDelegate(JSON.createParser(json.text()), new JsonPointerBasedFilter(pointer),
          TokenFilter.Inclusion.ONLY_INCLUDE_ALL, false)) {
        JsonToken token = parser.nextToken();
        return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT ? parser.getDecimalValue() : null;
      } catch (IOException e) {
        return null;
      }
    }
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof Long || value instanceof Double) {
      return new BigDecimal(value.toString());
    }
    return null;
  }
}
