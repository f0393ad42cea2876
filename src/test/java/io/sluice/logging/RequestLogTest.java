package io.sluice.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.sluice.support.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

@DisplayName("A request's log")
class RequestLogTest {

  private static final Logger LOG = LoggerFactory.getLogger("io.sluice.logging.test");
  private LogCapture capture;

  @BeforeEach
  void capture() {
    capture = LogCapture.of(LOG.getName());
  }

  @AfterEach
  void release() {
    capture.close();
    MDC.clear();
  }

  private ILoggingEvent only() {
    assertThat(capture.events()).hasSize(1);
    return capture.events().get(0);
  }

  @Test
  @DisplayName("puts the request id in the MDC of its line only, and the JSON encoder writes it as the field requestId")
  void idOnTheLine() {
    RequestLog.of(LOG, "req-1").warn("stream {} cut after {} rows", "s-1", 7, new IllegalStateException("boom"));

    ILoggingEvent event = only();
    assertThat(event.getMDCPropertyMap()).containsEntry(RequestLog.MDC_KEY, "req-1");
    assertThat(event.getFormattedMessage()).isEqualTo("stream s-1 cut after 7 rows");
    assertThat(event.getThrowableProxy().getMessage()).isEqualTo("boom");
    assertThat(capture.json().get(0).getString("requestId")).isEqualTo("req-1");
    assertThat(capture.lines()).containsExactly("WARN [req-1] stream s-1 cut after 7 rows | java.lang.IllegalStateException: boom");
    assertThat(MDC.get(RequestLog.MDC_KEY)).as("after the line").isNull();
  }

  @Test
  @DisplayName("gives back an id already in place, and logs a line without an id when it has none")
  void nested() {
    MDC.put(RequestLog.MDC_KEY, "outer");

    RequestLog.of(LOG, "inner").info("one");
    RequestLog.of(LOG, null).info("two");

    assertThat(capture.events()).extracting(e -> e.getMDCPropertyMap().get(RequestLog.MDC_KEY)).containsExactly("inner", null);
    assertThat(MDC.get(RequestLog.MDC_KEY)).isEqualTo("outer");
  }
}
