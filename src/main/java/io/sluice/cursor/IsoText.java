package io.sluice.cursor;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The ISO-8601 text of timestamps, as {@link DateTimeFormatter#ISO_LOCAL_DATE_TIME} and {@link
 * DateTimeFormatter#ISO_OFFSET_DATE_TIME} write it (seconds always, the fraction without its
 * trailing zeros, {@code Z} for UTC), written straight into one array: the formatter's context,
 * builder and copies cost more than the row's other values together. Years outside 0-9999
 * (a sign, more digits) go to the formatter.
 */
final class IsoText {

  /** {@code yyyy-MM-ddTHH:mm:ss.nnnnnnnnn}: the longest local text written here. */
  private static final int MAX_LOCAL = 29;

  private IsoText() {}

  static String of(LocalDateTime t) {
    if (t.getYear() < 0 || t.getYear() > 9999) {
      return t.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
    }
    byte[] text = new byte[MAX_LOCAL];
    int end = local(t, text);
    return new String(text, 0, 0, end);
  }

  static String of(OffsetDateTime t) {
    if (t.getYear() < 0 || t.getYear() > 9999) {
      return t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
    ZoneOffset offset = t.getOffset();
    String zone = offset.getTotalSeconds() == 0 ? "Z" : offset.getId();
    byte[] text = new byte[MAX_LOCAL + zone.length()];
    int end = local(t.toLocalDateTime(), text);
    for (int i = 0; i < zone.length(); i++) {
      text[end++] = (byte) zone.charAt(i);
    }
    return new String(text, 0, 0, end);
  }

  @SuppressWarnings("deprecation") // String(byte[], hibyte, offset, count): Latin-1 bytes straight into a String, no decoder
  private static int local(LocalDateTime t, byte[] text) {
    int year = t.getYear();
    digits(text, 0, year / 100);
    digits(text, 2, year % 100);
    text[4] = '-';
    digits(text, 5, t.getMonthValue());
    text[7] = '-';
    digits(text, 8, t.getDayOfMonth());
    text[10] = 'T';
    digits(text, 11, t.getHour());
    text[13] = ':';
    digits(text, 14, t.getMinute());
    text[16] = ':';
    digits(text, 17, t.getSecond());
    int nano = t.getNano();
    if (nano == 0) {
      return 19;
    }
    text[19] = '.';
    int end = 29;
    for (int i = 28; i >= 20; i--) {
      text[i] = (byte) ('0' + nano % 10);
      nano /= 10;
    }
    while (text[end - 1] == '0') {
      end--;
    }
    return end;
  }

  private static void digits(byte[] text, int at, int value) {
    text[at] = (byte) ('0' + value / 10);
    text[at + 1] = (byte) ('0' + value % 10);
  }
}
