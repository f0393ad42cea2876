package io.sluice.support.readers;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.format.EncodingOptions;
import io.sluice.value.Column;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * NDJSON: one JSON object per line, each line parsed on its own by a strict JSON parser;
 * blank lines (heartbeats) are skipped, as the NDJSON spec allows. A {@code _sluice} line
 * with status {@code partial} is a cut; with {@code meta=true} a complete body ends with the
 * summary line, and a body without it is not known to be complete.
 */
final class NdjsonReader implements FormatReader {

  @Override
  public List<List<Object>> read(byte[] body, List<Column> columns, EncodingOptions options) throws IOException {
    List<JsonNode> lines = lines(body);
    List<List<Object>> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      JsonNode line = lines.get(i);
      if (TypedValues.summary(line, rows.size())) {
        if (!options.summary() || i != lines.size() - 1) {
          throw new AssertionError("a summary line " + (options.summary() ? "before the last line" : "not asked for") + ": " + line);
        }
        return rows;
      }
      rows.add(TypedValues.row(line, columns));
    }
    if (options.summary()) {
      throw new IOException("no summary line: the body is not known to be complete");
    }
    return rows;
  }

  @Override
  public Cut readCut(byte[] body, List<Column> columns, EncodingOptions options) throws IOException {
    List<JsonNode> lines = lines(body);
    if (lines.isEmpty() || !lines.get(lines.size() - 1).has(TypedValues.RESERVED_KEY)) {
      throw new AssertionError("the last line is not a _sluice record");
    }
    List<List<Object>> rows = new ArrayList<>();
    for (JsonNode line : lines.subList(0, lines.size() - 1)) {
      rows.add(TypedValues.row(line, columns));
    }
    return new Cut(rows, TypedValues.jsonRecord(lines.get(lines.size() - 1).get(TypedValues.RESERVED_KEY)), null, null);
  }

  /** The non-blank lines, each parsed; every line, the last included, ends with a line feed. */
  private static List<JsonNode> lines(byte[] body) throws IOException {
    String text = TypedValues.utf8(body);
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IOException("the last line has no line end");
    }
    List<JsonNode> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isEmpty()) {
        lines.add(TypedValues.JSON.readTree(line));
      }
    }
    return lines;
  }
}
