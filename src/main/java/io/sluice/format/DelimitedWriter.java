package io.sluice.format;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * CSV and TSV records written as UTF-8 into one byte array the encoder keeps, copied once per
 * batch into the buffer that goes to the socket. The quoting is jackson-dataformat-csv's "loose" rule, which Sluice
 * wrote through that library until the profile showed it spending a quarter of the CPU of a
 * CSV export on its char buffers and per-character checks: a field is quoted when it is empty,
 * longer than {@value #MAX_UNQUOTED} characters, or holds a character below the smallest safe
 * one (one past the largest of the separator, the quote and CR/LF); a quote inside is doubled. {@code DelimitedWriterTest} holds the
 * two byte for byte equal over seeded random rows.
 */
final class DelimitedWriter {

  /** The array's first size. */
  private static final int FIRST_SIZE = 64 * 1024;
  private static final byte QUOTE = '"';
  /** The longest text written without checking each character (jackson-csv's {@code MAX_QUOTE_CHECK}). */
  static final int MAX_UNQUOTED = 24;

  private final byte separator;
  private final char minSafe;
  private byte[] bytes = new byte[FIRST_SIZE];
  private int length;
  private boolean firstField;

  DelimitedWriter(char separator) {
    this.separator = (byte) separator;
    this.minSafe = (char) (Math.max(Math.max(separator, '"'), '\r') + 1);
  }

  /** Starts a batch. */
  void begin() {
    length = 0;
  }

  /** The batch's bytes. */
  Buffer finish() {
    return Buffer.buffer(length).appendBytes(bytes, 0, length);
  }

  void startRecord() {
    firstField = true;
  }

  void endRecord() {
    ensure(2);
    bytes[length++] = '\r';
    bytes[length++] = '\n';
  }

  /** A NULL: an empty, unquoted field. */
  void nullField() {
    field();
  }

  /** An integer's digits, never quoted. */
  void number(long value) {
    field();
    ensure(20);
    if (value == Long.MIN_VALUE) {
      ascii("-9223372036854775808");
      return;
    }
    if (value < 0) {
      bytes[length++] = '-';
      value = -value;
    }
    int digits = 1;
    for (long rest = value / 10; rest > 0; rest /= 10) {
      digits++;
    }
    int at = length + digits;
    length = at;
    do {
      bytes[--at] = (byte) ('0' + (value % 10));
      value /= 10;
    } while (value > 0);
  }

  /** A text field, quoted when it needs to be; {@code prefix} (0 for none) goes first, inside the quotes. */
  void text(String value, char prefix) {
    field();
    int n = value.length();
    int written = prefix == 0 ? n : n + 1;
    boolean quote = written == 0 || written > MAX_UNQUOTED;
    boolean ascii = true;
    boolean quotes = false;
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < minSafe) {
        quote = true;
        if (c == '"') {
          quotes = true;
        }
      } else if (c >= 0x80) {
        ascii = false;
      }
    }
    if (prefix != 0 && prefix < minSafe) {
      quote = true;
    }
    ensure((ascii ? n : n * 3) * (quotes ? 2 : 1) + 3);
    if (quote) {
      bytes[length++] = QUOTE;
    }
    if (prefix != 0) {
      bytes[length++] = (byte) prefix;
    }
    if (ascii && !quotes) {
      value.getBytes(0, n, bytes, length); // Latin-1 low bytes: the characters themselves, all below 0x80
      length += n;
    } else {
      utf8(value, quotes);
    }
    if (quote) {
      bytes[length++] = QUOTE;
    }
  }

  private void utf8(String value, boolean doubleQuotes) {
    byte[] out = bytes;
    int at = length;
    int n = value.length();
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < 0x80) {
        out[at++] = (byte) c;
        if (c == '"' && doubleQuotes) {
          out[at++] = QUOTE;
        }
      } else if (c < 0x800) {
        out[at++] = (byte) (0xC0 | (c >> 6));
        out[at++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, value.charAt(++i));
        out[at++] = (byte) (0xF0 | (cp >> 18));
        out[at++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        out[at++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        out[at++] = (byte) (0x80 | (cp & 0x3F));
      } else if (Character.isSurrogate(c)) {
        out[at++] = '?'; // a lone surrogate, as String.getBytes writes it
      } else {
        out[at++] = (byte) (0xE0 | (c >> 12));
        out[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        out[at++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    length = at;
  }

  private void ascii(String text) {
    text.getBytes(0, text.length(), bytes, length);
    length += text.length();
  }

  private void field() {
    if (firstField) {
      firstField = false;
    } else {
      ensure(1);
      bytes[length++] = separator;
    }
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 16, Math.max((long) bytes.length * 2, (long) length + more)));
    }
  }
}
