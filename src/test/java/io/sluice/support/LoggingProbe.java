package io.sluice.support;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sluice.logging.ProcessLogging;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * A process that sets its logging up as {@code io.sluice.Main} does, then says something
 * through each channel a library may use that a test cannot reach from outside the service:
 * {@code java.util.logging}, Hazelcast's and Netty's loggers, {@code printStackTrace}, a
 * line on {@code System.err}, an uncaught exception, an exception a Vert.x handler throws.
 * Each message starts with {@value #PREFIX}. Run with {@code target/sluice.jar} first on the
 * class path and {@code -Dlogback.configurationFile=logback.xml}, the jar's configuration.
 */
public final class LoggingProbe {

  public static final String PREFIX = "probe: ";

  private LoggingProbe() {}

  public static void main(String[] args) throws Exception {
    ProcessLogging.install();
    java.util.logging.Logger.getLogger("probe.jul").warning(PREFIX + "java.util.logging");
    com.hazelcast.logging.Logger.getLogger("probe.hazelcast").info(PREFIX + "hazelcast");
    InternalLoggerFactory.getInstance("probe.netty").warn(PREFIX + "netty");
    new IllegalStateException(PREFIX + "printed", new IllegalArgumentException(PREFIX + "its cause")).printStackTrace();
    System.err.println(PREFIX + "stderr");
    Thread thread = new Thread(() -> {
      throw new IllegalStateException(PREFIX + "uncaught");
    }, "probe-thread");
    thread.start();
    thread.join();
    Vertx vertx = Vertx.vertx();
    Context context = vertx.getOrCreateContext();
    Promise<Void> after = Promise.promise();
    context.runOnContext(v -> {
      throw new IllegalStateException(PREFIX + "unhandled");
    });
    context.runOnContext(v -> after.complete());
    after.future().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
