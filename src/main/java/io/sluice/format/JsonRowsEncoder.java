package io.sluice.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.sluice.value.Column;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What the JSON-based formats share: each row is one JSON object, keys in column order,
 * written with Jackson's streaming generator; a format adds only what goes around a row.
 */
abstract class JsonRowsEncoder implements RowEncoder {

  /** The key of the in-band summary and error records. */
  static final String RESERVED_KEY = "_sluice";

  protected final EncodingOptions options;
  private SerializedString[] names;
  /** Rows encoded so far. */
  protected long rows;

  JsonRowsEncoder(EncodingOptions options) {
    this.options = options;
  }

  /** What goes before the first row. */
  protected Buffer prefix() {
    return Buffer.buffer();
  }

  /** Writes what goes before a row, given its key (or null); {@link #rows} counts the rows before it. */
  protected abstract void beforeRow(JsonGenerator json, Object[] key) throws IOException;

  /** Writes what goes after a row. */
  protected abstract void afterRow(JsonGenerator json) throws IOException;

  @Override
  public final Buffer start(List<Column> columns) {
    names = columns.stream().map(c -> new SerializedString(c.name())).toArray(SerializedString[]::new);
    return prefix();
  }

  @Override
  public final Buffer encode(List<Object[]> batch) {
    return encode(batch, List.of());
  }

  @Override
  public final Buffer encode(List<Object[]> batch, List<Object[]> keys) {
    ByteArrayBuilder out = new ByteArrayBuilder(batch.size() * 64 * Math.max(names.length, 1));
    try (JsonGenerator json = JsonValues.FACTORY.createGenerator(out)) {
      json.setRootValueSeparator(null);
      JsonValues values = new JsonValues(json);
      for (int r = 0; r < batch.size(); r++) {
        Object[] row = batch.get(r);
        beforeRow(json, keys.isEmpty() ? null : keys.get(r));
        json.writeStartObject();
        for (int i = 0; i < names.length; i++) {
          json.writeFieldName(names[i]);
          values.write(row[i]);
        }
        json.writeEndObject();
        afterRow(json);
        rows++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  /** A line break: whitespace that JSON readers skip and line-based ones see as an empty line. */
  @Override
  public Buffer heartbeat() {
    return Buffer.buffer("\n");
  }

  /** The summary or error record: {@code {"_sluice": {...}}}. */
  static String record(StreamSummary summary) {
    return new JsonObject().put(RESERVED_KEY, summary.toJson()).encode();
  }
}
