package io.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.value.RowBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Sampling")
class SamplingPolicyTest {

  private static final long WINDOW = TimeUnit.SECONDS.toNanos(10);

  /** A monotonic clock the test moves by hand. */
  private long now = 1_000;

  private BlockedShareMeter meter() {
    return new BlockedShareMeter(WINDOW, () -> now);
  }

  private SamplingPolicy policy() {
    return new SamplingPolicy(meter(), 0.5);
  }

  private void pass(long nanos) {
    now += nanos;
  }

  @Test
  @DisplayName("measures the share of each window spent blocked, a block that spans windows counted in each")
  void measuresBlockedShare() {
    BlockedShareMeter meter = meter();
    pass(WINDOW / 10);
    meter.blocked(true);
    pass(WINDOW / 5);
    meter.blocked(false);
    meter.blocked(false);
    pass(WINDOW / 2);

    assertThat(meter.windowEnded()).as("the window is not over").isEmpty();
    pass(WINDOW / 5);
    meter.blocked(true);
    meter.blocked(true);
    assertThat(meter.windowEnded()).hasValue(0.2);

    pass(WINDOW / 4);
    assertThat(meter.windowEnded()).isEmpty();
    pass(WINDOW * 3 / 4);
    assertThat(meter.windowEnded()).as("blocked all along the second window").hasValue(1.0);
  }

  @Test
  @DisplayName("measures a late check over the window as long as it really was")
  void lateCheck() {
    BlockedShareMeter meter = meter();
    meter.blocked(true);
    pass(WINDOW);
    meter.blocked(false);
    pass(WINDOW);

    assertThat(meter.windowEnded()).hasValue(0.5);
  }

  @Test
  @DisplayName("raises the rate 1 -> 5 -> 10 only after windows blocked more than the allowed share, and never lowers it")
  void ratchet() {
    SamplingPolicy policy = policy();
    assertThat(policy.rate()).isEqualTo(1);

    policy.blocked(true);
    pass(WINDOW / 2);
    policy.blocked(false);
    pass(WINDOW / 2);
    assertThat(policy.check()).as("exactly the allowed share is not more than it").isFalse();
    assertThat(policy.rate()).isEqualTo(1);

    policy.blocked(true);
    pass(WINDOW * 6 / 10);
    assertThat(policy.check()).as("the window is not over").isFalse();
    pass(WINDOW * 4 / 10);
    assertThat(policy.check()).isTrue();
    assertThat(policy.rate()).isEqualTo(5);

    pass(WINDOW);
    assertThat(policy.check()).isTrue();
    assertThat(policy.rate()).isEqualTo(10);

    pass(WINDOW);
    assertThat(policy.check()).as("10 is the most").isFalse();
    policy.blocked(false);
    pass(WINDOW * 3);
    assertThat(policy.check()).isFalse();
    assertThat(policy.rate()).as("a client that keeps up again does not bring the rate down").isEqualTo(10);
  }

  @Test
  @DisplayName("sends every row at rate 1, the very batch")
  void rateOneKeepsTheBatch() {
    RowBatch batch = batch(1, 100);

    assertThat(policy().sample(batch)).isSameAs(batch);
  }

  @Test
  @DisplayName("keeps the N-th, 2N-th, ... row after the last row sent, across batches and across a change of rate")
  void keepsEveryNthRow() {
    SamplingPolicy policy = policy();
    List<Long> kept = new ArrayList<>();
    kept.addAll(ids(policy.sample(batch(1, 10))));
    blockedWindow(policy);
    kept.addAll(ids(policy.sample(batch(11, 7))));
    kept.addAll(ids(policy.sample(batch(18, 6))));
    blockedWindow(policy);
    // 23 rows read, last sent 20: three rows since, so rate 10 keeps 30, 40, ...
    kept.addAll(ids(policy.sample(batch(24, 27))));

    assertThat(kept).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 15L, 20L, 30L, 40L, 50L);
  }

  @Test
  @DisplayName("keeps each kept row's own key")
  void keysTravelWithRows() {
    SamplingPolicy policy = policy();
    blockedWindow(policy);

    RowBatch sent = policy.sample(batch(1, 12));

    assertThat(sent.keys()).extracting(key -> (Long) key[0]).containsExactly(5L, 10L);
    assertThat(sent.lastKey()).containsExactly(10L);
    assertThat(policy.sample(new RowBatch(3, List.of(row(1), row(2), row(3), row(4), row(5)))).keys()).isEmpty();
  }

  private void blockedWindow(SamplingPolicy policy) {
    policy.blocked(true);
    pass(WINDOW);
    assertThat(policy.check()).isTrue();
    policy.blocked(false);
  }

  private static RowBatch batch(long firstId, int size) {
    List<Object[]> rows = LongStream.range(firstId, firstId + size).mapToObj(SamplingPolicyTest::row).toList();
    List<Object[]> keys = LongStream.range(firstId, firstId + size).mapToObj(id -> new Object[] {id}).toList();
    return new RowBatch(firstId, rows, keys);
  }

  private static Object[] row(long id) {
    return new Object[] {id, "row " + id};
  }

  private static List<Long> ids(RowBatch batch) {
    return batch.rows().stream().map(row -> (Long) row[0]).toList();
  }
}
