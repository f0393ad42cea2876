package io.sluice.http;

import io.sluice.metrics.SluiceMetrics;
import io.sluice.metrics.StreamMeters;

/**
 * Counts one rows response in the meters: its dataset's and format's {@link StreamMeters} from
 * the start (the active gauge with them), the rows, the bytes, the time its client kept it
 * blocked, the blocked gauge and the rises of its sampling rate, and, once, how it ended.
 */
final class MetricsObserver implements StreamObserver {

  private final SluiceMetrics metrics;
  /** This stream's meters, from {@link #started}. */
  private StreamMeters meters;
  /** When the response last blocked, while it is. */
  private long blockedSince;

  MetricsObserver(SluiceMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void started(String dataset, String format) {
    meters = StreamMeters.open(metrics, dataset, format);
  }

  @Override
  public void rows(int sent, int leftOut) {
    meters.rows(sent, leftOut);
  }

  @Override
  public void bytes(int n) {
    meters.bytes(n);
  }

  @Override
  public void blocked(boolean blocked) {
    metrics.responseBlocked(blocked);
    if (blocked) {
      blockedSince = System.nanoTime();
    } else {
      meters.paused(System.nanoTime() - blockedSince);
    }
  }

  @Override
  public void samplingRaised() {
    metrics.samplingRateRaised();
  }

  /**
   * Counts how the stream ended: a refusal before any byte by its error code, unless the
   * service failed (a 5xx other than 503), which is an error; otherwise as the client saw it.
   */
  @Override
  public void delivered(Outcome outcome) {
    switch (outcome.status()) {
      case AuditLog.REFUSED -> {
        if (outcome.httpStatus() >= 500 && outcome.httpStatus() != 503) {
          meters.ended(StreamMeters.Ending.ERROR);
        } else {
          meters.refused(outcome.errorCode());
        }
      }
      case AuditLog.PARTIAL -> meters.ended(StreamMeters.Ending.PARTIAL);
      case AuditLog.CANCELLED -> meters.ended(StreamMeters.Ending.CANCELLED);
      case AuditLog.SAMPLED -> meters.ended(StreamMeters.Ending.SAMPLED);
      default -> meters.ended(StreamMeters.Ending.COMPLETE);
    }
  }
}
