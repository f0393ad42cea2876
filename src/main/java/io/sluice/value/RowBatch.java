package io.sluice.value;

import java.util.List;

/**
 * A batch of rows, as a source reads them and the stages pass them on over the event bus: its
 * sequence number within the stream (1, 2, ...; 0 until the protocol numbers it), the rows as value arrays in the order of the columns announced when the stream
 * opened, and each row's key (its values of the dataset's ordering key, where a stream
 * resumes) as the cursor read it: transforms may drop or mask the key columns, never the
 * keys. {@code keys} is empty when the producer has none, else one per row.
 *
 * <p>Values are those of {@link Values}: what the protocol's codec can put on the wire. Within one JVM a batch is passed by reference and must not be changed after it is
 * sent.
 */
public record RowBatch(long seq, List<Object[]> rows, List<Object[]> keys) {

  public RowBatch {
    if (!keys.isEmpty() && keys.size() != rows.size()) {
      throw new IllegalArgumentException("a batch of " + rows.size() + " rows with " + keys.size() + " keys");
    }
  }

  /** A batch without keys. */
  public RowBatch(long seq, List<Object[]> rows) {
    this(seq, rows, List.of());
  }

  public int size() {
    return rows.size();
  }

  /** The key of the batch's last row, or null when there is none. */
  public Object[] lastKey() {
    return keys.isEmpty() ? null : keys.get(keys.size() - 1);
  }
}
