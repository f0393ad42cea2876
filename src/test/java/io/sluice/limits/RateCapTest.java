package io.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The rate cap's token bucket")
class RateCapTest {

  private long now = 1_000_000_000_000L;

  private RateCap cap(long rate, long burst) {
    return new RateCap(rate, burst, () -> now);
  }

  @Test
  @DisplayName("gives its burst at once, then is empty until the rows beyond it are paid for")
  void burstThenEmpty() {
    RateCap cap = cap(1000, 100);

    cap.take(100);
    assertThat(cap.empty()).isFalse();
    cap.take(1);

    assertThat(cap.empty()).isTrue();
    assertThat(cap.nanosUntilAvailable()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1));
  }

  @Test
  @DisplayName("takes a whole batch into debt, and gives rows again once the debt is paid")
  void batchIntoDebt() {
    RateCap cap = cap(1000, 100);

    cap.take(1);
    cap.take(600);

    assertThat(cap.nanosUntilAvailable()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(501));
    now += TimeUnit.MILLISECONDS.toNanos(500);
    assertThat(cap.empty()).isTrue();
    now += TimeUnit.MILLISECONDS.toNanos(1);
    assertThat(cap.empty()).isFalse();
  }

  @Test
  @DisplayName("counts idle time for no more than the burst")
  void idleTimeIsCapped() {
    RateCap cap = cap(1000, 100);

    now += TimeUnit.SECONDS.toNanos(60);
    cap.take(100);
    assertThat(cap.empty()).isFalse();
    cap.take(1);

    assertThat(cap.empty()).isTrue();
  }

  @Test
  @DisplayName("charges rates that do not divide a second exactly without drifting: 3 rows/s, 3 rows a second")
  void unevenRate() {
    RateCap cap = cap(3, 1);

    for (int i = 0; i < 3_000; i++) {
      cap.take(1);
      now += cap.nanosUntilAvailable();
    }

    // the reader waited for 2,999 rows (the first was the burst): 2,999 thirds of a second, each rounded up by under a nanosecond
    long exact = 2_999 * 1_000_000_000L / 3;
    assertThat(now - 1_000_000_000_000L).isBetween(exact, exact + 2_999);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 7, 42, 2024, 99991})
  @DisplayName("never gives more than rate * t + burst before a take, and a greedy reader gets the rate, whatever the batches and pauses")
  void boundAndRate(long seed) {
    Random random = new Random(seed);
    long rate = 1 + random.nextInt(5_000);
    long burst = Math.min(rate, 1 + random.nextInt(1_000));
    int maxBatch = 1 + random.nextInt(1_000);
    RateCap cap = cap(rate, burst);
    long start = now;
    long taken = 0;
    while (now - start < TimeUnit.SECONDS.toNanos(120)) {
      // a reader that is sometimes slower than the cap, and sometimes waits a little longer than it needs to
      now += cap.nanosUntilAvailable() + (random.nextInt(4) == 0 ? random.nextInt(5_000_000) : 0);
      assertThat(cap.empty()).isFalse();
      double allowance = rate * ((now - start) / 1e9) + burst;
      assertThat((double) taken).as("rows taken before a take at %d ns", now - start).isLessThanOrEqualTo(allowance);
      int batch = 1 + random.nextInt(maxBatch);
      cap.take(batch);
      taken += batch;
    }
    double seconds = (now - start) / 1e9;
    assertThat(taken / seconds).as("rows/s at %d rows/s, batches up to %d", rate, maxBatch)
        .isLessThanOrEqualTo(rate + (burst + maxBatch) / seconds);
  }

  @Test
  @DisplayName("a reader that waits exactly as long as it is told reads at the rate")
  void greedyReaderGetsTheRate() {
    RateCap cap = cap(2_500, 100);
    long start = now;
    long taken = 0;
    while (now - start < TimeUnit.SECONDS.toNanos(100)) {
      now += cap.nanosUntilAvailable();
      cap.take(100);
      taken += 100;
    }

    assertThat(taken / ((now - start) / 1e9)).isCloseTo(2_500, org.assertj.core.data.Percentage.withPercentage(0.5));
  }

  @Test
  @DisplayName("refuses a rate or burst below one row")
  void refusesNoRate() {
    assertThatThrownBy(() -> cap(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cap(1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
