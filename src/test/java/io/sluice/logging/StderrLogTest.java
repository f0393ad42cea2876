package io.sluice.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.sluice.support.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@DisplayName("System.err as a log")
class StderrLogTest {

  private static final Logger LOG = LoggerFactory.getLogger("io.sluice.logging.stderr-test");
  private final ByteArrayOutputStream original = new ByteArrayOutputStream();
  private PrintStream stderr;
  private LogCapture capture;

  @BeforeEach
  void setUp() {
    capture = LogCapture.of(LOG.getName());
    stderr = StderrLog.over(LOG, new PrintStream(original, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void release() {
    capture.close();
  }

  @Test
  @DisplayName("logs a printed stack trace as one ERROR line carrying the throwable, its causes and frames, not a line per frame")
  void stackTrace() {
    IllegalStateException thrown = new IllegalStateException("boom", new IllegalArgumentException("because"));
    thrown.addSuppressed(new UnsupportedOperationException("also"));

    thrown.printStackTrace(stderr);
    stderr.println("after");

    assertThat(capture.lines()).containsExactly(
        "ERROR java.lang.IllegalStateException: boom | java.lang.IllegalStateException: boom | java.lang.IllegalArgumentException: because",
        "WARN after");
    ILoggingEvent event = capture.events().get(0);
    assertThat(event.getThrowableProxy().getStackTraceElementProxyArray()).isNotEmpty();
    assertThat(event.getThrowableProxy().getSuppressed()).hasSize(1);
    assertThat(original.size()).as("bytes printed to the original stream").isZero();
  }

  @Test
  @DisplayName("logs each line once it ends, at WARN, whatever pieces it was written in, without its line break; blank lines not at all")
  void lines() {
    stderr.print("one, ");
    stderr.print("still one");
    stderr.write('\n');
    stderr.print("two\r\n");
    stderr.println();
    stderr.println("three {} with braces");
    stderr.print("not ended");

    assertThat(capture.lines()).containsExactly("WARN one, still one", "WARN two", "WARN three {} with braces");
  }

  @Test
  @DisplayName("keeps what was printed before a stack trace on the same line as the message, as the JVM's uncaught-exception report does")
  void uncaughtReport() {
    IllegalStateException thrown = new IllegalStateException("boom");

    stderr.print("Exception in thread \"worker\" ");
    thrown.printStackTrace(stderr);

    assertThat(capture.lines()).containsExactly("ERROR Exception in thread \"worker\" | java.lang.IllegalStateException: boom");
  }

  @Test
  @DisplayName("logs lines after a throwable printed alone, even those that look like frames")
  void throwableAlone() {
    IllegalStateException thrown = new IllegalStateException("boom");

    stderr.println((Object) thrown);
    stderr.println((Object) ("\tat " + thrown.getStackTrace()[1]));
    stderr.println((Object) ("\tat " + thrown.getStackTrace()[0]));

    assertThat(capture.lines()).hasSize(3).first().isEqualTo("ERROR java.lang.IllegalStateException: boom | java.lang.IllegalStateException: boom");
  }

  @Test
  @DisplayName("prints to the original stream what is written while the logger itself logs, so a failing appender cannot loop")
  void noLoop() {
    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LOG;
    AppenderBase<ILoggingEvent> complaining = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        stderr.println("appender complains");
      }
    };
    complaining.setContext(logger.getLoggerContext());
    complaining.start();
    logger.addAppender(complaining);
    try {
      stderr.println("line");
    } finally {
      logger.detachAppender(complaining);
    }

    assertThat(original.toString(StandardCharsets.UTF_8)).isEqualTo("appender complains" + System.lineSeparator());
    assertThat(capture.lines()).containsExactly("WARN line");
  }
}
