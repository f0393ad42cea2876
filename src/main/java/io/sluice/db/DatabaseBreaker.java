package io.sluice.db;

import io.sluice.config.BreakerConfig;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's circuit breaker in front of the database (vertx-circuit-breaker), guarding the
 * opening of streams; each read replica has one of its own ({@link ReadServers}). Only unavailability counts ({@link DatabaseErrors#isUnavailable}): a busy
 * gate, a bad request, a cancel or a statement timeout never opens it. Open, it refuses streams
 * at once without touching the database, saying when to retry; after the reset timeout it lets
 * one stream through (half-open), whose success closes it again. The breaker's own operation
 * timeout is off: the stream's phases have deadlines of their own.
 */
public final class DatabaseBreaker {

  private static final Logger LOG = LoggerFactory.getLogger(DatabaseBreaker.class);

  private final CircuitBreaker breaker;
  private final long resetTimeoutNanos;
  private volatile long openedAt;

  /** The primary's breaker. */
  public DatabaseBreaker(Vertx vertx, BreakerConfig config) {
    this(vertx, config, "database");
  }

  /** The breaker of the server called {@code server} ({@code database} for the primary, a replica's host:port), as its log lines name it. */
  public DatabaseBreaker(Vertx vertx, BreakerConfig config, String server) {
    this.resetTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.resetTimeoutMs());
    this.breaker = CircuitBreaker.create("sluice-" + server, vertx, new CircuitBreakerOptions()
            .setMaxFailures(config.maxFailures())
            .setFailuresRollingWindow(config.failureWindowMs())
            .setResetTimeout(config.resetTimeoutMs())
            .setTimeout(-1)
            .setNotificationAddress(null))
        .failurePolicy(outcome -> outcome.failed() && DatabaseErrors.isUnavailable(outcome.cause()))
        .openHandler(v -> {
          openedAt = System.nanoTime();
          LOG.warn("{} circuit breaker open: new streams are refused for {} ms", server, config.resetTimeoutMs());
        })
        .halfOpenHandler(v -> LOG.info("{} circuit breaker half-open: the next stream tries it", server))
        .closeHandler(v -> LOG.info("{} circuit breaker closed: it answers again", server));
  }

  /** Runs {@code opening} through the breaker: it fails with a {@link BreakerOpenException} at once while the breaker is open. */
  public <T> Future<T> guard(Supplier<Future<T>> opening) {
    return breaker.<T>execute(opening)
        .recover(err -> Future.failedFuture(err instanceof OpenCircuitException ? refusal() : err));
  }

  /** Whether new streams are refused now (open; half-open lets one through). */
  public boolean isOpen() {
    return breaker.state() == CircuitBreakerState.OPEN;
  }

  public CircuitBreakerState state() {
    return breaker.state();
  }

  /** Why a stream is refused while the breaker is open, with the seconds until it tries the database again. */
  public BreakerOpenException refusal() {
    long left = resetTimeoutNanos - (System.nanoTime() - openedAt);
    int seconds = (int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + TimeUnit.SECONDS.toNanos(1) - 1));
    return new BreakerOpenException("database unavailable: it failed too often, so the circuit breaker refuses new streams"
        + " without trying it; it tries again in about " + seconds + " s", seconds);
  }

  public void close() {
    breaker.close();
  }
}
