package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.value.ChangeKey;
import io.sluice.value.RowBatch;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A followed stream's records in a batch: the accessors of a binary batch, and the keys of a JSON one. */
@DisplayName("A followed stream's batch")
class JsonBatchFollowTest {

  private static final List<Object[]> ROWS = List.of(new Object[] {1L, "a"}, new Object[] {2L, "b"}, new Object[] {null, null},
      new Object[] {3L, "c"});
  private static final List<Object[]> KEYS = List.of(new Object[] {"1"}, ChangeKey.of(ChangeKey.INSERT, "0/16B3748", 1),
      ChangeKey.of(ChangeKey.LIVE, "0/16B3748", Long.MAX_VALUE), ChangeKey.of(ChangeKey.DELETE, "0/16B3800", Long.MAX_VALUE));

  @Test
  @DisplayName("a binary batch says each row's op and LSN; a snapshot row has neither")
  void accessors() {
    RowBatch batch = new RowBatch(1, ROWS, KEYS);
    assertThat(batch.op(0)).isNull();
    assertThat(batch.lsn(0)).isNull();
    assertThat(batch.isStatus(0)).isFalse();
    assertThat(batch.op(1)).isEqualTo("insert");
    assertThat(batch.lsn(1)).isEqualTo("0/16B3748");
    assertThat(batch.isStatus(1)).isFalse();
    assertThat(batch.op(2)).isEqualTo("live");
    assertThat(batch.isStatus(2)).isTrue();
    assertThat(batch.op(3)).isEqualTo("delete");
    assertThat(new RowBatch(1, List.<Object[]>of(new Object[] {1L, "a"})).op(0)).isNull();
  }

  @Test
  @DisplayName("a JSON batch writes a change's key as NDJSON's _sluice object: op or status, and lsn")
  void jsonKeys() {
    JsonObject json = JsonBatch.of(1, List.of("id", "name"), ROWS, KEYS);
    JsonArray keys = json.getJsonArray("keys");
    assertThat(keys.getValue(0)).isEqualTo(new JsonArray().add("1"));
    assertThat(keys.getValue(1)).isEqualTo(new JsonObject().put("op", "insert").put("lsn", "0/16B3748"));
    assertThat(keys.getValue(2)).isEqualTo(new JsonObject().put("status", "live").put("lsn", "0/16B3748"));
    assertThat(keys.getValue(3)).isEqualTo(new JsonObject().put("op", "delete").put("lsn", "0/16B3800"));
  }
}
