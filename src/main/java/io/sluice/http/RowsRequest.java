package io.sluice.http;

import io.sluice.dataset.StreamRequest;
import io.sluice.format.EncodingOptions;
import io.sluice.format.OutputFormat;

/** A checked row request: what to stream, in which format, and the headers to answer with. */
record RowsRequest(StreamRequest stream, OutputFormat format, EncodingOptions options, ResponseHeaders headers) {

  static final String LIMIT = "limit";
  static final String FORMAT = "format";
  static final String HEADER = "header";
  static final String CSV_SAFE = "csv_safe";
  static final String META = "meta";
}
