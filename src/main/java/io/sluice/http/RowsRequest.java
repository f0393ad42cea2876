package io.sluice.http;

import io.sluice.dataset.StreamRequest;
import io.sluice.format.EncodingOptions;
import io.sluice.format.OutputFormat;
import io.sluice.resume.ResumeTokens;

/**
 * A checked row request: what to stream, in which format, the headers to answer with, how
 * to mint the resume tokens of its rows, whether it may be sampled ({@code degrade=sample}),
 * and the most rows per second it may send ({@code max_rate} or the dataset's maximum; null for no cap).
 */
record RowsRequest(StreamRequest stream, OutputFormat format, EncodingOptions options, ResponseHeaders headers,
    ResumeTokens.Minter tokens, boolean sample, Long maxRowsPerSecond) {

  static final String LIMIT = "limit";
  static final String FORMAT = "format";
  static final String HEADER = "header";
  static final String CSV_SAFE = "csv_safe";
  static final String META = "meta";
  static final String RESUME = "resume";
  static final String DEGRADE = "degrade";
  static final String MAX_RATE = "max_rate";
  /** The one {@code degrade=} value: sample the rows of a stream whose client keeps it blocked. */
  static final String SAMPLE = "sample";
}
