package io.sluice.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.sluice.value.Column;
import io.sluice.value.RawJson;
import io.sluice.value.ValueKind;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CSV and TSV bodies are byte for byte what jackson-dataformat-csv 2.18 (loose quoting, empty
 * strings quoted, CRLF, NULL empty) wrote before Sluice wrote them itself: seeded random rows
 * of every value family, with the characters that decide quoting (separators, quotes, CR, LF,
 * spaces, control characters, non-ASCII, surrogate pairs, formula leaders) and lengths around
 * the 24-character rule.
 */
class DelimitedWriterTest {

  private static final String ALPHABET = "aZ09-._'=+@#\"\t\r\n ,;!é€😀\u0001\u007f";

  static Stream<Arguments> seeds() {
    return IntStream.range(0, 40).boxed().flatMap(seed -> Stream.of(Arguments.of(seed, ','), Arguments.of(seed, '\t')));
  }

  @ParameterizedTest(name = "seed {0}, separator {1}")
  @MethodSource("seeds")
  void sameBytesAsJacksonCsv(int seed, char separator) throws Exception {
    Random random = new Random(seed);
    List<Column> columns = List.of(
        Column.of("t", ValueKind.TEXT), Column.of("n", ValueKind.BIGINT), Column.of("d", ValueKind.NUMERIC),
        Column.of("f", ValueKind.DOUBLE), Column.of("b", ValueKind.BOOLEAN), Column.of("j", ValueKind.JSON),
        Column.of("x", ValueKind.BYTES), Column.of("u a,\"b", ValueKind.UUID));
    List<Object[]> rows = new ArrayList<>();
    for (int r = 0; r < 50; r++) {
      rows.add(new Object[] {
          maybeNull(random, text(random)), maybeNull(random, random.nextLong() >> random.nextInt(64)),
          maybeNull(random, new BigDecimal(random.nextInt() + "." + random.nextInt(1000))), maybeNull(random, random.nextGaussian() * 1e6),
          maybeNull(random, random.nextBoolean()), maybeNull(random, new RawJson("{\"k\":\"" + text(random).replace("\"", "") + "\"}")),
          maybeNull(random, bytes(random)), maybeNull(random, text(random))});
    }
    rows.add(new Object[] {"", Long.MIN_VALUE, BigDecimal.ZERO, -0.0, false, new RawJson("[]"), new byte[0], "=1+2"});
    for (boolean header : List.of(true, false)) {
      EncodingOptions options = new EncodingOptions(header, true, false);
      RowEncoder encoder = new CsvFormat("t", "text/x", "text/x", separator).newEncoder(options);
      ByteArrayOutputStream ours = new ByteArrayOutputStream();
      ours.write(encoder.start(columns).getBytes());
      ours.write(encoder.encode(rows.subList(0, 20)).getBytes());
      ours.write(encoder.encode(rows.subList(20, rows.size())).getBytes());
      assertThat(ours.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(jackson(columns, rows, separator, header));
    }
  }

  /** What jackson-csv writes for the same cells, with the same formula defusing. */
  private static String jackson(List<Column> columns, List<Object[]> rows, char separator, boolean header) throws Exception {
    CsvSchema.Builder builder = CsvSchema.builder().setColumnSeparator(separator).setLineSeparator("\r\n").setNullValue("");
    columns.forEach(c -> builder.addColumn(c.name()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CsvGenerator csv = CsvFactory.builder().enable(CsvGenerator.Feature.ALWAYS_QUOTE_EMPTY_STRINGS).build().createGenerator(out)) {
      csv.setSchema(builder.build());
      csv.writeStartArray();
      if (header) {
        csv.writeStartArray();
        for (Column column : columns) {
          csv.writeString(column.name());
        }
        csv.writeEndArray();
      }
      for (Object[] row : rows) {
        csv.writeStartArray();
        for (int i = 0; i < row.length; i++) {
          Object value = row[i];
          boolean text = columns.get(i).kind().isText();
          if (value == null) {
            csv.writeNull();
          } else if (value instanceof Long l) {
            csv.writeNumber(l);
          } else if (value instanceof byte[] b) {
            csv.writeString(Base64.getEncoder().encodeToString(b));
          } else if (value instanceof BigDecimal d) {
            csv.writeString(d.toPlainString());
          } else if (value instanceof RawJson json) {
            csv.writeString(json.text());
          } else if (value instanceof String s && text && CellWriter.looksLikeFormula(s)) {
            csv.writeString("'" + s);
          } else {
            csv.writeString(String.valueOf(value));
          }
        }
        csv.writeEndArray();
      }
      csv.writeEndArray();
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static Object maybeNull(Random random, Object value) {
    return random.nextInt(8) == 0 ? null : value;
  }

  private static String text(Random random) {
    int length = random.nextInt(4) == 0 ? 20 + random.nextInt(10) : random.nextInt(12);
    StringBuilder text = new StringBuilder();
    while (text.length() < length) {
      text.appendCodePoint(ALPHABET.codePointAt(ALPHABET.offsetByCodePoints(0, random.nextInt(ALPHABET.codePointCount(0, ALPHABET.length())))));
    }
    return text.toString();
  }

  private static byte[] bytes(Random random) {
    byte[] bytes = new byte[random.nextInt(30)];
    random.nextBytes(bytes);
    return bytes;
  }
}
