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
    ResumeTokens.Minter tokens, boolean sample, Long maxRowsPerSecond) {}
