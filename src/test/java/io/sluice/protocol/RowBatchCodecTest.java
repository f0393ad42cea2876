package io.sluice.protocol;

import io.sluice.value.RowBatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.value.RawJson;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("The row batch codec")
class RowBatchCodecTest {

  private final RowBatchCodec codec = new RowBatchCodec();

  static LongStream seeds() {
    return LongStream.range(0, 50);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @DisplayName("decodes from the wire exactly what it encoded, for random batches")
  void roundTrips(long seed) {
    Random random = new Random(seed);
    int columns = 1 + random.nextInt(8);
    List<Object[]> rows = new ArrayList<>();
    int rowCount = random.nextInt(50);
    for (int r = 0; r < rowCount; r++) {
      Object[] row = new Object[columns];
      for (int c = 0; c < columns; c++) {
        row[c] = randomValue(random, 0);
      }
      rows.add(row);
    }
    List<Object[]> keys = new ArrayList<>();
    boolean keyed = random.nextBoolean();
    for (int r = 0; keyed && r < rowCount; r++) {
      keys.add(new Object[] {random.nextLong(), "k" + r});
    }
    RowBatch batch = new RowBatch(random.nextLong(), rows, keys);
    Buffer wire = Buffer.buffer().appendString("prefix");

    codec.encodeToWire(wire, batch);
    RowBatch decoded = codec.decodeFromWire(6, wire);

    assertThat(decoded.seq()).isEqualTo(batch.seq());
    assertThat(decoded.rows()).hasSameSizeAs(rows);
    for (int r = 0; r < rowCount; r++) {
      assertThat(canonical(Arrays.asList(decoded.rows().get(r)))).as("row %d", r).isEqualTo(canonical(Arrays.asList(rows.get(r))));
    }
    assertThat(decoded.keys()).hasSameSizeAs(keys);
    for (int r = 0; r < keys.size(); r++) {
      assertThat(decoded.keys().get(r)).as("key %d", r).containsExactly(keys.get(r));
    }
    assertThat(wire.getInt(6)).isEqualTo(wire.length() - 10);
  }

  @Test
  @DisplayName("refuses a batch written in another wire version instead of misreading it")
  void refusesUnknownVersion() {
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, new RowBatch(1, List.<Object[]>of(new Object[] {1L})));
    wire.setByte(4, (byte) (RowBatchCodec.VERSION + 1));

    assertThatThrownBy(() -> codec.decodeFromWire(0, wire)).isInstanceOf(IllegalStateException.class).hasMessageContaining("version");
  }

  @Test
  @DisplayName("passes a batch by reference within one JVM")
  void localTransformIsIdentity() {
    RowBatch batch = new RowBatch(1, List.<Object[]>of(new Object[] {1L}));
    assertThat(codec.transform(batch)).isSameAs(batch);
  }

  /** Bytes compared by content, lists element by element. */
  private static Object canonical(Object value) {
    if (value instanceof byte[] bytes) {
      return "bytes:" + java.util.Base64.getEncoder().encodeToString(bytes);
    }
    if (value instanceof List<?> list) {
      return list.stream().map(RowBatchCodecTest::canonical).toList();
    }
    return value == null ? "null" : value;
  }

  private static Object randomValue(Random random, int depth) {
    return switch (random.nextInt(depth > 1 ? 9 : 10)) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> random.nextLong();
      case 3 -> random.nextDouble() * 1e6;
      case 4 -> new BigDecimal(new BigInteger(random.nextInt(200) + 1, random), random.nextInt(40) - 10);
      case 5 -> randomString(random);
      case 6 -> new RawJson("{\"k\": " + random.nextInt() + "}");
      case 7 -> {
        byte[] bytes = new byte[random.nextInt(20)];
        random.nextBytes(bytes);
        yield bytes;
      }
      case 8 -> "NaN";
      default -> {
        List<Object> list = new ArrayList<>();
        int size = random.nextInt(4);
        for (int i = 0; i < size; i++) {
          list.add(randomValue(random, depth + 1));
        }
        yield list;
      }
    };
  }

  private static String randomString(Random random) {
    StringBuilder s = new StringBuilder();
    int length = random.nextInt(12);
    for (int i = 0; i < length; i++) {
      s.appendCodePoint(random.nextInt(5) == 0 ? 0x1F600 + random.nextInt(50) : 32 + random.nextInt(200));
    }
    return s.toString();
  }
}
