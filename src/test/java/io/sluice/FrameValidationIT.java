package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.sluice.dataset.StreamRequest;
import io.sluice.protocol.Frames;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamProducer;
import io.sluice.support.Backends;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Frames a buggy or hostile peer could send the cursor stage, written by hand on the event
 * bus: each is refused or ends the stream with a protocol error, never stalls it.
 */
@DisplayName("A cursor stream's frames")
class FrameValidationIT extends ServiceTest {

  private static Vertx vertx;
  private final List<MessageConsumer<?>> inboxes = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    startSluice(vertx);
  }

  @AfterEach
  void nothingLeaks() {
    inboxes.forEach(MessageConsumer::unregister);
    Backends.awaitReleased(sluice);
  }

  /** What arrives on a hand-made data address. */
  private record Peer(String streamId, String control, List<Message<Object>> frames) {
    List<String> kinds() {
      return frames.stream().map(f -> f.headers().get(Frames.KIND)).toList();
    }
  }

  private JsonObject openFrame(String streamId, String dataAddress, Object credits) {
    return new JsonObject()
        .put("stream", streamId)
        .put("replyTo", dataAddress)
        .put("credits", credits)
        .put("leaseMs", 5_000)
        .put("request", new StreamRequest("series", Map.of("count", "100000"), null).toJson());
  }

  private Peer open(String streamId, Object credits) throws Exception {
    String data = "it.frames." + UUID.randomUUID();
    List<Message<Object>> frames = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> inbox = vertx.eventBus().consumer(data, frames::add);
    inboxes.add(inbox);
    inbox.completion().await(5, TimeUnit.SECONDS);
    Message<Object> reply = vertx.eventBus().request(Frames.SOURCE_OPEN, openFrame(streamId, data, credits)).await(10, TimeUnit.SECONDS);
    return new Peer(streamId, ((JsonObject) reply.body()).getString("control"), frames);
  }

  private static void send(Peer peer, String kind, Object body) {
    vertx.eventBus().send(peer.control(), body, new DeliveryOptions().addHeader(Frames.KIND, kind));
  }

  private static StreamError awaitError(Peer peer) {
    await().atMost(Duration.ofSeconds(5)).until(() -> peer.kinds().contains(Frames.ERROR));
    Message<Object> error = peer.frames().stream().filter(f -> Frames.ERROR.equals(f.headers().get(Frames.KIND))).findFirst().orElseThrow();
    return StreamError.fromJson((JsonObject) error.body());
  }

  @Test
  @DisplayName("an open frame with a field of the wrong type is refused with 400 at once")
  void wrongTypeInOpen() {
    JsonObject frame = openFrame(UUID.randomUUID().toString(), "it.frames.nowhere", "lots");

    Throwable refused = catchThrowable(() -> vertx.eventBus()
        .request(Frames.SOURCE_OPEN, frame, new DeliveryOptions().setSendTimeout(3_000)).await(5, TimeUnit.SECONDS));

    assertThat(refused).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) refused).failureCode()).as("a refusal, not a timeout").isEqualTo(400);
    assertThat(refused.getMessage()).contains("malformed open frame");
  }

  static List<Object[]> badCredits() {
    return List.of(
        new Object[] {"a string", new JsonObject().put("n", "3")},
        new Object[] {"a fraction", new JsonObject().put("n", 1.5)},
        new Object[] {"no body", null},
        new Object[] {"zero", new JsonObject().put("n", 0)},
        new Object[] {"a negative count", new JsonObject().put("n", -5)},
        new Object[] {"more than the producer may hold", new JsonObject().put("n", Long.MAX_VALUE)});
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badCredits")
  @DisplayName("a credit that is not a whole number in range ends the stream with a protocol error")
  void badCredit(String what, JsonObject credit) throws Exception {
    Peer peer = open(UUID.randomUUID().toString(), 0);

    send(peer, Frames.CREDIT, credit);

    StreamError error = awaitError(peer);
    assertThat(error.code()).isEqualTo(StreamError.PROTOCOL);
    assertThat(error.message()).contains("credit");
  }

  @Test
  @DisplayName("credits that add up past the bound are refused too, not wrapped around")
  void creditOverflow() throws Exception {
    Peer peer = open(UUID.randomUUID().toString(), 0);

    send(peer, Frames.CREDIT, new JsonObject().put("n", StreamProducer.MAX_CREDITS - 1));
    send(peer, Frames.CREDIT, new JsonObject().put("n", 2));

    assertThat(awaitError(peer).message()).contains("out of range");
  }

  @Test
  @DisplayName("a frame of an unknown kind ends the stream with a protocol error")
  void unknownKind() throws Exception {
    Peer peer = open(UUID.randomUUID().toString(), 0);

    send(peer, "rewind", new JsonObject());

    assertThat(awaitError(peer).message()).contains("rewind");
  }

  @Test
  @DisplayName("a second open with the id of a stream still open is refused")
  void duplicateStreamId() throws Exception {
    String streamId = UUID.randomUUID().toString();
    Peer first = open(streamId, 0);

    Throwable refused = catchThrowable(() -> open(streamId, 0));

    assertThat(refused).isInstanceOf(ReplyException.class);
    assertThat(refused.getMessage()).contains("already in use");
    send(first, Frames.CANCEL, null);
  }
}
