package io.sluice.format;

/**
 * What a client may choose about an encoding: a header row (CSV/TSV), protection against
 * formula injection (CSV/TSV), and a summary record at the end of a complete body (NDJSON);
 * and how a format that names each row (SSE) names it from the row's key ({@code rowIds},
 * null to number the rows instead).
 */
public record EncodingOptions(boolean header, boolean csvSafe, boolean summary, RowIds rowIds) {

  public static final EncodingOptions DEFAULTS = new EncodingOptions(true, true, false);

  public EncodingOptions(boolean header, boolean csvSafe, boolean summary) {
    this(header, csvSafe, summary, null);
  }

  public EncodingOptions withRowIds(RowIds ids) {
    return new EncodingOptions(header, csvSafe, summary, ids);
  }

  /** A row's name from its key: for SSE, the event id with which a browser resumes. */
  @FunctionalInterface
  public interface RowIds {
    String of(Object[] key);
  }
}
