package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ExportConfigTest {

  private static final ExportConfig SHIPPED = ExportConfig.from(new JsonObject());

  @Test
  void onePartitionPerRowsPerPartitionEstimatedRows() {
    assertThat(SHIPPED.rowsPerPartition()).isEqualTo(250_000);
    assertThat(SHIPPED.defaultPartitions(20_000L, 63)).isEqualTo(1);
    assertThat(SHIPPED.defaultPartitions(250_000L, 63)).isEqualTo(1);
    assertThat(SHIPPED.defaultPartitions(250_001L, 63)).isEqualTo(2);
    assertThat(SHIPPED.defaultPartitions(1_000_000L, 63)).isEqualTo(4);
  }

  @Test
  void withinTheLimitsAndTheDefaultCap() {
    assertThat(SHIPPED.defaultPartitions(10_000_000L, 63)).isEqualTo(ExportConfig.MAX_DEFAULT_PARTITIONS);
    assertThat(SHIPPED.defaultPartitions(1_000_000L, 3)).isEqualTo(3);
    assertThat(SHIPPED.defaultPartitions(null, 63)).as("no estimate").isEqualTo(1);
    assertThat(SHIPPED.defaultPartitions(0L, 63)).as("empty").isEqualTo(1);
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> ExportConfig.from(new JsonObject().put("rowsPerPartition", 0))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("rowsPerPartition");
  }
}
