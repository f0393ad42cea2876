package io.sluice.http;

/**
 * The names of the headers and trailers of Sluice's own that the HTTP API reads or writes, in
 * one place below every class that uses them.
 */
final class HeaderNames {

  /** The request's id, the client's if sane: echoed in every response, named in error bodies and log lines. */
  static final String REQUEST_ID = "X-Request-Id";
  /** The id of the last event an {@code EventSource} received, which it sends back when it reconnects. */
  static final String LAST_EVENT_ID = "Last-Event-ID";
  /** The planner's row estimate, sent with the headers of a row stream once the statement runs. */
  static final String ESTIMATED_ROWS = "Sluice-Estimated-Rows";
  /** How a row stream ended ({@code complete} or {@code sampled}): a trailer. */
  static final String STATUS_TRAILER = "Sluice-Status";
  /** The rows a row stream sent: a trailer. */
  static final String ROW_COUNT_TRAILER = "Sluice-Row-Count";

  private HeaderNames() {}
}
