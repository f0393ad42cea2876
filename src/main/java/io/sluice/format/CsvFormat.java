package io.sluice.format;

import io.sluice.value.Column;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * RFC 4180 CSV with CRLF line ends, written by {@link DelimitedWriter}: a header row unless
 * asked not to, NULL as an empty field and an empty string as {@code ""}; JSON and arrays as
 * JSON text, bytea as base64. Text cells that a spreadsheet would run as a formula are
 * defused (see {@link CellWriter}). A cut body ends with a field whose quote never closes,
 * which strict CSV readers reject.
 */
public class CsvFormat implements OutputFormat {

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
    private final DelimitedWriter csv;
    private final CellWriter cells;
    private boolean[] textColumns;

    Encoder(EncodingOptions options, char separator) {
      this.options = options;
      this.csv = new DelimitedWriter(separator);
      this.cells = new CellWriter(csv);
    }

    @Override
    public Buffer start(List<Column> columns) {
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
      csv.begin();
      for (Object[] row : rows) {
        csv.startRecord();
        for (int i = 0; i < row.length; i++) {
          cells.write(row[i], defuse && textColumns[i]);
        }
        csv.endRecord();
      }
      return csv.finish();
    }
  }
}
