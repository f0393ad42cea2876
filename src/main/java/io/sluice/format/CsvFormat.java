package io.sluice.format;

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
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * RFC 4180 CSV with CRLF line ends, written with jackson-dataformat-csv: a header row unless
 * asked not to, NULL as an empty field and an empty string as {@code ""}; JSON and arrays as
 * JSON text, bytea as base64. A cut body ends with a field whose quote never closes, which
 * strict CSV readers reject.
 */
public final class CsvFormat implements OutputFormat {

  private static final CsvFactory FACTORY =
      CsvFactory.builder()
          // not STRICT_CHECK_FOR_QUOTING: in 2.18 it stops empty strings from being quoted
          .enable(CsvGenerator.Feature.ALWAYS_QUOTE_EMPTY_STRINGS)
          .build();

  @Override
  public String name() {
    return "csv";
  }

  @Override
  public List<String> mediaTypes() {
    return List.of("text/csv");
  }

  @Override
  public String contentType() {
    return "text/csv; charset=utf-8";
  }

  @Override
  public String fileExtension() {
    return "csv";
  }

  @Override
  public RowEncoder newEncoder(EncodingOptions options) {
    return new Encoder(options);
  }

  /** The unterminated quoted field that ends a cut CSV or TSV body. */
  static Buffer unterminatedRecord(StreamSummary summary) {
    String reason = summary.error() == null ? summary.status() : summary.error().code() + ": " + summary.error().message();
    String text = "\"#sluice: stream cut after " + summary.rows() + " rows: "
        + reason.replace('"', '\'').replace('\r', ' ').replace('\n', ' ');
    return Buffer.buffer(text.getBytes(StandardCharsets.UTF_8));
  }

  private static final class Encoder implements RowEncoder {

    private final EncodingOptions options;
    private CsvSchema schema;

    Encoder(EncodingOptions options) {
      this.options = options;
    }

    @Override
    public Buffer start(List<String> columns) {
      CsvSchema.Builder builder = CsvSchema.builder().setLineSeparator("\r\n").setNullValue("");
      columns.forEach(builder::addColumn);
      schema = builder.build();
      return options.header() ? write(List.<Object[]>of(columns.toArray())) : Buffer.buffer();
    }

    @Override
    public Buffer encode(List<Object[]> rows) {
      return write(rows);
    }

    @Override
    public Buffer end(StreamSummary summary) {
      return Buffer.buffer();
    }

    @Override
    public Buffer cut(StreamSummary summary) {
      return unterminatedRecord(summary);
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
        try (JsonGenerator json = JsonValues.FACTORY.createGenerator(text)) {
          JsonValues.write(json, value);
        }
        return text.toString();
      }
      if (value instanceof RawJson raw) {
        return raw.text();
      }
      return value.toString();
    }
  }
}
