package io.sluice.http;

import io.sluice.config.HttpConfig;
import io.sluice.config.StreamConfig;
import io.sluice.error.Failure;
import io.sluice.limits.ClientLimiter;
import io.sluice.limits.Throttle;
import io.sluice.protocol.StreamError;
import io.sluice.value.RowBatch;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * How a rows response may deliver, composed of one small part per concern, each with its own
 * timer: the client's {@link ClientLimiter.Lease lease} (its stream slot and its quota of rows
 * and bytes), {@link Sampler sampling} ({@code degrade=sample}), the {@link Throttle rate cap},
 * the {@link StallWatch stall watch} and the {@link Heartbeat heartbeats}. It decides; the
 * response, its {@link Target}, acts. {@link #stop} ends every part and releases the lease,
 * once, when the response finishes however it ends.
 */
final class DeliveryPolicy {

  /** What the policy asks of the response it governs; never after {@link #stop}. */
  interface Target {

    /** The response wrote nothing for the heartbeat interval: send the format's heartbeat. */
    void heartbeat();

    /** The client took nothing for the stall timeout while the response waited on it: end with {@code error}. */
    void stalled(StreamError error);

    /** Sampling now keeps one row in {@code rate}: announce it before the next row. */
    void samplingRaised(int rate);

    /** The rate cap refilled: resume the stream unless the socket still holds it back. */
    void drain();
  }

  private final ClientLimiter.Lease lease;
  private final Sampler sampler;
  private final Throttle throttle;
  private final StallWatch stall;
  private final Heartbeat heartbeat;
  private Target target;
  private boolean stopped;

  DeliveryPolicy(ClientLimiter.Lease lease, Sampler sampler, Throttle throttle, StallWatch stall, Heartbeat heartbeat) {
    this.lease = lease;
    this.sampler = sampler;
    this.throttle = throttle;
    this.stall = stall;
    this.heartbeat = heartbeat;
  }

  /**
   * The policy of a response that {@code framing} frames for {@code rows}: sampled if it asked,
   * capped at its rate (in bursts of about one batch, never more than a second's worth), the
   * stall timeout and heartbeats of {@code http}.
   */
  static DeliveryPolicy of(Vertx vertx, HttpConfig http, StreamConfig stream, ResponseFraming framing, ClientLimiter.Lease lease,
      RowsRequest rows) {
    long samplingWindowNanos = TimeUnit.SECONDS.toNanos(http.sampleWindowSeconds());
    SamplingPolicy sampling = rows.sample()
        ? new SamplingPolicy(new BlockedShareMeter(samplingWindowNanos, System::nanoTime), http.sampleBlockedShare())
        : null;
    return new DeliveryPolicy(lease,
        new Sampler(vertx, sampling, samplingWindowNanos),
        Throttle.of(vertx, rows.maxRowsPerSecond(), stream.fetchSize()),
        new StallWatch(vertx, TimeUnit.SECONDS.toNanos(http.stallTimeoutSeconds()), framing::nanosSinceTaken),
        new Heartbeat(vertx, TimeUnit.SECONDS.toNanos(http.heartbeatSeconds()), framing::nanosSinceWrite));
  }

  /** The response starts: the stall watch and sampling's windows start, and {@code target} hears what they decide. */
  void start(Target target) {
    this.target = target;
    stall.start(target::stalled);
    sampler.start(target::samplingRaised);
    throttle.start(target::drain);
  }

  /** The statement runs: from now on a quiet response beats, if its format has a heartbeat ({@code formatBeats}). */
  void streamStarted(BooleanSupplier formatBeats) {
    if (!stopped) {
      heartbeat.start(formatBeats, target::heartbeat);
    }
  }

  /** The error the stream ends with when its client's quota is used up in this window, or null while some is left. */
  StreamError quotaExhausted() {
    Failure exhausted = lease.quotaExhausted();
    return exhausted == null ? null : StreamError.of(exhausted);
  }

  /** The rows of {@code batch} to send: all of them unless sampling. */
  RowBatch sample(RowBatch batch) {
    return sampler.sample(batch);
  }

  /** The response received {@code read} rows and sent {@code sent} of them in {@code bytes}: charged to the quota and the rate cap. */
  void delivered(int read, int sent, int bytes) {
    lease.charge(sent, bytes);
    throttle.take(read);
  }

  /** True while the rate cap is empty: the response's write queue counts as full, so the pipe pauses the stream. */
  boolean holdsBack() {
    return throttle.empty();
  }

  /** The response blocked on its socket (true), or drained (false): the stall watch and sampling measure it. */
  void blocked(boolean nowBlocked) {
    stall.blocked(nowBlocked);
    sampler.blocked(nowBlocked);
  }

  /** One row in this many is sent. */
  int samplingRate() {
    return sampler.rate();
  }

  /** Ends every part and releases the client's stream slot; the response finished. */
  void stop() {
    stopped = true;
    heartbeat.stop();
    stall.stop();
    sampler.stop();
    throttle.stop();
    lease.release();
  }
}
