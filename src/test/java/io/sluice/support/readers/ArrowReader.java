package io.sluice.support.readers;

import io.sluice.format.EncodingOptions;
import io.sluice.value.Column;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * The Arrow IPC stream, read by Arrow Java's {@link ArrowStreamReader}: the schema names the
 * columns, each record batch holds rows. A cut stream ends with a message that announces more
 * metadata than follows, on which the reader raises; its bytes after the message's length
 * are the record's text.
 */
final class ArrowReader implements FormatReader {

  /** The start of the truncated message: the continuation marker, then a metadata length of 1 MiB, little-endian. */
  private static final byte[] TRUNCATED_MESSAGE = {-1, -1, -1, -1, 0, 0, 16, 0};

  @Override
  public List<List<Object>> read(byte[] body, List<Column> columns, EncodingOptions options) throws IOException {
    List<List<Object>> rows = new ArrayList<>();
    readInto(body, columns, rows);
    return rows;
  }

  @Override
  public Cut readCut(byte[] body, List<Column> columns, EncodingOptions options) {
    List<List<Object>> rows = new ArrayList<>();
    try {
      readInto(body, columns, rows);
      throw new AssertionError("Arrow's reader read the cut stream as complete");
    } catch (IOException expected) {
      // the batches before the truncated message are in rows
    }
    int start = lastIndexOf(body, TRUNCATED_MESSAGE);
    if (start < 0) {
      throw new AssertionError("the stream does not end with the truncated message");
    }
    String text = new String(body, start + TRUNCATED_MESSAGE.length, body.length - start - TRUNCATED_MESSAGE.length, StandardCharsets.UTF_8);
    return new Cut(rows, TypedValues.textRecord(text), null, null);
  }

  @Override
  public boolean recordCarriesResume() {
    return false;
  }

  private static void readInto(byte[] body, List<Column> columns, List<List<Object>> rows) throws IOException {
    try (RootAllocator allocator = new RootAllocator();
        ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(body), allocator)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      List<String> names = root.getSchema().getFields().stream().map(Field::getName).toList();
      if (!names.equals(columns.stream().map(Column::name).toList())) {
        throw new AssertionError("the schema's fields " + names + " are not the columns");
      }
      while (reader.loadNextBatch()) {
        for (int r = 0; r < root.getRowCount(); r++) {
          List<Object> row = new ArrayList<>(columns.size());
          for (int c = 0; c < columns.size(); c++) {
            FieldVector vector = root.getVector(c);
            row.add(TypedValues.fromArrow(columns.get(c), vector.getObject(r)));
          }
          rows.add(row);
        }
      }
    }
  }

  private static int lastIndexOf(byte[] body, byte[] part) {
    for (int i = body.length - part.length; i >= 0; i--) {
      if (Arrays.equals(body, i, i + part.length, part, 0, part.length)) {
        return i;
      }
    }
    return -1;
  }
}
