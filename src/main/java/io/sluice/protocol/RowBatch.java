package io.sluice.protocol;

import java.util.List;

/**
 * A batch of rows travelling over the event bus: its sequence number within the stream (1, 2,
 * ...) and the rows as value arrays in the order of the columns announced when the stream
 * opened.
 *
 * <p>Values are those of {@link io.sluice.value.Values}: what {@link RowBatchCodec} can put on
 * the wire. Within one JVM a batch is passed by reference and must not be changed after it is
 * sent.
 */
public record RowBatch(long seq, List<Object[]> rows) {

  public int size() {
    return rows.size();
  }
}
