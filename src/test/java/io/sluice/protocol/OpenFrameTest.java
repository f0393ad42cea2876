package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The ids an open frame brings from the event bus or the TCP bridge, which every stage logs. */
@DisplayName("An open frame's ids")
class OpenFrameTest {

  private static JsonObject open(String stream, String requestId) {
    JsonObject json = new JsonObject().put("stream", stream).put("replyTo", "client.data").put("credits", 2);
    return requestId == null ? json : json.put("requestId", requestId);
  }

  @Test
  @DisplayName("keeps a sane request id, and takes the stream id when none is given")
  void saneIdsKept() {
    assertThat(OpenFrame.fromJson(open("s-1", "trace:abc/42")).requestId()).isEqualTo("trace:abc/42");
    assertThat(OpenFrame.fromJson(open("s-1", null)).requestId()).isEqualTo("s-1");
  }

  @Test
  @DisplayName("replaces a request id that could forge a log line with a new one")
  void forgedRequestIdReplaced() {
    String forged = "x\n12:00:00.000 INFO  [main] i.s.Main - all good";
    String id = OpenFrame.fromJson(open("s-2", forged)).requestId();

    assertThat(id).isNotEqualTo(forged).matches("[0-9a-f-]{36}");
  }

  @Test
  @DisplayName("refuses a stream id that is not one (it names addresses and log lines)")
  void unsafeStreamIdRefused() {
    assertThatThrownBy(() -> OpenFrame.fromJson(open("s\n3", "r")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'stream'");
    assertThatThrownBy(() -> OpenFrame.fromJson(open("s".repeat(RequestIds.MAX_LENGTH + 1), "r")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("carries the consumer's cluster node, and refuses one that is not a node id")
  void consumerNode() {
    assertThat(OpenFrame.fromJson(open("s-4", "r").put(OpenFrame.NODE, "0f1c2d3e-aaaa-4bbb-8ccc-123456789abc")).node())
        .isEqualTo("0f1c2d3e-aaaa-4bbb-8ccc-123456789abc");
    assertThat(OpenFrame.fromJson(open("s-4", "r")).node()).isNull();
    assertThat(OpenFrame.fromJson(open("s-4", "r").put(OpenFrame.NODE, "n-1")).toJson().getString(OpenFrame.NODE)).isEqualTo("n-1");
    assertThatThrownBy(() -> OpenFrame.fromJson(open("s-5", "r").put(OpenFrame.NODE, "n\n1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'node'");
  }

  @Test
  @DisplayName("says its transport (bus unless told), principal, client, maxRate and resume token, and refuses an unknown transport or a rate below 1")
  void transportTerms() {
    OpenFrame bus = OpenFrame.fromJson(open("s-6", "r"));
    assertThat(bus.transport()).isEqualTo(OpenFrame.BUS);
    assertThat(bus.governedByStage()).isTrue();
    JsonObject terms = open("s-6", "r").put("transport", "bridge").put("principal", "alice").put("client", "principal:alice")
        .put("maxRate", 500).put("resumeToken", "v1.a.b");
    OpenFrame bridge = OpenFrame.fromJson(terms);
    assertThat(OpenFrame.fromJson(bridge.toJson())).isEqualTo(bridge);
    assertThat(bridge.maxRate()).isEqualTo(500L);
    assertThat(OpenFrame.fromJson(open("s-6", "r").put("transport", "http")).governedByStage()).isFalse();
    assertThatThrownBy(() -> OpenFrame.fromJson(open("s-7", "r").put("transport", "carrier-pigeon")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'transport'");
    assertThatThrownBy(() -> OpenFrame.fromJson(open("s-7", "r").put("maxRate", 0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'maxRate'");
  }
}
