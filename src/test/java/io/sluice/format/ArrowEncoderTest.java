package io.sluice.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.value.Column;
import io.sluice.value.ValueKind;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Arrow encoder")
class ArrowEncoderTest {

  private static final List<Column> COLUMNS = List.of(
      new Column("n", ValueKind.BIGINT, false, "int8"), new Column("s", ValueKind.TEXT, false, "text"),
      new Column("ts", ValueKind.TIMESTAMPTZ, false, "timestamptz"), new Column("day", ValueKind.DATE, false, "date"),
      new Column("amount", ValueKind.NUMERIC, false, "numeric(12,2)"), new Column("tags", ValueKind.TEXT, true, "text_array"),
      new Column("ints", ValueKind.INTEGER, true, "int4_array"));

  private static Object[] row(long n, String s, String ts, String day, String amount, List<?> tags, List<?> ints) {
    return new Object[] {n, s, ts, day, amount == null ? null : new BigDecimal(amount), tags, ints};
  }

  /** Every value as Arrow's getObject gives it, as text, row by row. */
  private static List<List<String>> read(byte[] body) throws IOException {
    List<List<String>> rows = new ArrayList<>();
    try (RootAllocator allocator = new RootAllocator();
        ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(body), allocator)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      while (reader.loadNextBatch()) {
        for (int r = 0; r < root.getRowCount(); r++) {
          List<String> row = new ArrayList<>();
          for (FieldVector vector : root.getFieldVectors()) {
            row.add(String.valueOf(vector.getObject(r)));
          }
          rows.add(row);
        }
      }
    }
    return rows;
  }

  @Test
  @DisplayName("keeps every batch apart while it reuses its vectors: no value, null or list element leaks into the next batch")
  void batches() throws IOException {
    String big = "x".repeat(9 * 1024 * 1024);
    List<List<Object[]>> batches = List.of(
        List.of(row(1, "first", "2024-02-29T13:45:01.123456Z", "2024-02-29", "12.50", List.of("a", "b"), List.of(1L, 2L)),
            row(2, "second", "2024-02-29T13:45:01+05:30", "1999-12-31", "-0.01", Arrays.asList("c", null), List.of())),
        List.<Object[]>of(row(3, null, null, null, null, null, null)),
        List.<Object[]>of(row(4, big, "0001-01-01T00:00:00Z", "+10000-01-01", "9999999999.99", List.of(big), List.of(3L))),
        List.of(row(5, "", "1969-12-31T23:59:59.9Z", "-0001-01-01", "0.00", List.of(""), Arrays.asList(null, 4L)),
            row(6, "last", "2024-02-29T13:45:01-00:30", "1970-01-01", "1", List.of(), null)));
    Buffer body = Buffer.buffer();
    try (ArrowMemory memory = new ArrowMemory(Long.MAX_VALUE)) {
      RowEncoder encoder = new ArrowEncoder(memory, false);
      body.appendBuffer(encoder.start(COLUMNS));
      for (List<Object[]> batch : batches) {
        body.appendBuffer(encoder.encode(batch));
      }
      body.appendBuffer(encoder.end(StreamSummary.complete(6)));
      encoder.close();
      assertThat(memory.allocated()).isZero();
    }

    List<List<String>> rows = read(body.getBytes());

    assertThat(rows).containsExactly(
        List.of("1", "first", micros("2024-02-29T13:45:01.123456Z"), day("2024-02-29"), "12.50", "[\"a\",\"b\"]", "[1,2]"),
        List.of("2", "second", micros("2024-02-29T08:15:01Z"), day("1999-12-31"), "-0.01", "[\"c\",null]", "[]"),
        List.of("3", "null", "null", "null", "null", "null", "null"),
        List.of("4", big, micros("0001-01-01T00:00:00Z"), day("+10000-01-01"), "9999999999.99", "[\"" + big + "\"]", "[3]"),
        List.of("5", "", micros("1969-12-31T23:59:59.900Z"), day("-0001-01-01"), "0.00", "[\"\"]", "[null,4]"),
        List.of("6", "last", micros("2024-02-29T14:15:01Z"), day("1970-01-01"), "1.00", "[]", "null"));
  }

  @Test
  @DisplayName("refuses what its types cannot hold, naming the value, and frees its vectors")
  void unrepresentable() {
    try (ArrowMemory memory = new ArrowMemory(Long.MAX_VALUE)) {
      RowEncoder encoder = new ArrowEncoder(memory, false);
      encoder.start(COLUMNS);
      encoder.encode(List.<Object[]>of(row(1, "a", "2024-02-29T13:45:01Z", "2024-02-29", "1.00", null, null)));

      for (Object[] bad : List.of(row(2, "b", "infinity", null, null, null, null), row(2, "b", null, "-infinity", null, null, null),
          row(2, "b", null, null, "12345678901.00", null, null), row(2, "b", "2024-02-30T00:00:00Z", null, null, null, null))) {
        assertThatThrownBy(() -> encoder.encode(List.<Object[]>of(bad))).isInstanceOf(UnrepresentableValueException.class);
      }
      encoder.close();
      assertThat(memory.allocated()).isZero();
    }
  }

  @Test
  @DisplayName("fails a batch its memory cap cannot hold as out of memory, not as a bad value, gives all back, and leaves the cap to the next")
  void memoryCap() throws IOException {
    long cap = 1024 * 1024;
    try (ArrowMemory memory = new ArrowMemory(cap)) {
      RowEncoder holder = new ArrowEncoder(memory, false);
      holder.start(COLUMNS);
      holder.encode(List.<Object[]>of(row(1, "x".repeat(300 * 1024), null, null, null, null, null)));
      assertThat(memory.allocated()).as("the vectors kept for the next batch").isBetween(300L * 1024, cap);

      RowEncoder starved = new ArrowEncoder(memory, false);
      starved.start(COLUMNS);
      assertThatThrownBy(() -> starved.encode(List.<Object[]>of(row(2, "y".repeat(300 * 1024), null, null, null, null, null))))
          .isInstanceOfSatisfying(EncoderMemoryException.class, e -> assertThat(e.limitBytes()).isEqualTo(cap));
      starved.close();
      holder.close();
      assertThat(memory.allocated()).isZero();

      RowEncoder next = new ArrowEncoder(memory, false);
      Buffer body = Buffer.buffer().appendBuffer(next.start(COLUMNS))
          .appendBuffer(next.encode(List.<Object[]>of(row(3, "z".repeat(300 * 1024), null, null, null, null, null))))
          .appendBuffer(next.end(StreamSummary.complete(1)));
      next.close();
      assertThat(read(body.getBytes())).extracting(r -> r.get(0)).containsExactly("3");
      assertThat(memory.allocated()).isZero();
    }
  }

  private static String micros(String instant) {
    Instant parsed = Instant.parse(instant);
    return Long.toString(parsed.getEpochSecond() * 1_000_000L + parsed.getNano() / 1_000);
  }

  private static String day(String date) {
    return Long.toString(LocalDate.parse(date).toEpochDay());
  }
}
