package io.sluice.support.readers;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.sluice.format.EncodingOptions;
import io.sluice.value.Column;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON: the body parsed whole as one JSON array by a strict parser, its elements the rows;
 * with {@code meta=true} the last element is the summary. A cut body is never valid JSON; its
 * elements are still read one by one up to where the array stops.
 */
final class JsonArrayReader implements FormatReader {

  /** One element at a time: what follows it is the next element, not trailing garbage. */
  private static final ObjectReader ELEMENT = TypedValues.JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  @Override
  public List<List<Object>> read(byte[] body, List<Column> columns, EncodingOptions options) throws IOException {
    JsonNode array = TypedValues.JSON.readTree(TypedValues.utf8(body));
    if (array == null || !array.isArray()) {
      throw new IOException("the body is not a JSON array");
    }
    List<List<Object>> rows = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      JsonNode element = array.get(i);
      if (TypedValues.summary(element, rows.size())) {
        if (!options.summary() || i != array.size() - 1) {
          throw new AssertionError("a summary element " + (options.summary() ? "before the last" : "not asked for") + ": " + element);
        }
        return rows;
      }
      rows.add(TypedValues.row(element, columns));
    }
    if (options.summary()) {
      throw new IOException("no summary element: the array is not known to be complete");
    }
    return rows;
  }

  @Override
  public Cut readCut(byte[] body, List<Column> columns, EncodingOptions options) throws IOException {
    List<JsonNode> elements = new ArrayList<>();
    try (JsonParser parser = TypedValues.JSON.createParser(TypedValues.utf8(body))) {
      if (parser.nextToken() != JsonToken.START_ARRAY) {
        throw new AssertionError("the body does not open an array");
      }
      while (true) {
        JsonToken next;
        try {
          next = parser.nextToken();
        } catch (JsonEOFException e) {
          break;
        }
        if (next == null) {
          break;
        }
        if (next == JsonToken.END_ARRAY) {
          throw new AssertionError("the array is closed: the body reads as complete");
        }
        elements.add(ELEMENT.readTree(parser));
      }
    }
    if (elements.isEmpty() || !elements.get(elements.size() - 1).has(TypedValues.RESERVED_KEY)) {
      throw new AssertionError("the last element is not a _sluice record");
    }
    List<List<Object>> rows = new ArrayList<>();
    for (JsonNode element : elements.subList(0, elements.size() - 1)) {
      rows.add(TypedValues.row(element, columns));
    }
    return new Cut(rows, TypedValues.jsonRecord(elements.get(elements.size() - 1).get(TypedValues.RESERVED_KEY)), null, null);
  }
}
