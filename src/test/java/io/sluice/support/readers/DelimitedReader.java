package io.sluice.support.readers;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.sluice.format.EncodingOptions;
import io.sluice.value.Column;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * CSV and TSV, read by Jackson's CSV parser (RFC 4180 quoting, an unquoted empty field read
 * as NULL and a quoted one as ""): the header row when asked for, then rows of exactly as
 * many fields as columns. A cut body ends in a field whose quote never closes, which the
 * parser rejects; that record, with no line end, follows the last row's.
 */
final class DelimitedReader implements FormatReader {

  private static final String RECORD_START = "\"#";

  private final CsvMapper mapper = CsvMapper.builder()
      .enable(CsvParser.Feature.WRAP_AS_ARRAY, CsvParser.Feature.EMPTY_UNQUOTED_STRING_AS_NULL)
      .build();
  private final char separator;

  DelimitedReader(char separator) {
    this.separator = separator;
  }

  @Override
  public List<List<Object>> read(byte[] body, List<Column> columns, EncodingOptions options) throws IOException {
    List<String[]> records = new ArrayList<>();
    try (MappingIterator<String[]> parsed = mapper.readerFor(String[].class)
        .with(CsvSchema.emptySchema().withColumnSeparator(separator)).readValues(TypedValues.utf8(body))) {
      while (parsed.hasNextValue()) {
        records.add(parsed.nextValue());
      }
    }
    if (options.header()) {
      List<String> names = columns.stream().map(Column::name).toList();
      if (records.isEmpty() || !Arrays.asList(records.get(0)).equals(names)) {
        throw new AssertionError("the first record is not the header " + names);
      }
      records.remove(0);
    }
    List<List<Object>> rows = new ArrayList<>();
    for (String[] record : records) {
      if (record.length != columns.size()) {
        throw new IOException("record " + (rows.size() + 1) + " has " + record.length + " fields, not " + columns.size() + ": " + Arrays.toString(record));
      }
      List<Object> row = new ArrayList<>(record.length);
      for (int i = 0; i < record.length; i++) {
        row.add(TypedValues.fromText(columns.get(i), record[i]));
      }
      rows.add(row);
    }
    return rows;
  }

  /** The rows are what comes before the last CRLF; the record, which holds no line break, after it. */
  @Override
  public Cut readCut(byte[] body, List<Column> columns, EncodingOptions options) throws IOException {
    String text = TypedValues.utf8(body);
    int recordStart = text.lastIndexOf("\r\n") + 2;
    if (recordStart == 1) {
      recordStart = 0;
    }
    String record = text.substring(recordStart);
    if (!record.startsWith(RECORD_START) || record.indexOf('"', 1) >= 0 || record.contains("\r") || record.contains("\n")) {
      throw new AssertionError("the body does not end in a field that opens a quote and never closes it: " + record);
    }
    List<List<Object>> rows = read(text.substring(0, recordStart).getBytes(StandardCharsets.UTF_8), columns, options);
    return new Cut(rows, TypedValues.textRecord(record.substring(RECORD_START.length())), null, null);
  }

  @Override
  public boolean recordCarriesResume() {
    return false;
  }
}
