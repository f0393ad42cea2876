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

  /**
   * What row {@code i} of a followed stream is ({@link ChangeKey}): {@code insert}, {@code
   * update} or {@code delete} for a change, {@code live} or {@code must-refetch} for a status
   * record (its row is all nulls and not a row); null for a snapshot row or a stream that does
   * not follow.
   */
  public String op(int i) {
    Object[] key = keys.isEmpty() ? null : keys.get(i);
    return ChangeKey.is(key) ? ChangeKey.op(key) : null;
  }

  /** The LSN (PostgreSQL's text form) of the commit of row {@code i}'s change or status, or null (a snapshot row, {@code must-refetch}). */
  public String lsn(int i) {
    Object[] key = keys.isEmpty() ? null : keys.get(i);
    return ChangeKey.is(key) ? ChangeKey.lsn(key) : null;
  }

  /** Whether row {@code i} is a followed stream's status record ({@code live}, {@code must-refetch}) rather than a row. */
  public boolean isStatus(int i) {
    Object[] key = keys.isEmpty() ? null : keys.get(i);
    return ChangeKey.is(key) && ChangeKey.isStatus(key);
  }

  /**
   * Whether this batch is a keyset stream's {@code moved} record ({@link MovedKey}), alone in its
   * batch: the stream goes on on another server; its one row is all nulls and not a row.
   */
  public boolean isMoved() {
    return keys.size() == 1 && MovedKey.is(keys.get(0));
  }

  /** The key of the batch's last row, or null when there is none. */
  public Object[] lastKey() {
    return keys.isEmpty() ? null : keys.get(keys.size() - 1);
  }
}
