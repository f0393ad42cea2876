package io.sluice.logging;

import ch.qos.logback.core.PropertyDefinerBase;
import java.io.Console;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The format of the console log, for {@code logback.xml}: {@value #JSON} (one JSON object per
 * line, for log shippers) or {@value #TEXT} (for a person at a terminal). {@value #VARIABLE}
 * chooses: {@code json}, {@code text}, or {@code auto} (the default), which is JSON unless the
 * process runs on a terminal, so a container or a redirected output gets JSON and the demo
 * started by hand gets text. An unknown value counts as {@code auto}, with a warning from Logback.
 */
public final class LogFormat extends PropertyDefinerBase {

  /** The environment variable (or system property) that chooses. */
  public static final String VARIABLE = "SLUICE_LOG_FORMAT";
  public static final String JSON = "json";
  public static final String TEXT = "text";
  private static final String AUTO = "auto";

  @Override
  public String getPropertyValue() {
    String configured = System.getProperty(VARIABLE, System.getenv(VARIABLE));
    if (configured != null && !configured.isBlank() && !Set.of(JSON, TEXT, AUTO).contains(normalized(configured))) {
      addWarn(VARIABLE + "=" + configured + " is not json, text or auto: using auto");
    }
    return choose(configured, LogFormat::onTerminal);
  }

  /** {@value #JSON} or {@value #TEXT} for the {@code configured} value (null: not set), given whether the process runs on a terminal. */
  static String choose(String configured, BooleanSupplier terminal) {
    return switch (configured == null ? AUTO : normalized(configured)) {
      case JSON -> JSON;
      case TEXT -> TEXT;
      default -> terminal.getAsBoolean() ? TEXT : JSON;
    };
  }

  private static String normalized(String configured) {
    return configured.strip().toLowerCase(Locale.ROOT);
  }

  /**
   * Whether the process runs on a terminal. Up to Java 21 {@link System#console()} is null
   * unless standard input and output both are one; from Java 22 it is there whenever the JVM
   * has a console, and {@code Console.isTerminal()} tells.
   */
  private static boolean onTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (NoSuchMethodException beforeJava22) {
      return true;
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }
}
