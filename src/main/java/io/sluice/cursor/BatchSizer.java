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

  /** A row's approximate size: text and bytes by length, other values by a small fixed cost. */
  static long bytes(Object[] row) {
    long total = 0;
    for (Object value : row) {
      total += valueBytes(value);
    }
    return Math.max(total, 1);
  }

  private static long valueBytes(Object value) {
    if (value instanceof String s) {
      return s.length();
    }
    if (value instanceof byte[] b) {
      return b.length;
    }
    if (value instanceof RawJson json) {
      return json.text().length();
    }
    if (value instanceof BigDecimal d) {
      return 8 + d.precision();
    }
    if (value instanceof List<?> list) {
      long total = 8;
      for (Object element : list) {
        total += valueBytes(element);
      }
      return total;
    }
    return 8;
  }
}
