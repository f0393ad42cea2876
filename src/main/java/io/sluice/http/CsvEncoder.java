package io.sluice.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.sluice.protocol.RawJson;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.List;

/**
 * RFC 4180 CSV with a header row and CRLF line ends, written with jackson-dataformat-csv.
 * NULL is an empty field, an empty string is {@code ""}; JSON and arrays are written as JSON
 * text, bytea as base64.
 */
final class CsvEncoder implements RowEncoder {

  private static final CsvFactory FACTORY =
      CsvFactory.builder()
          // not STRICT_CHECK_FOR_QUOTING: in 2.18 it stops empty strings from being quoted
          .enable(CsvGenerator.Feature.ALWAYS_QUOTE_EMPTY_STRINGS)
          .build();

  private CsvSchema schema;

  @Override
  public Buffer start(List<String> columns) {
    CsvSchema.Builder builder = CsvSchema.builder().setLineSeparator("\r\n").setNullValue("");
    columns.forEach(builder::addColumn);
    schema = builder.build();
    return write(List.<Object[]>of(columns.toArray()));
  }

  @Override
  public Buffer encode(List<Object[]> rows) {
    return write(rows);
  }

  private Buffer write(List<Object[]> rows) {
    ByteArrayBuilder out = new ByteArrayBuilder(rows.size() * 64 * Math.max(schema.size(), 1));
    try (CsvGenerator csv = FACTORY.createGenerator(out)) {
      csv.setSchema(schema);
      // rows go inside an outer array: at the root, jackson-csv 2.18 drops NULLs from a row
      csv.writeStartArray();
      for (Object[] row : rows) {
        csv.writeStartArray();
        for (Object value : row) {
          if (value == null) {
            csv.writeNull();
          } else {
            csv.writeString(text(value));
          }
        }
        csv.writeEndArray();
      }
      csv.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  private static String text(Object value) throws IOException {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof byte[] bytes) {
      return Base64.getEncoder().encodeToString(bytes);
    }
    if (value instanceof List<?>) {
      StringWriter text = new StringWriter();
      try (JsonGenerator json = NdjsonEncoder.FACTORY.createGenerator(text)) {
        NdjsonEncoder.writeValue(json, value);
      }
      return text.toString();
    }
    if (value instanceof RawJson raw) {
      return raw.text();
    }
    return value.toString();
  }
}
