package io.sluice.format;

/**
 * What a client may choose about an encoding: a header row (CSV/TSV), protection against
 * formula injection (CSV/TSV), and a summary record at the end of a complete body (NDJSON);
 * how a format that names each row (SSE) names it from the row's key ({@code rowIds},
 * null to number the rows instead); and the process's budget for Arrow's off-heap vectors
 * ({@code arrowMemory}; null gives each Arrow encoder a budget of its own, for tools and tests).
 */
public record EncodingOptions(boolean header, boolean csvSafe, boolean summary, RowIds rowIds, ArrowMemory arrowMemory) {

  public static final EncodingOptions DEFAULTS = new EncodingOptions(true, true, false);

  public EncodingOptions(boolean header, boolean csvSafe, boolean summary) {
    this(header, csvSafe, summary, null, null);
  }

  public EncodingOptions withRowIds(RowIds ids) {
    return new EncodingOptions(header, csvSafe, summary, ids, arrowMemory);
  }

  /** The same options, Arrow's vectors allocated under {@code memory}'s cap. */
  public EncodingOptions withArrowMemory(ArrowMemory memory) {
    return new EncodingOptions(header, csvSafe, summary, rowIds, memory);
  }

  /** A row's name from its key: for SSE, the event id with which a browser resumes. */
  @FunctionalInterface
  public interface RowIds {
    String of(Object[] key);
  }
}
