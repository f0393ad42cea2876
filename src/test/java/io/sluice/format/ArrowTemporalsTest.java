package io.sluice.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Arrow's temporal reader agrees with java.time")
class ArrowTemporalsTest {

  /** The years the cursor writes: PostgreSQL's 4713 BC to 294276 AD, and dates further on. */
  private static final int MIN_YEAR = -4713;
  private static final int MAX_TIMESTAMP_YEAR = 294276;
  private static final int MAX_DATE_YEAR = 5874897;

  private static final List<String> ODD = List.of(
      "", "T", "infinity", "-infinity", "2024-02-29", "2024-02-29T", "2024-02-29T13:45", "2024-02-29t13:45:01Z",
      "2024-02-29T13:45:01z", "2024-02-29T13:45:01.Z", "2024-02-29T13:45:01.1234567890Z", "2024-02-29T13:45:01,5Z",
      "2024-02-29T13:45:01+00:00", "2024-02-29T13:45:01-00:00", "2024-02-29T13:45:01+18:00", "2024-02-29T13:45:01-18:00",
      "2024-02-29T13:45:01+18:01", "2024-02-29T13:45:01+19:00", "2024-02-29T13:45:01+05:60", "2024-02-29T13:45:01+05:30:60",
      "2024-02-29T13:45:01+0530", "2024-02-29T13:45:01+05", "2024-02-29T13:45:01+5:30", "2024-02-29T13:45:01+05:30:15",
      "2024-02-29T13:45:01 +05:30", "2024-02-29T13:45:01Z ", "2024-02-29T24:00:00Z", "2024-02-29T23:60:00Z",
      "2024-02-29T23:59:60Z", "2023-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z",
      "2024-00-01T00:00:00Z", "2024-01-00T00:00:00Z", "2024-1-01T00:00:00Z", "2024-01-1T00:00:00Z", "202-01-01T00:00:00Z",
      "02024-01-01T00:00:00Z", "+2024-01-01T00:00:00Z", "+02024-01-01T00:00:00Z", "+10000-01-01T00:00:00Z",
      "-0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "-0001-12-31T23:59:59.999999Z", "-00001-01-01T00:00:00Z",
      "-10000-01-01T00:00:00Z", "+999999999-12-31T23:59:59Z", "+1000000000-01-01T00:00:00Z", "12345-01-01T00:00:00Z",
      "2O24-01-01T00:00:00Z", "2024-01-01T0a:00:00Z", "2024-01-01T00:00:00.12a4Z", "+294276-12-31T23:59:59.999999Z",
      "+294247-01-10T04:00:54.775807Z", "+294247-01-10T04:00:54.775808Z", "-290308-12-21T19:59:05.224192Z",
      "-290308-12-21T19:59:05.224191Z", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00.000001Z", "1969-12-31T23:59:59.999999Z",
      "1969-12-31T23:59:59.9999999Z", "2024-02-29T13:45:01.123456789", "2024-02-29T13:45:01.5+05:30", "2000-02-29",
      "1900-02-29", "2100-02-28", "-0004-02-29", "-0100-02-29", "-0400-02-29", "+5874897-12-31", "+5874898-01-01",
      "-4713-11-24", "2024-02-29T13:45:01.5", "2024-02-29T13:45:01Z");

  @Test
  @DisplayName("on a seeded random spread of offset date-times: fractions of 0 to 9 digits, offsets of every sign and size")
  void offsetDateTimes() {
    Random random = new Random(20241121);
    for (int i = 0; i < 200_000; i++) {
      ZoneOffset offset = switch (random.nextInt(4)) {
        case 0 -> ZoneOffset.UTC;
        case 1 -> ZoneOffset.ofTotalSeconds(60 * (random.nextInt(2 * 18 * 60 + 1) - 18 * 60));
        case 2 -> ZoneOffset.ofTotalSeconds(random.nextInt(2 * 18 * 3600 + 1) - 18 * 3600);
        default -> ZoneOffset.ofHours(random.nextInt(37) - 18);
      };
      String text = randomDateTime(random, MAX_TIMESTAMP_YEAR).atOffset(offset).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
      assertSame(text, ArrowTemporals::offsetMicros, ArrowTemporalsTest::javaOffsetMicros);
    }
  }

