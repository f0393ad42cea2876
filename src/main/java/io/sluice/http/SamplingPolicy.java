package io.sluice.http;

import io.sluice.value.RowBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * When a stream that asked for {@code degrade=sample} samples its rows, and which it keeps.
 * Each window in which the response spent more than the allowed share blocked on its client
 * raises the rate one step, 1 → 5 → 10, and never lowers it: a body's density only ever
 * falls, each fall announced. At rate N the N-th, 2N-th, ... row after the last row kept is
 * kept, counting across batches and across a change of rate, so a new rate applies exactly
 * from the row after the last row sent.
 */
final class SamplingPolicy {

  /** The rates, one in N rows kept, in the order they are reached. */
  static final int[] RATES = {1, 5, 10};

  private final BlockedShareMeter meter;
  private final double allowedShare;
  private int step;
  /** Rows seen since the last row kept. */
  private int sinceKept;

  SamplingPolicy(BlockedShareMeter meter, double allowedShare) {
    this.meter = meter;
    this.allowedShare = allowedShare;
  }

  /** The response blocked on its socket (true) or drained (false). */
  void blocked(boolean nowBlocked) {
    meter.blocked(nowBlocked);
  }

  /** One row in {@code rate()} is kept. */
  int rate() {
    return RATES[step];
  }

  /**
   * Closes the measuring window if it is over, and raises the rate when the response spent
   * more than the allowed share of it blocked; true when the rate went up.
   */
  boolean check() {
    OptionalDouble share = meter.windowEnded();
    if (share.isEmpty() || share.getAsDouble() <= allowedShare || step == RATES.length - 1) {
      return false;
    }
    step++;
    return true;
  }

  /** The rows of {@code batch} that the current rate keeps, with their keys; the batch itself at rate 1. */
  RowBatch sample(RowBatch batch) {
    int rate = rate();
    if (rate == 1) {
      return batch;
    }
    boolean keyed = !batch.keys().isEmpty();
    List<Object[]> rows = new ArrayList<>(batch.size() / rate + 1);
    List<Object[]> keys = keyed ? new ArrayList<>(batch.size() / rate + 1) : List.of();
    for (int i = 0; i < batch.size(); i++) {
      if (++sinceKept >= rate) {
        sinceKept = 0;
        rows.add(batch.rows().get(i));
        if (keyed) {
          keys.add(batch.keys().get(i));
        }
      }
    }
    return new RowBatch(batch.seq(), rows, keys);
  }
}
