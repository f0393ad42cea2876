package io.sluice.value;

import java.math.BigDecimal;
import java.util.List;

/**
 * The row values a batch may hold: {@code null}, {@link Boolean}, {@link Long}, {@link
 * Double}, {@link BigDecimal}, {@link String}, {@link RawJson}, {@code byte[]} and {@link
 * List} of those. This is the one place that tells them apart.
 */
public final class Values {

  private Values() {}

  /** Calls the {@code visitor} method for {@code value}'s family. */
  public static <E extends Exception> void accept(Object value, ValueVisitor<E> visitor) throws E {
    if (value == null) {
      visitor.visitNull();
    } else if (value instanceof String s) {
      visitor.visitText(s);
    } else if (value instanceof Long l) {
      visitor.visitLong(l);
    } else if (value instanceof BigDecimal d) {
      visitor.visitDecimal(d);
    } else if (value instanceof Double d) {
      visitor.visitDouble(d);
    } else if (value instanceof Boolean b) {
      visitor.visitBoolean(b);
    } else if (value instanceof RawJson json) {
      visitor.visitJson(json);
    } else if (value instanceof byte[] bytes) {
      visitor.visitBytes(bytes);
    } else if (value instanceof List<?> list) {
      visitor.visitList(list);
    } else {
      throw new IllegalArgumentException("not a row value: " + value.getClass().getName());
    }
  }

  /** The text form of a value, as CSV and TSV write it: numbers in plain notation, bytea as base64. */
  public static String text(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof byte[] bytes) {
      return java.util.Base64.getEncoder().encodeToString(bytes);
    }
    return String.valueOf(value);
  }
}