  @Test
  @DisplayName("on a seeded random spread of local date-times")
  void localDateTimes() {
    Random random = new Random(4713);
    for (int i = 0; i < 200_000; i++) {
      String text = randomDateTime(random, MAX_TIMESTAMP_YEAR).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
      assertSame(text, ArrowTemporals::localMicros, ArrowTemporalsTest::javaLocalMicros);
    }
  }

  @Test
  @DisplayName("on a seeded random spread of dates, from 4713 BC to the last PostgreSQL date")
  void dates() {
    Random random = new Random(294276);
    for (int i = 0; i < 200_000; i++) {
      String text = randomDate(random, random.nextInt(4) == 0 ? MAX_DATE_YEAR : 3000).toString();
      assertSame(text, ArrowTemporals::epochDay, t -> LocalDate.parse(t).toEpochDay());
    }
  }

  @Test
  @DisplayName("on edge cases and malformed text, failing where java.time fails")
  void edges() {
    List<String> texts = new ArrayList<>(ODD);
    for (int digits = 1; digits <= 9; digits++) {
      String fraction = "." + "123456789".substring(0, digits);
      texts.add("2024-02-29T13:45:01" + fraction + "-03:30");
      texts.add("0001-01-01T00:00:00" + fraction + "Z");
      texts.add("-0001-01-01T00:00:00" + fraction + "+14:00");
      texts.add("2024-02-29T13:45:01" + fraction);
    }
    for (String text : texts) {
      assertSame(text, ArrowTemporals::offsetMicros, ArrowTemporalsTest::javaOffsetMicros);
      assertSame(text, ArrowTemporals::localMicros, ArrowTemporalsTest::javaLocalMicros);
      assertSame(text, ArrowTemporals::epochDay, t -> LocalDate.parse(t).toEpochDay());
    }
  }

  private static LocalDateTime randomDateTime(Random random, int maxYear) {
    int digits = random.nextInt(10);
    int nano = digits == 0 ? 0 : random.nextInt(1_000_000_000);
    nano -= nano % (int) Math.pow(10, 9 - digits);
    return randomDate(random, maxYear).atTime(random.nextInt(24), random.nextInt(60), random.nextInt(60), nano);
  }

  private static LocalDate randomDate(Random random, int maxYear) {
    int year = random.nextInt(5) == 0 ? MIN_YEAR + random.nextInt(maxYear - MIN_YEAR + 1) : 1900 + random.nextInt(200);
    return LocalDate.ofYearDay(year, 1).plusDays(random.nextInt(LocalDate.ofYearDay(year, 1).lengthOfYear()));
  }

  /** What the encoder did before: {@code OffsetDateTime.parse}, then exact microseconds. */
  private static long javaOffsetMicros(String text) {
    OffsetDateTime parsed = OffsetDateTime.parse(text);
    return exactMicros(parsed.toLocalDateTime(), parsed.getOffset());
  }

  private static long javaLocalMicros(String text) {
    return exactMicros(LocalDateTime.parse(text), ZoneOffset.UTC);
  }

  private static long exactMicros(LocalDateTime local, ZoneOffset offset) {
    return Math.addExact(Math.multiplyExact(local.toEpochSecond(offset), 1_000_000L), local.getNano() / 1_000);
  }

  /** Both give the same number, or both fail with the same kind of exception. */
  private static void assertSame(String text, ToLongFunction<String> fast, ToLongFunction<String> java) {
    assertThat(outcome(text, fast)).as(text).isEqualTo(outcome(text, java));
  }

  private static Object outcome(String text, ToLongFunction<String> reader) {
    try {
      return reader.applyAsLong(text);
    } catch (RuntimeException e) {
      return e.getClass();
    }
  }
}
