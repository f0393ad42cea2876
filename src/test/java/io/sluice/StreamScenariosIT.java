package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.sluice.dataset.StreamRequest;
import io.sluice.protocol.Frames;
import io.sluice.value.RowBatch;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamRefusedException;
import io.sluice.support.Backends;
import io.sluice.support.RecordingConsumer;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The row-stream scenarios of vertx-sql-client's PreparedQueryTestBase, played through the
 * event-bus protocol, at the cursor stage and through the transform stage.
 */
@DisplayName("An event-bus stream")
class StreamScenariosIT extends ServiceTest {

  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    startSluice(vertx);
  }


  @AfterEach
  void nothingLeaks() {
    Backends.awaitReleased(sluice);
  }

  @ParameterizedTest(name = "at {0}")
  @ValueSource(strings = {Frames.SOURCE_OPEN, Frames.TRANSFORM_OPEN})
  @DisplayName("of an empty result ends once, with no batch")
  void emptyResult(String address) throws Exception {
    RecordingConsumer listener = RecordingConsumer.paused(vertx, 2).open(address, "series", Map.of("count", "0"));

    await().atMost(Duration.ofSeconds(10)).until(listener::finished);
    assertThat(listener.batches).isEmpty();
    assertThat(listener.errors).isEmpty();
    assertThat(listener.ends).hasValue(1);
    assertThat(listener.endRows).hasValue(0);
  }

  @ParameterizedTest(name = "at {0}")
  @ValueSource(strings = {Frames.SOURCE_OPEN, Frames.TRANSFORM_OPEN})
  @DisplayName("delivers every row once, in sequence, and ends exactly once")
  void endsOnce(String address) throws Exception {
    RecordingConsumer listener = RecordingConsumer.flowing(vertx, 3).open(address, "series", Map.of("count", "1050"));

    await().atMost(Duration.ofSeconds(10)).until(listener::finished);
    assertThat(listener.ends).hasValue(1);
    assertThat(listener.errors).isEmpty();
    // a first fetch of one row (it measures the rows), then fetches of fetchSize (100) rows
    assertThat(listener.batches).extracting(RowBatch::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
    assertThat(listener.batches).extracting(RowBatch::size).startsWith(1, 100).endsWith(49);
    assertThat(listener.rows()).isEqualTo(1050);
    assertThat(listener.endRows).hasValue(1050);
    long expected = 1;
    for (RowBatch batch : listener.batches) {
      for (Object[] row : batch.rows()) {
        assertThat(row[0]).isEqualTo(expected++);
      }
    }
  }

  @Test
  @DisplayName("never sends more batches than granted, and resumes when granted more")
  void pauseAndResume() throws Exception {
    RecordingConsumer listener = RecordingConsumer.paused(vertx, 2).open(Frames.TRANSFORM_OPEN, "series", Map.of("count", "1000"));

    await().atMost(Duration.ofSeconds(10)).until(() -> listener.batches.size() == 2);
    await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().awaitingCredit() == 1);
    assertThat(listener.batches).hasSize(2);
    assertThat(sluice.metrics().awaitingCredit()).isEqualTo(1);

    listener.fetch(3);
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.batches.size() == 5);
    await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().awaitingCredit() == 1);
    assertThat(listener.batches).hasSize(5);
    assertThat(listener.finished()).isFalse();

    listener.fetch(100);
    await().atMost(Duration.ofSeconds(10)).until(listener::finished);
    assertThat(listener.rows()).isEqualTo(1000);
    assertThat(listener.ends).hasValue(1);
  }

  @ParameterizedTest(name = "at {0}")
  @ValueSource(strings = {Frames.SOURCE_OPEN, Frames.TRANSFORM_OPEN})
  @DisplayName("that fails mid-stream reports the error once, after the rows before it")
  void errorMidStream(String address) throws Exception {
    RecordingConsumer listener = RecordingConsumer.flowing(vertx, 4).open(address, "failing", Map.of("fail_at", "2550"));

    await().atMost(Duration.ofSeconds(10)).until(listener::finished);
    assertThat(listener.ends).hasValue(0);
    assertThat(listener.errors).hasSize(1);
    StreamError error = listener.errors.get(0);
    assertThat(error.sqlState()).isEqualTo("22012");
    assertThat(error.code()).isEqualTo(StreamError.BAD_REQUEST);
    assertThat(listener.rows()).isBetween(100L, 2549L);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"exploding", "exploding_error"})
  @DisplayName("whose transform throws (an exception or an Error) fails with an error instead of hanging or losing the batch")
  void transformFails(String dataset) throws Exception {
    RecordingConsumer listener = RecordingConsumer.flowing(vertx, 2).open(Frames.TRANSFORM_OPEN, dataset, Map.of());

    await().atMost(Duration.ofSeconds(10)).until(listener::finished);
    assertThat(listener.ends).hasValue(0);
    assertThat(listener.errors).singleElement().satisfies(e -> {
      assertThat(e.code()).isEqualTo(StreamError.INTERNAL);
      assertThat(e.message()).contains("transform failed");
    });
    assertThat(listener.rows()).as("the batches of 1, 100 and 100 rows before the one that failed").isEqualTo(201);
  }

  @Test
  @DisplayName("closed early by its consumer stops reading and releases everything")
  void earlyClose() throws Exception {
    RecordingConsumer listener = RecordingConsumer.paused(vertx, 1);
    listener.onEachBatch(b -> listener.consumer.handler(null));
    double before = sluice.metrics().rowsRead();
    listener.open(Frames.TRANSFORM_OPEN, "transactions_raw", Map.of());

    await().atMost(Duration.ofSeconds(10)).until(() -> !listener.batches.isEmpty());
    Backends.awaitReleased(sluice);
    assertThat(listener.batches).hasSize(1);
    assertThat(listener.finished()).isFalse();
    // one credit from the consumer, and the transform stage's pipe credits the cursor two batches ahead:
    // the first fetch, of one row, and at most the next one, of fetchSize (100) rows
    assertThat(sluice.metrics().rowsRead() - before).as("rows read for a stream cancelled at its first batch").isBetween(1.0, 101.0);
  }

  @Test
  @DisplayName("is refused, before any database work, for a bad parameter")
  void refused() {
    double opened = sluice.metrics().streamsOpened();
    StreamConsumer consumer = new StreamConsumer(vertx, 5_000, 1);

    Throwable failure = catchThrowable(() ->
        consumer.open(Frames.TRANSFORM_OPEN, new StreamRequest("series", Map.of("count", "x"), null).toJson(), "it").await(10, TimeUnit.SECONDS));

    assertThat(failure).isInstanceOf(StreamRefusedException.class);
    StreamError error = ((StreamRefusedException) failure).error();
    assertThat(error.status()).isEqualTo(400);
    assertThat(error.parameter()).isEqualTo("count");
    assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
  }

  @Test
  @DisplayName("whose consumer goes silent is given up by the producer after the lease")
  void leaseExpires() throws Exception {
    // a consumer speaking the raw protocol, which takes one batch and then never answers
    String streamId = UUID.randomUUID().toString();
    String inboxAddress = "it.silent." + streamId;
    List<Message<Object>> frames = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> inbox = vertx.eventBus().consumer(inboxAddress, frames::add);
    inbox.completion().await(10, TimeUnit.SECONDS);
    JsonObject open = new JsonObject()
        .put("stream", streamId)
        .put("replyTo", inboxAddress)
        .put("request", new StreamRequest("series", Map.of("count", "100000"), null).toJson())
        .put("credits", 1)
        .put("leaseMs", 600);

    JsonObject reply = vertx.eventBus().<JsonObject>request(Frames.SOURCE_OPEN, open).await(10, TimeUnit.SECONDS).body();

    assertThat(reply.getString("control")).isNotBlank();
    await().atMost(Duration.ofSeconds(10)).until(() -> frames.stream().anyMatch(f -> kind(f).equals(Frames.ERROR)));
    assertThat(frames).extracting(StreamScenariosIT::kind).containsSubsequence(Frames.BATCH, Frames.ERROR).doesNotContain(Frames.END);
    assertThat(frames.stream().filter(f -> kind(f).equals(Frames.BATCH))).hasSize(1);
    Message<Object> error = frames.stream().filter(f -> kind(f).equals(Frames.ERROR)).findFirst().orElseThrow();
    assertThat(((JsonObject) error.body()).getString("code")).isEqualTo(StreamError.LEASE_EXPIRED);
    Backends.awaitReleased(sluice);
    inbox.unregister();
  }

  private static String kind(Message<?> frame) {
    return String.valueOf(frame.headers().get(Frames.KIND));
  }
}
