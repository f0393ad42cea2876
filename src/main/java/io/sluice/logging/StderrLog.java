package io.sluice.logging;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code System.err} that logs instead of printing, to the logger {@value #LOGGER}: each
 * line written to it becomes one WARN line, and a throwable printed by {@code
 * printStackTrace} (as vertx-sql-client does with an error of a connection that has no
 * exception handler) one ERROR line that carries the throwable, its stack inside the line as
 * the encoder writes any throwable's, instead of a line per frame. What the logging itself
 * writes to {@code System.err} goes to the original stream, so a failing appender cannot loop.
 */
public final class StderrLog extends PrintStream {

  /** The logger of what was written to {@code System.err}. */
  public static final String LOGGER = "stderr";

  private final Sink sink;

  private StderrLog(Sink sink) {
    super(sink, true, StandardCharsets.UTF_8);
    this.sink = sink;
  }

  /** A stream logging to {@value #LOGGER}, falling back to {@code original} while that logger writes. */
  public static StderrLog over(PrintStream original) {
    return over(LoggerFactory.getLogger(LOGGER), original);
  }

  static StderrLog over(Logger logger, PrintStream original) {
    return new StderrLog(new Sink(logger, original));
  }

  /** {@code Throwable.printStackTrace} prints the throwable itself, then each line of its stack, through this method. */
  @Override
  public void println(Object x) {
    if (sink.passThrough()) {
      sink.original.println(x);
    } else if (x instanceof Throwable thrown) {
      sink.logThrowable(thrown);
    } else if (!sink.isNextFrame(String.valueOf(x))) {
      super.println(x);
    }
  }

  /** What one thread has written: the line it has not ended yet, the lines of a stack it is printing. */
  private static final class Pending {
    final ByteArrayOutputStream line = new ByteArrayOutputStream();
    final Deque<String> frames = new ArrayDeque<>();
    boolean logging;
  }

  /** Cuts bytes into lines, per thread, and logs each. */
  private static final class Sink extends OutputStream {

    private final Logger logger;
    private final PrintStream original;
    private final ThreadLocal<Pending> pending = ThreadLocal.withInitial(Pending::new);

    Sink(Logger logger, PrintStream original) {
      this.logger = logger;
      this.original = original;
    }

    /** Whether this thread is inside the logger, whose own complaints must not come back here. */
    boolean passThrough() {
      return pending.get().logging;
    }

    @Override
    public void write(int b) {
      Pending mine = pending.get();
      if (mine.logging) {
        original.write(b);
      } else if (b == '\n') {
        String line = mine.line.toString(StandardCharsets.UTF_8);
        mine.line.reset();
        mine.frames.clear();
        logLine(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
      } else {
        mine.line.write(b);
      }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        write(bytes[i]);
      }
    }

    @Override
    public void flush() {
      // a line is logged when it ends
    }

    @Override
    public void close() {
      // System.err is not closed
    }

    /** Logs {@code thrown}, with what the thread printed before it on the same line, and expects the lines of its stack next. */
    void logThrowable(Throwable thrown) {
      Pending mine = pending.get();
      String before = mine.line.toString(StandardCharsets.UTF_8).strip();
      mine.line.reset();
      mine.frames.clear();
      mine.frames.addAll(stackLines(thrown));
      log(() -> logger.error("{}", before.isEmpty() ? thrown.toString() : before, thrown));
    }

    /** Whether {@code line} is the next line of the stack of the throwable just logged, which carries it already. */
    boolean isNextFrame(String line) {
      Deque<String> frames = pending.get().frames;
      if (line.equals(frames.peekFirst())) {
        frames.removeFirst();
        return true;
      }
      frames.clear();
      return false;
    }

    private void logLine(String line) {
      if (!line.isBlank()) {
        log(() -> logger.warn("{}", line));
      }
    }

    private void log(Runnable line) {
      Pending mine = pending.get();
      mine.logging = true;
      try {
        line.run();
      } finally {
        mine.logging = false;
      }
    }

    /** The lines {@code printStackTrace} prints after the throwable's own. */
    private static Deque<String> stackLines(Throwable thrown) {
      Deque<String> lines = new ArrayDeque<>();
      thrown.printStackTrace(new PrintWriter(new StringWriter()) {
        @Override
        public void println(Object x) {
          lines.add(String.valueOf(x));
        }
      });
      lines.pollFirst(); // the throwable itself
      return lines;
    }
  }
}
