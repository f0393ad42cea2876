package io.sluice.cursor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-written ISO text equals the JDK formatter's, value for value (seeded random timestamps). */
class IsoTextTest {

  private static final int CASES = 20_000;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 20261207})
  void sameAsTheFormatter(long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < CASES; i++) {
      LocalDateTime local = LocalDateTime.of(random.nextInt(10_400) - 200, 1 + random.nextInt(12), 1 + random.nextInt(28),
          random.nextInt(24), random.nextInt(60), random.nextInt(60), nano(random));
      assertThat(IsoText.of(local)).as("%s", local).isEqualTo(local.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
      ZoneOffset offset = random.nextInt(4) == 0 ? ZoneOffset.UTC : ZoneOffset.ofTotalSeconds((random.nextInt(36 * 60) - 18 * 60) * 60
          + (random.nextInt(10) == 0 ? random.nextInt(60) : 0));
      OffsetDateTime offsetTime = OffsetDateTime.of(local, offset);
      assertThat(IsoText.of(offsetTime)).as("%s", offsetTime).isEqualTo(offsetTime.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    }
  }

  /** Nanoseconds shaped as PostgreSQL gives them (microseconds), with trailing zeros, or any. */
  private static int nano(Random random) {
    return switch (random.nextInt(5)) {
      case 0 -> 0;
      case 1 -> random.nextInt(1_000_000) * 1000;
      case 2 -> random.nextInt(1000) * 1_000_000;
      case 3 -> random.nextInt(10) * 100_000_000;
      default -> random.nextInt(1_000_000_000);
    };
  }
}
