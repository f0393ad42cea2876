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
 * NDJSON: one JSON object per row and line, written with Jackson's streaming generator. A
 * cut body ends with one more line, an object under the reserved key {@value #RESERVED_KEY}
 * holding status {@code error}; a complete body ends with one holding status {@code complete}
 * when the client asks for a summary.
 */
public final class NdjsonFormat implements OutputFormat {

  /** The key of the in-band summary and error records. */
  public static final String RESERVED_KEY = "_sluice";

  @Override
  public String name() {
    return "ndjson";
  }

  @Override
  public List<String> aliases() {
    return List.of("jsonl");
  }

  @Override
  public List<String> mediaTypes() {
    return List.of("application/x-ndjson", "application/jsonl", "application/json");
  }

  @Override
  public RowEncoder newEncoder(EncodingOptions options) {
    return new Encoder(options);
  }

  static Buffer record(StreamSummary summary) {
    return Buffer.buffer(new JsonObject().put(RESERVED_KEY, summary.toJson()).encode()).appendByte((byte) '\n');
  }

  private static final class Encoder implements RowEncoder {

    private final EncodingOptions options;
    private SerializedString[] names;

    Encoder(EncodingOptions options) {
      this.options = options;
    }

    @Override
    public Buffer start(List<Column> columns) {
      names = columns.stream().map(c -> new SerializedString(c.name())).toArray(SerializedString[]::new);
      return Buffer.buffer();
    }

    @Override
    public Buffer encode(List<Object[]> rows) {
      ByteArrayBuilder out = new ByteArrayBuilder(rows.size() * 64 * Math.max(names.length, 1));
      try (JsonGenerator json = JsonValues.FACTORY.createGenerator(out)) {
        json.setRootValueSeparator(null);
        JsonValues values = new JsonValues(json);
        for (Object[] row : rows) {
          json.writeStartObject();
          for (int i = 0; i < names.length; i++) {
            json.writeFieldName(names[i]);
            values.write(row[i]);
          }
          json.writeEndObject();
          json.writeRaw('\n');
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return Buffer.buffer(out.toByteArray());
    }

    @Override
    public Buffer end(StreamSummary summary) {
      return options.summary() ? record(summary) : Buffer.buffer();
    }

    @Override
    public Buffer cut(StreamSummary summary) {
      return record(summary);
    }
  }
}
