package io.sluice.stage;

import io.sluice.dataset.StreamRequest;
import io.sluice.error.Failure;
import io.sluice.limits.ClientLimiter;
import io.sluice.limits.Throttle;
import io.sluice.metrics.StreamMeters;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamProducer;
import io.sluice.resume.ResumeTokens;

/**
 * One admitted bus or bridge stream, as {@link Governance} governs it through the transform
 * stage: the request at the position it starts from, its meters, its client's stream slot and
 * quota, its rate cap and the minter of its resume tokens. {@link #ended} releases it all, once.
 */
final class GovernedStream {

  private final StreamRequest request;
  private final StreamMeters meters;
  private final ClientLimiter.Lease lease;
  private final Throttle throttle;
  private final ResumeTokens.Minter minter;
  private final String startToken;
  private long rows;
  private boolean ended;

  GovernedStream(StreamRequest request, StreamMeters meters, ClientLimiter.Lease lease, Throttle throttle, ResumeTokens.Minter minter,
      String startToken) {
    this.request = request;
    this.meters = meters;
    this.lease = lease;
    this.throttle = throttle;
    this.minter = minter;
    this.startToken = startToken;
  }

  /** The request to open upstream: at the position its resume token held, if any. */
  StreamRequest request() {
    return request;
  }

  /** The stream's batches carry its resume tokens, and its error frame the last of them. */
  void mintTokens(StreamProducer downstream) {
    downstream.resumeTokens(startToken, minter::afterRow);
  }

  /** {@code refilled} runs when the rate cap, empty, gives rows again. */
  void onRefill(Runnable refilled) {
    throttle.start(refilled);
  }

  /** The error the stream ends with when its client's quota is used up, or null while some is left. */
  StreamError quotaExhausted() {
    Failure exhausted = lease.quotaExhausted();
    return exhausted == null ? null : StreamError.of(exhausted);
  }

  /** {@code n} rows went downstream: counted, charged to the quota, taken from the rate cap. */
  void sent(int n) {
    rows += n;
    meters.rows(n, 0);
    lease.charge(n, 0);
    throttle.take(n);
  }

  /** True while the rate cap is empty: nothing more should go downstream. */
  boolean holdsBack() {
    return throttle.empty();
  }

  /** The stream completed. */
  void completed() {
    end(StreamMeters.Ending.COMPLETE);
  }

  /** The consumer left. */
  void cancelled() {
    end(StreamMeters.Ending.CANCELLED);
  }

  /**
   * The stream failed with {@code error}: after rows, it was cut ({@code partial}); before any, it
   * counts as HTTP counts a refusal before its first byte: refused by its code, unless the
   * service failed (a 5xx other than 503), which is an error.
   */
  void failed(StreamError error) {
    if (rows > 0) {
      end(StreamMeters.Ending.PARTIAL);
    } else if (error.status() >= 500 && error.status() != 503) {
      end(StreamMeters.Ending.ERROR);
    } else {
      release();
      meters.refused(error.code());
    }
  }

  private void end(StreamMeters.Ending ending) {
    release();
    meters.ended(ending);
  }

  private void release() {
    if (!ended) {
      ended = true;
      throttle.stop();
      lease.release();
    }
  }
}
