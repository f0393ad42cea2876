package io.sluice.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The service's own meters, shared by all verticles of one instance and exposed at {@code
 * /metrics}: rows read from PostgreSQL, rows written to clients, streams opened and active,
 * cursors paused for lack of credit, responses waiting for their socket to drain, and what
 * sampling ({@code degrade=sample}) left out and how often it raised a rate.
 */
public final class SluiceMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter rowsRead = Counter.builder("sluice.cursor.rows.read").description("rows read from PostgreSQL").register(registry);
  private final Counter rowsWritten = Counter.builder("sluice.http.rows.written").description("rows written to HTTP clients").register(registry);
  private final Counter rowsSampledOut = Counter.builder("sluice.http.rows.sampled.out")
      .description("rows of degrade=sample streams left out by sampling").register(registry);
  private final Counter samplingRateChanges = Counter.builder("sluice.http.sampling.rate.changes")
      .description("sampling rates raised (1 to 5, 5 to 10) on degrade=sample streams").register(registry);
  private final Counter streamsOpened = Counter.builder("sluice.cursor.streams.opened").description("cursor streams opened").register(registry);
  private final AtomicInteger activeCursors = registry.gauge("sluice.cursor.streams.active", new AtomicInteger());
  private final AtomicInteger awaitingCredit = registry.gauge("sluice.cursor.streams.awaiting.credit", new AtomicInteger());
  private final AtomicInteger blockedResponses = registry.gauge("sluice.http.responses.blocked", new AtomicInteger());
  private final AtomicInteger activeResponses = registry.gauge("sluice.http.streams.active", new AtomicInteger());

  /** Streams holding a database connection, and streams waiting for one, as gauges. */
  public void admission(IntSupplier holding, IntSupplier waiting) {
    Gauge.builder("sluice.cursor.connections.held", holding::getAsInt).description("streams holding a database connection").register(registry);
    Gauge.builder("sluice.cursor.connections.waiting", waiting::getAsInt).description("streams waiting for a database connection").register(registry);
  }

  /** The database circuit breaker's state, one gauge per state, 1 for the current one. */
  public void breaker(List<String> states, Supplier<String> current) {
    for (String state : states) {
      Gauge.builder("sluice.database.breaker.state", () -> state.equals(current.get()) ? 1 : 0)
          .description("the database circuit breaker's state (1 for the current one)").tag("state", state).register(registry);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  public void rowsRead(long n) {
    rowsRead.increment(n);
  }

  public void rowsWritten(int n) {
    rowsWritten.increment(n);
  }

  /** Rows a sampling stream read but did not send. */
  public void rowsSampledOut(long n) {
    rowsSampledOut.increment(n);
  }

  public double rowsSampledOut() {
    return rowsSampledOut.count();
  }

  /** A sampling stream raised its rate (and announced it in-band). */
  public void samplingRateRaised() {
    samplingRateChanges.increment();
  }

  public double samplingRateChanges() {
    return samplingRateChanges.count();
  }

  public double rowsWritten() {
    return rowsWritten.count();
  }

  public double rowsRead() {
    return rowsRead.count();
  }

  public double streamsOpened() {
    return streamsOpened.count();
  }

  public void cursorOpened() {
    streamsOpened.increment();
    activeCursors.incrementAndGet();
  }

  public void cursorClosed() {
    activeCursors.decrementAndGet();
  }

  public int activeCursors() {
    return activeCursors.get();
  }

  public void awaitingCredit(boolean waiting) {
    if (waiting) {
      awaitingCredit.incrementAndGet();
    } else {
      awaitingCredit.decrementAndGet();
    }
  }

  /** A response's write queue filled up (true) or drained (false). */
  public void responseBlocked(boolean blocked) {
    if (blocked) {
      blockedResponses.incrementAndGet();
    } else {
      blockedResponses.decrementAndGet();
    }
  }

  /** A streamed response began (true) or ended (false). */
  public void responseActive(boolean active) {
    if (active) {
      activeResponses.incrementAndGet();
    } else {
      activeResponses.decrementAndGet();
    }
  }

  public int activeResponses() {
    return activeResponses.get();
  }

  public int blockedResponses() {
    return blockedResponses.get();
  }

  public int awaitingCredit() {
    return awaitingCredit.get();
  }
}
