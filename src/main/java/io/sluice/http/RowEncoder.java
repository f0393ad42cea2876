package io.sluice.http;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/** Encodes the rows of one response, a batch at a time, into response chunks. */
interface RowEncoder {

  /** What goes before the first row (the CSV header row); may be empty. */
  Buffer start(List<String> columns);

  /** One batch of rows, in column order. */
  Buffer encode(List<Object[]> rows);
}
