package io.sluice.format;

import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.sluice.value.Column;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * RFC 4180 CSV with CRLF line ends, written with jackson-dataformat-csv: a header row unless
 * asked not to, NULL as an empty field and an empty string as {@code ""}; JSON and arrays as
 * JSON text, bytea as base64. Text cells that a spreadsheet would run as a formula are
 * defused (see {@link CellWriter}). A cut body ends with a field whose quote never closes,
 * which strict CSV readers reject.
 */
public class CsvFormat implements OutputFormat {

  private static final CsvFactory FACTORY =
      CsvFactory.builder()
          // not STRICT_CHECK_FOR_QUOTING: in 2.18 it stops empty strings from being quoted
          .enable(CsvGenerator.Feature.ALWAYS_QUOTE_EMPTY_STRINGS)
          .build();

  private final String name;
  private final String mediaType;
  private final String contentType;
  private final char separator;

  /** Comma-separated: {@code text/csv}. */
  public CsvFormat() {
    this("csv", "text/csv", "text/csv; charset=utf-8", ',');
  }

  protected CsvFormat(String name, String mediaType, String contentType, char separator) {
    this.name = name;
    this.mediaType = mediaType;
    this.contentType = contentType;
    this.separator = separator;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<String> mediaTypes() {
    return List.of(mediaType);
  }

  @Override
  public String contentType() {
    return contentType;
  }

  @Override
  public String fileExtension() {
    return name;
  }

  @Override
  public RowEncoder newEncoder(EncodingOptions options) {
    return new Encoder(options, separator);
  }

  /** The unterminated quoted field that ends a cut body. */
  static Buffer unterminatedRecord(StreamSummary summary) {
    String reason = summary.errorText();
    String text = "\"#sluice: stream cut after " + summary.rows() + " rows: "
        + reason.replace('"', '\'').replace('\r', ' ').replace('\n', ' ');
    return Buffer.buffer(text.getBytes(StandardCharsets.UTF_8));
  }

  private static final class Encoder implements RowEncoder {

    private final EncodingOptions options;
    private final char separator;
    private CsvSchema schema;
    private boolean[] textColumns;
    private final BufferOutput output = new BufferOutput();

    Encoder(EncodingOptions options, char separator) {
      this.options = options;
      this.separator = separator;
    }

    @Override
    public Buffer start(List<Column> columns) {
      CsvSchema.Builder builder = CsvSchema.builder().setColumnSeparator(separator).setLineSeparator("\r\n").setNullValue("");
      columns.forEach(c -> builder.addColumn(c.name()));
      schema = builder.build();
      textColumns = new boolean[columns.size()];
      for (int i = 0; i < textColumns.length; i++) {
        textColumns[i] = options.csvSafe() && !columns.get(i).array() && columns.get(i).kind().isText();
      }
      return options.header() ? write(List.<Object[]>of(columns.stream().map(Column::name).toArray()), false) : Buffer.buffer();
    }

    @Override
    public Buffer encode(List<Object[]> rows) {
      return write(rows, true);
    }

    @Override
    public Buffer end(StreamSummary summary) {
      return Buffer.buffer();
    }

    @Override
    public Buffer cut(StreamSummary summary) {
      return unterminatedRecord(summary);
    }

    private Buffer write(List<Object[]> rows, boolean defuse) {
      try (CsvGenerator csv = FACTORY.createGenerator(output.begin(rows.size(), schema.size()))) {
        csv.setSchema(schema);
        CellWriter cells = new CellWriter(csv);
        // rows go inside an outer array: at the root, jackson-csv 2.18 drops NULLs from a row
        csv.writeStartArray();
        for (Object[] row : rows) {
          csv.writeStartArray();
          for (int i = 0; i < row.length; i++) {
            cells.write(row[i], defuse && textColumns[i]);
          }
          csv.writeEndArray();
        }
        csv.writeEndArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return output.finish(rows.size());
    }
  }
}
