package io.sluice.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import io.sluice.logging.RequestLog;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * Records what one logger (and the loggers below it) logs while attached, for tests that
 * check what a log says or must not say. Each line is the level, the request id in brackets
 * when the line carries one (as the text format prints it), the formatted message, then the
 * class and message of every throwable in its cause chain, as an appender printing the stack
 * would show them. {@link #json()} gives the events as the JSON format writes them.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final Logger logger;
  private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
  private final LogstashEncoder json = new LogstashEncoder();

  private LogCapture(Logger logger) {
    this.logger = logger;
  }

  /** Starts recording {@code loggerName} ({@link org.slf4j.Logger#ROOT_LOGGER_NAME} for everything). */
  public static LogCapture of(String loggerName) {
    LogCapture capture = new LogCapture((Logger) LoggerFactory.getLogger(loggerName));
    capture.setContext(capture.logger.getLoggerContext());
    capture.json.setContext(capture.logger.getLoggerContext());
    capture.json.start();
    capture.start();
    capture.logger.addAppender(capture);
    return capture;
  }

  @Override
  protected void append(ILoggingEvent event) {
    // the MDC is read lazily: take it now, while the logging thread still holds it
    event.prepareForDeferredProcessing();
    events.add(event);
  }

  public List<ILoggingEvent> events() {
    return List.copyOf(events);
  }

  /** Every event as text: the level, {@code [request id]} if any, the message, then each throwable of its cause chain as {@code class: message}. */
  public List<String> lines() {
    return events.stream().map(LogCapture::text).toList();
  }

  /** All lines, one per line. */
  public String text() {
    return String.join("\n", lines());
  }

  /** The lines that mention {@code fragment}. */
  public List<String> linesWith(String fragment) {
    return lines().stream().filter(line -> line.contains(fragment)).toList();
  }

  /** Every event as the JSON format's encoder (Logstash's) writes it: its MDC and markers as fields. */
  public List<JsonObject> json() {
    return events.stream().map(event -> new JsonObject(new String(json.encode(event), StandardCharsets.UTF_8))).toList();
  }

  private static String text(ILoggingEvent event) {
    StringBuilder text = new StringBuilder(event.getLevel().toString());
    String requestId = event.getMDCPropertyMap().get(RequestLog.MDC_KEY);
    if (requestId != null) {
      text.append(" [").append(requestId).append(']');
    }
    text.append(' ').append(event.getFormattedMessage());
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      text.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
    }
    return text.toString();
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    stop();
    json.stop();
  }
}
