package io.sluice.changes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A change batch crosses the cluster whole")
class ChangeBatchCodecTest {

  private static final Relation ITEMS = new Relation(16_384, "public", "items", List.of("id", "doc", "note"), new int[] {20, 3802, 25});

  @Test
  @DisplayName("positions, transactions, each change's kind, old and new values (nulls, non-ASCII), truncations and tables round-trip")
  void roundTrip() {
    Transaction first = new Transaction(700, 0x16B3748L, List.of(
        new RowChange(ITEMS, RowChange.Kind.INSERT, new String[] {"1", "{\"a\": \"é\"}", null}, null),
        new RowChange(ITEMS, RowChange.Kind.UPDATE, new String[] {"1", "{}", "ünï"}, new String[] {"1", "{\"a\": \"é\"}", null}),
        new RowChange(null, RowChange.Kind.DELETE, null, new String[] {"2"})), Set.of());
    Transaction second = new Transaction(701, 0x16B3800L, List.of(), Set.of("public.items"));
    ChangeBatch batch = new ChangeBatch(0x16B3000L, true, 0x16B2000L, List.of(first, second), 0x16B3900L, 4096);

    Buffer wire = Buffer.buffer("prefix");
    new ChangeBatchCodec().encodeToWire(wire, batch);
    ChangeBatch read = new ChangeBatchCodec().decodeFromWire("prefix".length(), wire);

    assertThat(read.after()).isEqualTo(batch.after());
    assertThat(read.reset()).isTrue();
    assertThat(read.start()).isEqualTo(batch.start());
    assertThat(read.passed()).isEqualTo(batch.passed());
    assertThat(read.lagBytes()).isEqualTo(4096);
    assertThat(read.reaches()).isEqualTo(0x16B3900L);
    assertThat(read.transactions()).hasSize(2);
    Transaction readFirst = read.transactions().get(0);
    assertThat(readFirst.xid()).isEqualTo(700);
    assertThat(readFirst.commitLsn()).isEqualTo(0x16B3748L);
    assertThat(readFirst.changes()).extracting(RowChange::kind)
        .containsExactly(RowChange.Kind.INSERT, RowChange.Kind.UPDATE, RowChange.Kind.DELETE);
    assertThat(readFirst.changes().get(0).newValues()).containsExactly("1", "{\"a\": \"é\"}", null);
    assertThat(readFirst.changes().get(0).oldValues()).isNull();
    assertThat(readFirst.changes().get(1).oldValues()).containsExactly("1", "{\"a\": \"é\"}", null);
    assertThat(readFirst.changes().get(2).relation()).isNull();
    Relation relation = readFirst.changes().get(1).relation();
    assertThat(relation.qualifiedName()).isEqualTo("public.items");
    assertThat(relation.columns()).isEqualTo(ITEMS.columns());
    assertThat(relation.isJson(1)).isTrue();
    assertThat(relation.isJson(2)).isFalse();
    assertThat(relation).as("one table, decoded once per batch").isSameAs(readFirst.changes().get(0).relation());
    assertThat(read.transactions().get(1).truncated()).containsExactly("public.items");
  }

  @Test
  @DisplayName("a batch of another wire version is refused, not guessed at")
  void otherVersionRefused() {
    Buffer wire = Buffer.buffer();
    new ChangeBatchCodec().encodeToWire(wire, new ChangeBatch(1, false, 0, List.of(), 2, -1));
    wire.setByte(4, (byte) (ChangeBatchCodec.VERSION + 1));
    assertThatThrownBy(() -> new ChangeBatchCodec().decodeFromWire(0, wire)).hasMessageContaining("version");
  }
}
