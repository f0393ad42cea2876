package io.sluice.support.readers;

import io.sluice.format.EncodingOptions;
import io.sluice.format.OutputFormat;
import io.sluice.value.Column;
import java.io.IOException;
import java.util.List;

/**
 * A strict reader of one response format, as the tests' oracle: it reads a body back into
 * Sluice's values (see {@link TypedValues}) and tells a complete body from a cut one the way
 * a consumer of that format can. One per format in {@link io.sluice.format.OutputFormats#ALL};
 * a format registered without one fails every contract test until it gets one.
 */
public interface FormatReader {

  /**
   * The rows of a complete body, read as strictly as the format allows.
   *
   * @throws IOException when the body is not a complete body of the format: a parser error, or
   *     the in-band record of a cut body
   */
  List<List<Object>> read(byte[] body, List<Column> columns, EncodingOptions options) throws IOException;

  /**
   * A cut body read leniently: the rows before its in-band record, and the record.
   *
   * @throws AssertionError when the body does not end with the format's cut record
   */
  Cut readCut(byte[] body, List<Column> columns, EncodingOptions options) throws IOException;

  /** Whether the format's cut record carries the resume token (the JSON-based records do; the text records do not). */
  default boolean recordCarriesResume() {
    return true;
  }

  /** Whether the format names each row with an id a client resumes from on its own (SSE's event ids). */
  default boolean namesRows() {
    return false;
  }

  /** The reader of {@code format}, by its name. */
  static FormatReader of(OutputFormat format) {
    return switch (format.name()) {
      case "ndjson" -> new NdjsonReader();
      case "json" -> new JsonArrayReader();
      case "sse" -> new SseReader();
      case "csv" -> new DelimitedReader(',');
      case "tsv" -> new DelimitedReader('\t');
      case "arrow" -> new ArrowReader();
      default -> throw new AssertionError("no strict reader for format '" + format.name()
          + "': add one to " + FormatReader.class.getPackageName() + " and name it in FormatReader.of");
    };
  }

  /**
   * What a cut body holds: the rows before the record, the record, and for formats that name
   * rows, the last row's id and the id a client holds after the whole body (SSE's {@code
   * Last-Event-ID}); both null for the others.
   */
  record Cut(List<List<Object>> rows, CutRecord record, String lastRowId, String lastEventId) {}

  /** The in-band record of a cut body: the rows sent before it, the error, and the resume token where the format carries one. */
  record CutRecord(long rows, String code, String message, String requestId, String resume) {}
}
