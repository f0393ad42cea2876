package io.sluice.protocol;

import java.util.List;

/**
 * A batch of rows travelling over the event bus: its sequence number within the stream
 * (1, 2, ...), the column names and the rows as value arrays in column order.
 *
 * <p>Values are limited to {@code null}, {@link Boolean}, {@link Long}, {@link Double},
 * {@link java.math.BigDecimal}, {@link String}, {@link RawJson}, {@code byte[]} and {@link
 * List} of those: what {@link RowBatchCodec} can put on the wire. Within one JVM a batch is
 * passed by reference and must not be changed after it is sent.
 */
public record RowBatch(long seq, List<String> columns, List<Object[]> rows) {

  public int size() {
    return rows.size();
  }
}
