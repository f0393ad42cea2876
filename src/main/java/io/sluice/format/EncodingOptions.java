package io.sluice.format;

/**
 * What a client may choose about an encoding: a header row (CSV/TSV), protection against
 * formula injection (CSV/TSV), and a summary record at the end of a complete body (NDJSON).
 */
public record EncodingOptions(boolean header, boolean csvSafe, boolean summary) {

  public static final EncodingOptions DEFAULTS = new EncodingOptions(true, true, false);
}
