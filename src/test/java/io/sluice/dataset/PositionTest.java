package io.sluice.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A followed request's position in the JSON an event-bus or bridge open carries. */
@DisplayName("Position in a request's JSON")
class PositionTest {

  @Test
  @DisplayName("follow: true is the followed start, and a followed request writes itself so")
  void followFlag() {
    StreamRequest read = StreamRequest.fromJson(new JsonObject().put("dataset", "items").put("follow", true));
    assertThat(read.position()).isEqualTo(Position.follow());
    assertThat(read.position().source()).isEqualTo(Position.CHANGES);
    JsonObject written = new StreamRequest("items", Map.of(), null, List.of(), Position.follow()).toJson();
    assertThat(written.getBoolean("follow")).isTrue();
    assertThat(written.containsKey("changes")).isFalse();
    assertThat(StreamRequest.fromJson(written).position()).isEqualTo(Position.follow());
    assertThat(StreamRequest.fromJson(new JsonObject().put("dataset", "items").put("follow", false)).position()).isEqualTo(Position.START);
  }

  @Test
  @DisplayName("a change position goes through the JSON unchanged")
  void changeRoundTrip() {
    Position after = Position.afterChange("0/16B3748", 3);
    JsonObject written = new StreamRequest("items", Map.of(), null, List.of(), after).toJson();
    assertThat(StreamRequest.fromJson(written).position()).isEqualTo(after);
  }

  @Test
  @DisplayName("a place inside a followed stream's snapshot goes through the JSON unchanged, after a row and inside a catch-up")
  void snapshotCutRoundTrip() {
    for (Position.SnapshotCut cut : List.of(Position.SnapshotCut.afterRow(List.of("7", "a,b"), "0/16B3748", "100:105:101,103"),
        new Position.SnapshotCut(List.of("7", "a,b"), "0/16B3748", "100:105:101,103", "104:110:", "0/16B4000", 2))) {
      Position inside = Position.inSnapshot(cut);
      assertThat(inside.isStart()).isFalse();
      assertThat(inside.source()).isEqualTo(Position.CHANGES);
      JsonObject written = new StreamRequest("items", Map.of(), null, List.of(), inside).toJson();
      assertThat(StreamRequest.fromJson(written).position()).isEqualTo(inside);
    }
    assertThatThrownBy(() -> new Position.SnapshotCut(List.of("7"), "0/1", "1:2:", "1:3:", null, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("follow with after or a partition is refused, naming both")
  void followWithAfterRefused() {
    assertThatThrownBy(() -> StreamRequest.fromJson(new JsonObject().put("dataset", "items").put("follow", true)
        .put("after", new io.vertx.core.json.JsonArray().add("1"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'after'").hasMessageContaining("'follow'");
  }
}
