package io.sluice.value;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.List;

/**
 * Writes row values as JSON to one generator: numbers exact, JSON columns embedded, bytea as
 * base64, arrays as arrays. The one JSON mapping of values: the JSON-based formats (NDJSON, JSON,
 * SSE) and the JSON batches of the credit protocol all write through it.
 */
public final class JsonValues implements ValueVisitor<IOException> {

  public static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

  private final JsonGenerator json;

  public JsonValues(JsonGenerator json) {
    this.json = json;
  }

  public void write(Object value) throws IOException {
    Values.accept(value, this);
  }

  /** A value as JSON text (for formats that hold arrays as text). */
  public static String toJson(Object value) {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = FACTORY.createGenerator(text)) {
      new JsonValues(json).write(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  @Override
  public void visitNull() throws IOException {
    json.writeNull();
  }

  @Override
  public void visitBoolean(boolean value) throws IOException {
    json.writeBoolean(value);
  }

  @Override
  public void visitLong(long value) throws IOException {
    json.writeNumber(value);
  }

  @Override
  public void visitDouble(double value) throws IOException {
    json.writeNumber(value);
  }

  @Override
  public void visitDecimal(BigDecimal value) throws IOException {
    json.writeNumber(value);
  }

  @Override
  public void visitText(String value) throws IOException {
    json.writeString(value);
  }

  @Override
  public void visitJson(RawJson value) throws IOException {
    json.writeRawValue(value.text());
  }

  @Override
  public void visitBytes(byte[] value) throws IOException {
    json.writeBinary(value);
  }

  @Override
  public void visitList(List<?> values) throws IOException {
    json.writeStartArray();
    for (Object element : values) {
      Values.accept(element, this);
    }
    json.writeEndArray();
  }
}
