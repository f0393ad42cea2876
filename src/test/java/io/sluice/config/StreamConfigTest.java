package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class StreamConfigTest {

  private static final StreamConfig SHIPPED = StreamConfig.from(new JsonObject());

  @Test
  void fewStreamsKeepTheirBatchBytes() {
    assertThat(SHIPPED.memoryBytes()).isEqualTo(32L << 20);
    assertThat(SHIPPED.batchBytesAmong(1)).isEqualTo(SHIPPED.batchBytes());
    assertThat(SHIPPED.batchBytesAmong(6)).isEqualTo(SHIPPED.batchBytes());
  }

  @Test
  void manyStreamsShareTheMemory() {
    // 64 streams, window 4: each aims at 32 MiB / (64 x 5)
    assertThat(SHIPPED.batchBytesAmong(64)).isEqualTo((32 << 20) / (64 * 5));
    for (int streams = 1; streams <= 512; streams++) {
      assertThat((long) SHIPPED.batchBytesAmong(streams) * streams * (SHIPPED.window() + 1))
          .as("%d streams", streams).isLessThanOrEqualTo(Math.max(SHIPPED.memoryBytes(), (long) StreamConfig.MIN_BATCH_BYTES * streams * 5));
    }
  }

  @Test
  void neverBelowTheSmallestBatch() {
    assertThat(SHIPPED.batchBytesAmong(100_000)).isEqualTo(StreamConfig.MIN_BATCH_BYTES);
    assertThat(SHIPPED.batchBytesAmong(0)).isEqualTo(SHIPPED.batchBytes());
  }

  @Test
  void memoryBelowOneBatchIsRefused() {
    assertThatThrownBy(() -> StreamConfig.from(new JsonObject().put("memoryBytes", 1000)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("memoryBytes");
  }
}
