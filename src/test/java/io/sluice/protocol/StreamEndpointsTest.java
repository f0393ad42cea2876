package io.sluice.protocol;

import io.sluice.value.RowBatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.support.FirstColumnCollector;
import io.sluice.value.Column;
import io.sluice.value.ValueKind;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The protocol's two ends as Vert.x streams, over a real event bus, with no stage behind them. */
class StreamEndpointsTest {

  private static final String OPEN = "test.stream.open";
  private static final List<Column> COLUMNS = List.of(new Column("n", ValueKind.BIGINT, false, "int8"));

  private Vertx vertx;
  private Context context;
  /** The producer of the stream opened last. */
  private volatile StreamProducer producer;
  private MessageConsumer<JsonObject> service;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    vertx.eventBus().registerDefaultCodec(RowBatch.class, new RowBatchCodec());
    context = vertx.getOrCreateContext();
    on(() -> {
      service = vertx.eventBus().consumer(OPEN, open -> StreamProducer.accept(vertx, open, OpenFrame.fromJson(open.body()), COLUMNS)
          .onSuccess(accepted -> producer = accepted));
      return service.completion();
    });
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private <T> T on(Supplier<Future<T>> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> action.get().onSuccess(result::complete).onFailure(result::completeExceptionally));
    return result.get(10, TimeUnit.SECONDS);
  }

  private StreamConsumer open(StreamConsumer consumer) throws Exception {
    on(() -> consumer.open(OPEN, new JsonObject(), "test"));
    await().atMost(Duration.ofSeconds(5)).until(() -> producer != null);
    return consumer;
  }

  private static RowBatch batch(long... values) {
    List<Object[]> rows = new ArrayList<>();
    List<Object[]> keys = new ArrayList<>();
    for (long value : values) {
      rows.add(new Object[] {value});
      keys.add(new Object[] {value});
    }
    return new RowBatch(0, rows, keys);
  }

  @Test
  @DisplayName("the producer's write queue is the consumer's credit: full when it is used, drained when more comes")
  void writeQueueIsCredit() throws Exception {
    StreamConsumer consumer = new StreamConsumer(vertx, 5_000, 10).pause();
    consumer.fetch(2);
    List<RowBatch> received = new ArrayList<>();
    consumer.handler(received::add);
    open(consumer);
    AtomicInteger drains = new AtomicInteger();

    boolean fullAfterTwo = on(() -> {
      producer.drainHandler(v -> drains.incrementAndGet());
      producer.write(batch(1));
      boolean fullAfterOne = producer.writeQueueFull();
      producer.write(batch(2));
      return Future.succeededFuture(!fullAfterOne && producer.writeQueueFull());
    });
    assertThat(fullAfterTwo).isTrue();

    on(() -> {
      consumer.fetch(1);
      return Future.succeededFuture();
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> drains.get() == 1);
    assertThat(on(() -> Future.succeededFuture(producer.writeQueueFull()))).isFalse();
    assertThat(received).extracting(RowBatch::seq).containsExactly(1L, 2L);
  }

  @Test
  @DisplayName("batches written without credit wait for it, and the end follows them: pipeTo gets every row, then the end")
  void endWaitsForPendingBatches() throws Exception {
    StreamConsumer consumer = new StreamConsumer(vertx, 5_000, 1).pause();
    consumer.fetch(1);
    open(consumer);
    Future<Void> ended = on(() -> {
      producer.write(batch(1, 2));
      producer.write(batch(3));
      producer.write(batch(4, 5, 6));
      return Future.succeededFuture(producer.end());
    });
    assertThat(ended.isComplete()).as("two batches still wait for credit").isFalse();

    FirstColumnCollector collected = new FirstColumnCollector();
    on(() -> consumer.pipeTo(collected));

    assertThat(collected.values).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(collected.ended).isTrue();
    assertThat(consumer.rows()).isEqualTo(6);
  }

  @Test
  @DisplayName("handler(null) cancels: the producer's exception handler hears it and writes waiting for credit fail")
  void cancelReachesTheProducer() throws Exception {
    StreamConsumer consumer = new StreamConsumer(vertx, 5_000, 1).pause();
    open(consumer);
    Promise<Throwable> heard = Promise.promise();
    Future<Void> waiting = on(() -> {
      producer.exceptionHandler(heard::complete);
      return Future.succeededFuture(producer.write(batch(1)));
    });

    on(() -> {
      consumer.handler(null);
      return Future.succeededFuture();
    });

    await().atMost(Duration.ofSeconds(5)).until(() -> heard.future().isComplete() && waiting.isComplete());
    assertThat(heard.future().result()).isInstanceOf(StreamClosedException.class);
    assertThat(waiting.failed()).isTrue();
  }

  @Test
  @DisplayName("a producer's error reaches the exception handler with the key after which to go on")
  void failureCarriesTheResumeKey() throws Exception {
    StreamConsumer consumer = new StreamConsumer(vertx, 5_000, 4);
    Promise<Throwable> failed = Promise.promise();
    consumer.handler(b -> {}).exceptionHandler(failed::complete).endHandler(v -> failed.fail("ended"));
    open(consumer);

    on(() -> {
      producer.write(batch(1, 2));
      producer.write(batch(3));
      return producer.write(batch(4)).onSuccess(v -> producer.fail(StreamError.of(StreamError.DATABASE_UNAVAILABLE, 503, "gone")));
    });

    await().atMost(Duration.ofSeconds(5)).until(() -> failed.future().isComplete());
    assertThat(failed.future().result()).isInstanceOfSatisfying(StreamFailedException.class, e -> {
      assertThat(e.error().code()).isEqualTo(StreamError.DATABASE_UNAVAILABLE);
      assertThat(e.resumeAfter()).containsExactly("4");
    });
  }

  @Test
  @DisplayName("an end announcing other rows than arrived fails the stream instead of ending it")
  void endMustAnnounceTheRowsThatArrived() throws Exception {
    StreamConsumer consumer = new StreamConsumer(vertx, 5_000, 4);
    Promise<Throwable> failed = Promise.promise();
    consumer.handler(b -> {}).exceptionHandler(failed::complete).endHandler(v -> failed.fail("ended"));
    open(consumer);

    on(() -> {
      producer.write(batch(1));
      // a forged end: one batch, but two rows
      vertx.eventBus().send(producer.frame().replyTo(), new JsonObject().put("seq", 1).put("rows", 2), Frames.kind(Frames.END));
      return Future.succeededFuture();
    });

    await().atMost(Duration.ofSeconds(5)).until(() -> failed.future().isComplete());
    assertThat(((StreamFailedException) failed.future().result()).error().code()).isEqualTo(StreamError.PROTOCOL);
  }
}
