package io.sluice.cursor;

import io.sluice.value.RawJson;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * How many rows to fetch next so that a batch holds about {@code batchBytes}: a fetch is
 * materialised whole, so with wide rows a fixed row count would bound memory in rows, not
 * bytes. The first fetch reads a single row: it reaches the client at once, and it measures
 * what the planner can only guess (32 bytes for a text column it has no statistics for, say).
 * Every later fetch follows the widest rows seen recently.
 */
final class BatchSizer {

  /** The rows of a first fetch, whose rows nobody has seen yet. */
  static final int FIRST_FETCH_ROWS = 1;
  /** Rows of a batch looked at to measure it. */
  private static final int SAMPLED_ROWS = 16;

  private final int maxRows;
  private final IntSupplier batchBytes;
  private double rowBytes;

  /** Batches of at most {@code maxRows} rows, aiming at {@code batchBytes}. */
  BatchSizer(int maxRows, int batchBytes) {
    this(maxRows, () -> batchBytes);
  }

  /** Batches of at most {@code maxRows} rows, aiming at what {@code batchBytes} says at each fetch (a share that shrinks as streams grow). */
  BatchSizer(int maxRows, IntSupplier batchBytes) {
    this.maxRows = maxRows;
    this.batchBytes = batchBytes;
  }

  /** Rows to ask for in the next fetch: at least one, at most the configured fetch size. */
  int nextFetch() {
    if (rowBytes <= 0) {
      return Math.min(maxRows, FIRST_FETCH_ROWS);
    }
    return (int) Math.min(maxRows, Math.max(1, batchBytes.getAsInt() / rowBytes));
  }

  /** Measures a batch just read: its widest sampled row sets the width for the next fetch. */
  void observe(List<Object[]> rows) {
    if (rows.isEmpty()) {
      return;
    }
    int step = Math.max(1, rows.size() / SAMPLED_ROWS);
    long widest = 0;
    for (int i = 0; i < rows.size(); i += step) {
      widest = Math.max(widest, bytes(rows.get(i)));
    }
    rowBytes = Math.max(widest, (rowBytes + widest) / 2);
  }

  /**
   * A row's approximate size on the heap, which is what the batches of a process share
   * ({@code stream.memoryBytes}): the value array and each value's objects, with a 64-bit JVM's
   * compressed references. Counting text by its length alone took a batch for a third of what it
   * holds; 64 streams then held several times their share, and the collector spent more CPU than
   * the streams themselves.
   */
  static long bytes(Object[] row) {
    long total = ARRAY + aligned(REFERENCE * (long) row.length) + KEY;
    for (Object value : row) {
      total += valueBytes(value);
    }
    return total;
  }

  /** An array's header. */
  private static final int ARRAY = 16;
  /** A reference in an array. */
  private static final int REFERENCE = 4;
  /** The row's one-column key array, which a keyset batch keeps beside it (its value is the row's). */
  private static final int KEY = ARRAY + 8;
  /** A {@link String} without its characters: the object and its array's header. */
  private static final int STRING = 24 + ARRAY;
  /** A boxed {@link Long} or {@link Double}, or another small object. */
  private static final int BOX = 16;
  /** A {@link BigDecimal} of up to 18 digits (a long inside), or the BigInteger a longer one holds. */
  private static final int DECIMAL = 40;

  private static long valueBytes(Object value) {
    if (value == null) {
      return 0;
    }
    if (value instanceof String s) {
      return STRING + aligned(s.length());
    }
    if (value instanceof byte[] b) {
      return ARRAY + aligned(b.length);
    }
    if (value instanceof RawJson json) {
      return BOX + STRING + aligned(json.text().length());
    }
    if (value instanceof BigDecimal d) {
      return d.precision() <= 18 ? DECIMAL : DECIMAL + 40 + d.precision() / 2;
    }
    if (value instanceof List<?> list) {
      long total = 24 + ARRAY + aligned(REFERENCE * (long) list.size());
      for (Object element : list) {
        total += valueBytes(element);
      }
      return total;
    }
    return BOX;
  }

  /** {@code bytes} rounded up to the JVM's 8-byte object alignment. */
  private static long aligned(long bytes) {
    return (bytes + 7) & ~7L;
  }
}
