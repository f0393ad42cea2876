package io.sluice.http;

import io.sluice.dataset.StreamRequest;
import io.sluice.format.EncodingOptions;
import io.sluice.format.OutputFormat;
import io.sluice.resume.ResumeTokens;

/**
 * A checked row request: what to stream, in which format, the headers to answer with, how
 * to mint the resume tokens of its rows, and whether it may be sampled ({@code degrade=sample}).
 */
record RowsRequest(StreamRequest stream, OutputFormat format, EncodingOptions options, ResponseHeaders headers,
    ResumeTokens.Minter tokens, boolean sample) {

  static final String LIMIT = "limit";
  static final String FORMAT = "format";
  static final String HEADER = "header";
  static final String CSV_SAFE = "csv_safe";
  static final String META = "meta";
  static final String RESUME = "resume";
  static final String DEGRADE = "degrade";
  /** The one {@code degrade=} value: sample the rows of a stream whose client keeps it blocked. */
  static final String SAMPLE = "sample";
}
