package io.sluice.logging;

import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * A logger bound to one request: every line it logs carries the request's id in the MDC under
 * {@value #MDC_KEY}, which the JSON format writes as a field and the text format prints as
 * {@code [<id>]} before the message (see {@code logback.xml}). Vert.x does not carry the MDC
 * from one event-loop callback to the next, so the id is put in place around each line, not
 * around a stream's life; whoever logs for a stream (in any stage, on any node) logs through
 * one of these, made from the request id the stream's {@code open} frame carries.
 */
public final class RequestLog {

  /** The MDC key, and the JSON field, of the request id. */
  public static final String MDC_KEY = "requestId";

  private final Logger logger;
  private final String requestId;

  private RequestLog(Logger logger, String requestId) {
    this.logger = logger;
    this.requestId = requestId;
  }

  /** Lines of {@code logger} for the request {@code requestId} (null: a line without an id). */
  public static RequestLog of(Logger logger, String requestId) {
    return new RequestLog(logger, requestId);
  }

  public String requestId() {
    return requestId;
  }

  /** As SLF4J's: {@code {}} placeholders, a trailing throwable is logged with its stack. */
  public void debug(String format, Object... arguments) {
    if (logger.isDebugEnabled()) {
      withId(() -> logger.debug(format, arguments));
    }
  }

  public void info(String format, Object... arguments) {
    if (logger.isInfoEnabled()) {
      withId(() -> logger.info(format, arguments));
    }
  }

  public void warn(String format, Object... arguments) {
    if (logger.isWarnEnabled()) {
      withId(() -> logger.warn(format, arguments));
    }
  }

  public void error(String format, Object... arguments) {
    if (logger.isErrorEnabled()) {
      withId(() -> logger.error(format, arguments));
    }
  }

  private void withId(Runnable line) {
    // a line logged while another request's id is in place (one stage calling another) gets its own, then the other's back
    String outer = MDC.get(MDC_KEY);
    put(requestId);
    try {
      line.run();
    } finally {
      put(outer);
    }
  }

  private static void put(String id) {
    if (id == null) {
      MDC.remove(MDC_KEY);
    } else {
      MDC.put(MDC_KEY, id);
    }
  }
}
