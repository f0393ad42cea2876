package io.sluice.logging;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Routes every channel through which the process writes log lines into SLF4J, so that
 * Logback's one encoder (the format {@link LogFormat} chooses) writes them all and a JSON log
 * holds nothing but JSON objects, one a line. Installed once, first thing at process start
 * ({@code io.sluice.Main}):
 *
 * <ul>
 *   <li>Vert.x's own logging: SLF4J, by {@value #VERTX_LOGGER_PROPERTY}, whatever else is
 *       on the class path; its unhandled exceptions ("Unhandled exception") go through it.
 *   <li>Hazelcast's: SLF4J, by {@value #HAZELCAST_LOGGING_PROPERTY}, for the loggers it makes
 *       before (and outside) a member's configuration too.
 *   <li>{@code java.util.logging}: jul-to-slf4j's bridge replaces the console handler of its
 *       root logger.
 *   <li>Uncaught exceptions: logged by the thread's default handler instead of printed.
 *   <li>Everything else written to {@code System.err} (a library's {@code printStackTrace}):
 *       {@link StderrLog}.
 * </ul>
 *
 * Netty chooses SLF4J by itself when it finds it bound, as it is here. Standard output stays
 * as it is: it is where Logback's console appender writes.
 */
public final class ProcessLogging {

  /** The system property that chooses Vert.x's logging; read once, when Vert.x logs first. */
  public static final String VERTX_LOGGER_PROPERTY = "vertx.logger-delegate-factory-class-name";
  /** The system property that chooses the logging of Hazelcast's loggers made outside a member. */
  public static final String HAZELCAST_LOGGING_PROPERTY = "hazelcast.logging.type";
  /** The logger of uncaught exceptions. */
  public static final String UNCAUGHT_LOGGER = "uncaught";

  private static final AtomicBoolean INSTALLED = new AtomicBoolean();

  private ProcessLogging() {}

  /** Routes everything into SLF4J; a second call does nothing. Call it before anything logs, Vert.x and Hazelcast above all. */
  public static void install() {
    if (!INSTALLED.compareAndSet(false, true)) {
      return;
    }
    // before Vert.x and Hazelcast read them; an operator's -D choice stands
    System.getProperties().putIfAbsent(VERTX_LOGGER_PROPERTY, "io.vertx.core.logging.SLF4JLogDelegateFactory");
    System.getProperties().putIfAbsent(HAZELCAST_LOGGING_PROPERTY, "slf4j");
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    Logger uncaught = LoggerFactory.getLogger(UNCAUGHT_LOGGER);
    Thread.setDefaultUncaughtExceptionHandler((thread, err) -> uncaught.error("uncaught exception in thread {}", thread.getName(), err));
    System.setErr(StderrLog.over(System.err));
  }
}
