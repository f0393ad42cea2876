package io.sluice.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.sluice.protocol.RawJson;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.List;

/**
 * NDJSON: one JSON object per row and line, written with Jackson's streaming generator.
 * Numbers are written exactly (BigDecimal in plain notation), JSON columns embedded as JSON,
 * bytea as base64, arrays as arrays.
 */
final class NdjsonEncoder implements RowEncoder {

  static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

  private SerializedString[] names;

  @Override
  public Buffer start(List<String> columns) {
    names = columns.stream().map(SerializedString::new).toArray(SerializedString[]::new);
    return Buffer.buffer();
  }

  @Override
  public Buffer encode(List<Object[]> rows) {
    ByteArrayBuilder out = new ByteArrayBuilder(rows.size() * 64 * Math.max(names.length, 1));
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      json.setRootValueSeparator(null);
      for (Object[] row : rows) {
        json.writeStartObject();
        for (int i = 0; i < names.length; i++) {
          json.writeFieldName(names[i]);
          writeValue(json, row[i]);
        }
        json.writeEndObject();
        json.writeRaw('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  static void writeValue(JsonGenerator json, Object value) throws IOException {
    if (value == null) {
      json.writeNull();
    } else if (value instanceof String s) {
      json.writeString(s);
    } else if (value instanceof Long l) {
      json.writeNumber(l);
    } else if (value instanceof BigDecimal d) {
      json.writeNumber(d);
    } else if (value instanceof Double d) {
      json.writeNumber(d);
    } else if (value instanceof Boolean b) {
      json.writeBoolean(b);
    } else if (value instanceof RawJson raw) {
      json.writeRawValue(raw.text());
    } else if (value instanceof byte[] bytes) {
      json.writeBinary(bytes);
    } else if (value instanceof List<?> list) {
      json.writeStartArray();
      for (Object element : list) {
        writeValue(json, element);
      }
      json.writeEndArray();
    } else {
      json.writeString(value.toString());
    }
  }
}
