package io.sluice.format;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Reads the ISO-8601 text the cursor gives dates and timestamps ({@code 2024-02-29},
 * {@code 2024-02-29T13:45:01.123456}, the same with {@code Z} or {@code +05:30}) as Arrow's
 * epoch days and epoch microseconds, with the same result as {@code java.time}'s ISO parsers
 * but much faster. Text outside that fixed shape (a lower-case {@code t}, a year without its
 * usual digits, {@code infinity}, a malformed value, ...) goes to {@code java.time} itself, so
 * anything it rejects still fails, with its exception.
 */
final class ArrowTemporals {

  private static final long SECONDS_PER_DAY = 86_400;
  private static final long MICROS_PER_SECOND = 1_000_000;
  private static final int MAX_OFFSET_SECONDS = 18 * 3600;
  private static final long DAYS_0000_TO_1970 = 719_528;
  /** What the fast readers answer for text they leave to {@code java.time}. */
  private static final long UNREAD = Long.MIN_VALUE;
  private static final int NO_OFFSET = Integer.MIN_VALUE;

  private ArrowTemporals() {}

  /** {@code LocalDate.parse(text).toEpochDay()}. */
  static long epochDay(String text) {
    long day = epochDay(text, text.length());
    return day != UNREAD ? day : LocalDate.parse(text).toEpochDay();
  }

  /** The microseconds since the epoch of an ISO offset date-time, as {@code OffsetDateTime.parse} reads it. */
  static long offsetMicros(String text) {
    long micros = micros(text, true);
    if (micros != UNREAD) {
      return micros;
    }
    OffsetDateTime parsed = OffsetDateTime.parse(text);
    return micros(parsed.toLocalDateTime(), parsed.getOffset());
  }

  /** The microseconds since the epoch of an ISO local date-time taken as UTC, as {@code LocalDateTime.parse} reads it. */
  static long localMicros(String text) {
    long micros = micros(text, false);
    return micros != UNREAD ? micros : micros(LocalDateTime.parse(text), ZoneOffset.UTC);
  }

  private static long micros(LocalDateTime local, ZoneOffset offset) {
    return micros(local.toEpochSecond(offset), local.getNano());
  }

  /** Fails with {@link ArithmeticException} past the range of a long, as the slow path does. */
  private static long micros(long epochSecond, int nano) {
    return Math.addExact(Math.multiplyExact(epochSecond, MICROS_PER_SECOND), nano / 1_000);
  }

  /** {@code date 'T' HH:mm:ss[.fraction]} then, when {@code offset}, {@code Z} or {@code ±HH:MM[:SS]}; else {@link #UNREAD}. */
  private static long micros(String text, boolean offset) {
    int t = text.indexOf('T');
    int length = text.length();
    if (t < 0 || length < t + 9 || text.charAt(t + 3) != ':' || text.charAt(t + 6) != ':') {
      return UNREAD;
    }
    long day = epochDay(text, t);
    int hour = twoDigits(text, t + 1);
    int minute = twoDigits(text, t + 4);
    int second = twoDigits(text, t + 7);
    if (day == UNREAD || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return UNREAD;
    }
    int at = t + 9;
    int nano = 0;
    if (at < length && text.charAt(at) == '.') {
      int digits = 0;
      while (++at < length && isDigit(text.charAt(at))) {
        if (++digits > 9) {
          return UNREAD;
        }
        nano = nano * 10 + text.charAt(at) - '0';
      }
      if (digits == 0) {
        return UNREAD;
      }
      for (; digits < 9; digits++) {
        nano *= 10;
      }
    }
    int offsetSeconds = offset ? offsetSeconds(text, at) : at == length ? 0 : NO_OFFSET;
    if (offsetSeconds == NO_OFFSET) {
      return UNREAD;
    }
    return micros(day * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offsetSeconds, nano);
  }

  /** The offset from {@code at} to the end ({@code Z}, {@code ±HH:MM} or {@code ±HH:MM:SS}) in seconds, or {@link #NO_OFFSET}. */
  private static int offsetSeconds(String text, int at) {
    int length = text.length() - at;
    if (length == 1 && text.charAt(at) == 'Z') {
      return 0;
    }
    if ((length != 6 && length != 9) || text.charAt(at + 3) != ':' || (length == 9 && text.charAt(at + 6) != ':')) {
      return NO_OFFSET;
    }
    char sign = text.charAt(at);
    int hours = twoDigits(text, at + 1);
    int minutes = twoDigits(text, at + 4);
    int seconds = length == 9 ? twoDigits(text, at + 7) : 0;
    int total = hours * 3600 + minutes * 60 + seconds;
    if ((sign != '+' && sign != '-') || hours < 0 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59
        || total > MAX_OFFSET_SECONDS) {
      return NO_OFFSET;
    }
    return sign == '+' ? total : -total;
  }

  /**
   * The epoch day of {@code year-MM-dd} in {@code text[0, end)}, the year either four digits
   * or signed ({@code +} past 9999, {@code -} before year 0), as {@code java.time} writes it;
   * else {@link #UNREAD}.
   */
  private static long epochDay(String text, int end) {
    int yearEnd = end - 6;
    if (yearEnd < 4 || text.charAt(yearEnd) != '-' || text.charAt(end - 3) != '-') {
      return UNREAD;
    }
    char sign = text.charAt(0);
    int first = sign == '+' || sign == '-' ? 1 : 0;
    int digits = yearEnd - first;
    if (first == 0 ? digits != 4 : digits < (sign == '+' ? 5 : 4) || digits > 9 || (digits > 4 && text.charAt(1) == '0')) {
      return UNREAD;
    }
    int year = 0;
    for (int i = first; i < yearEnd; i++) {
      char c = text.charAt(i);
      if (!isDigit(c)) {
        return UNREAD;
      }
      year = year * 10 + c - '0';
    }
    if (sign == '-') {
      year = -year;
    }
    int month = twoDigits(text, yearEnd + 1);
    int day = twoDigits(text, end - 2);
    if ((sign == '-' && year == 0) || month < 1 || month > 12 || day < 1 || day > monthLength(year, month)) {
      return UNREAD;
    }
    return epochDay(year, month, day);
  }

  /** As {@link LocalDate#toEpochDay()}. */
  private static long epochDay(long year, int month, int day) {
    long total = 365 * year;
    if (year >= 0) {
      total += (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400;
    } else {
      total -= year / -4 - year / -100 + year / -400;
    }
    total += (367 * month - 362) / 12;
    total += day - 1;
    if (month > 2) {
      total -= isLeap(year) ? 1 : 2;
    }
    return total - DAYS_0000_TO_1970;
  }

  private static int monthLength(int year, int month) {
    return switch (month) {
      case 2 -> isLeap(year) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }

  private static boolean isLeap(long year) {
    return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
  }

  /** The two-digit number at {@code at}, or -1 when either is not a digit. */
  private static int twoDigits(String text, int at) {
    char tens = text.charAt(at);
    char ones = text.charAt(at + 1);
    return isDigit(tens) && isDigit(ones) ? (tens - '0') * 10 + ones - '0' : -1;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
