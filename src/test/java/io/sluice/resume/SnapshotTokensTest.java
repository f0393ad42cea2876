package io.sluice.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.dataset.Position;
import io.sluice.value.ChangeKey;
import io.sluice.value.SnapshotKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The tokens of a followed stream's snapshot rows and of its catch-up changes: where they go on, signed like any. */
@DisplayName("Resume tokens from inside a followed stream's snapshot")
class SnapshotTokensTest {

  private final ResumeTokens tokens = new ResumeTokens("unit-test-signing-key-0123456789abcdef", 3600);
  private final ResumeTokens.Minter minter = tokens.minter("items", Map.of("grp", "a"), null);

  @Test
  @DisplayName("a snapshot row's token holds its key, the snapshot's start and visibility")
  void snapshotRow() {
    String token = minter.afterRow(SnapshotKey.of("0/16B3748", "100:105:101", new Object[] {42L}));
    assertThat(tokens.verify(token, "items", Map.of("grp", "a"), null))
        .isEqualTo(Position.inSnapshot(Position.SnapshotCut.afterRow(List.of("42"), "0/16B3748", "100:105:101")));
  }

  @Test
  @DisplayName("a catch-up change's token holds the cut, the snapshot it brings the rows to, and its place in the log")
  void catchUpChange() {
    Object[] key = ChangeKey.ofCut(ChangeKey.UPDATE, "0/16B4000", 3, "0/16B3748", "100:105:101", "104:110:", new Object[] {"42"});
    assertThat(ChangeKey.is(key)).isTrue();
    assertThat(ChangeKey.op(key)).isEqualTo("update");
    assertThat(ChangeKey.lsn(key)).isEqualTo("0/16B4000");
    String token = minter.afterRow(key);
    assertThat(tokens.verify(token, "items", Map.of("grp", "a"), null)).isEqualTo(Position.inSnapshot(
        new Position.SnapshotCut(List.of("42"), "0/16B3748", "100:105:101", "104:110:", "0/16B4000", 3)));
  }

  @Test
  @DisplayName("a changed snapshot token is refused, and a plain change key still gives a change token")
  void signedAndDistinct() {
    String token = minter.afterRow(SnapshotKey.of("0/16B3748", "100:105:101", new Object[] {42L}));
    String[] parts = token.split("\\.");
    String forged = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2) + "AA." + parts[2];
    assertThatThrownBy(() -> tokens.verify(forged, "items", Map.of("grp", "a"), null)).isInstanceOf(InvalidTokenException.class);
    String change = minter.afterRow(ChangeKey.of(ChangeKey.INSERT, "0/16B4000", 1));
    assertThat(tokens.verify(change, "items", Map.of("grp", "a"), null)).isEqualTo(Position.afterChange("0/16B4000", 1));
  }
}
