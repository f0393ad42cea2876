package io.sluice.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters of one stream, whatever its transport, tagged with its dataset and format (an HTTP
 * stream's format; {@code bus} or {@code bridge} for a stream of the event bus or the TCP
 * bridge, which the transform stage meters), looked up once when it starts: rows, bytes and sampled-out rows sent, the time to its first row, the time its
 * client kept it paused, and, once, how it ended and how long it took. Used on the stream's
 * event loop only.
 */
public final class StreamMeters {

  /** How a stream ended, as the {@code status} tag of {@code sluice_streams_ended_total} says it. */
  public enum Ending {
    COMPLETE, SAMPLED, PARTIAL, CANCELLED, ERROR;

    String tag() {
      return name().toLowerCase();
    }
  }

  private final SluiceMetrics metrics;
  private final String dataset;
  private final Tags tags;
  private final AtomicInteger active;
  private final Counter rows;
  private final Counter bytes;
  private final Counter sampledOut;
  private final Counter paused;
  private final long startedNanos = System.nanoTime();
  private boolean firstRow;
  private boolean ended;

  /**
   * The meters of one stream of {@code dataset} (null or unknown: {@link SluiceMetrics#UNKNOWN})
   * as {@code format}; it counts as active until {@link #ended}.
   */
  public static StreamMeters open(SluiceMetrics metrics, String dataset, String format) {
    String datasetTag = dataset == null ? SluiceMetrics.UNKNOWN : dataset;
    Tags tags = Tags.of(SluiceMetrics.DATASET, datasetTag, SluiceMetrics.FORMAT, format == null ? SluiceMetrics.UNKNOWN : format);
    return new StreamMeters(metrics, datasetTag, tags, metrics.streamStarted(tags));
  }

  private StreamMeters(SluiceMetrics metrics, String dataset, Tags tags, AtomicInteger active) {
    this.metrics = metrics;
    this.dataset = dataset;
    this.tags = tags;
    this.active = active;
    this.rows = metrics.counter("sluice.rows.sent", "rows written to clients (HTTP, or batches of the event bus and the bridge)", tags);
    this.bytes = metrics.counter("sluice.bytes.sent", "body bytes HTTP clients took, before HTTP compression", tags);
    this.sampledOut = metrics.counter("sluice.rows.sampled.out", "rows of degrade=sample streams that sampling left out", tags);
    this.paused = metrics.counter("sluice.backpressure.paused.seconds", "time HTTP responses waited for their client to take bytes", tags);
  }

  /** Rows written, and rows read but left out by sampling; the first rows stop the time-to-first-row clock. */
  public void rows(int sent, int leftOut) {
    if (sent > 0 && !firstRow) {
      firstRow = true;
      metrics.firstRowTimer(tags).record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }
    rows.increment(sent);
    if (leftOut > 0) {
      sampledOut.increment(leftOut);
    }
  }

  /** Body bytes the socket took. */
  public void bytes(long n) {
    bytes.increment(n);
  }

  /** The response waited this long for its client (a full write queue). */
  public void paused(long nanos) {
    paused.increment(nanos / 1e9);
  }

  /** The stream ended and has nothing more to send: counted by how, with its duration; once. */
  public void ended(Ending ending) {
    if (!end()) {
      return;
    }
    Tags withStatus = tags.and(SluiceMetrics.STATUS, ending.tag());
    metrics.counter("sluice.streams.ended", "streams ended, by how they ended", withStatus).increment();
    metrics.durationTimer(withStatus).record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
  }

  /** The stream was refused before its first row ({@code reason}: the error code): counted as refused, not ended. */
  public void refused(String reason) {
    if (end()) {
      metrics.refused(dataset, reason);
    }
  }

  /** Takes the stream off the active gauges, the first time only: false when it had ended already. */
  private boolean end() {
    if (ended) {
      return false;
    }
    ended = true;
    active.decrementAndGet();
    metrics.streamDone();
    return true;
  }
}
