package io.sluice.format;

import io.sluice.value.Column;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Encodes the rows of one response into body chunks: what goes before the first row, one
 * batch at a time, what ends a complete body, and the in-band record that marks a cut one.
 * One encoder serves one response and is used from one thread.
 */
public interface RowEncoder {

  /** What goes before the first row (a header row, say), given the typed columns; may be empty. */
  Buffer start(List<Column> columns);

  /** One batch of rows, in column order. */
  Buffer encode(List<Object[]> rows);

  /** One batch of rows with each row's key (an empty list when there are none), for formats that name rows by it. */
  default Buffer encode(List<Object[]> rows, List<Object[]> keys) {
    return encode(rows);
  }

  /**
   * The in-band record announcing a change of sampling rate, written before the first row it
   * applies to; only formats whose {@link OutputFormat#marksSampling()} is true have one.
   */
  default Buffer samplingChange(SamplingChange change) {
    throw new UnsupportedOperationException(getClass().getName() + " cannot mark sampling in-band");
  }

  /**
   * The in-band record saying that the stream moved to another server and goes on there
   * ({@link MovedRecord}), written before the first row read there; {@code null} when the format
   * has no in-band records (CSV, TSV, Arrow): the body just goes on.
   */
  default Buffer moved(MovedRecord moved) {
    return null;
  }

  /** What ends a complete body (a sampled one too); may be empty. */
  Buffer end(StreamSummary summary);

  /**
   * The last thing written to a body that is about to be cut: a record that strict readers of
   * the format see as an error, so that a consumer behind a pipe or a proxy cannot take a cut
   * body for a complete one.
   */
  Buffer cut(StreamSummary summary);

  /**
   * What keeps a quiet stream alive through proxies without changing what parsers read (a
   * blank line, a comment, whitespace), or {@code null} when the format has no such thing.
   */
  default Buffer heartbeat() {
    return null;
  }

  /** Releases what the encoder holds (off-heap vectors, say); called once the response is over, however it ended. */
  default void close() {}
}
