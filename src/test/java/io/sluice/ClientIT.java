package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.StreamConsumer;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.StreamFailedException;
import io.sluice.dataset.StreamRequest;
import io.sluice.support.Backends;
import io.sluice.support.FirstColumnCollector;
import io.sluice.support.ClusterNodes;
import io.sluice.support.ClusterNodes.Node;
import io.sluice.support.TestDatabase;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Java client, in a service that is a bare member of the cluster (no Sluice of its own),
 * reading from a node that runs the transform and cursor stages.
 */
@DisplayName("The event-bus client")
class ClientIT {

  private static final int FETCH_SIZE = 100;
  private static final String ALL_IDS = "SELECT id FROM transactions ORDER BY id";
  private static ClusterNodes cluster;
  private static Node back;
  private static Context service;
  private static SluiceClient client;

  @BeforeAll
  static void start() throws Exception {
    cluster = new ClusterNodes(2);
    back = cluster.start("transform,cursor");
    Vertx vertx = cluster.join();
    service = vertx.getOrCreateContext();
    client = SluiceClient.create(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  @AfterEach
  void released() {
    await().atMost(Duration.ofSeconds(5)).until(() -> back.metrics().activeCursors() == 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> !Backends.states().containsKey("idle in transaction"));
  }

  /** Runs {@code action} on the service's context, as its own code would, and waits for its outcome. */
  private static <T> T onService(java.util.function.Supplier<Future<T>> action) throws Exception {
    Promise<T> outcome = Promise.promise();
    service.runOnContext(v -> action.get().onComplete(outcome));
    return outcome.future().await(60, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("pipes a whole dataset from another node into a WriteStream: exactly the database's rows, in order")
  void pipesAcrossNodes() throws Exception {
    FirstColumnCollector rows = new FirstColumnCollector();

    onService(() -> client.open("transactions_raw", Map.of()).compose(stream -> stream.pipeTo(rows)));

    assertThat(rows.texts()).isEqualTo(TestDatabase.copy(ALL_IDS));
  }

  @Test
  @DisplayName("paused, keeps the producer within its credits; resumed, completes")
  void pauseAndResume() throws Exception {
    double readBefore = back.metrics().rowsRead();
    List<String> ids = new ArrayList<>();
    Promise<Void> ended = Promise.promise();
    AtomicReference<StreamConsumer> opened = new AtomicReference<>();
    onService(() -> client.open("transactions_raw", Map.of()).map(stream -> {
      opened.set(stream);
      stream.endHandler(ended::complete).exceptionHandler(ended::fail);
      stream.handler(batch -> {
        batch.rows().forEach(row -> ids.add(String.valueOf(row[0])));
        stream.pause();
      });
      return null;
    }));

    await().atMost(Duration.ofSeconds(20)).until(() -> back.metrics().awaitingCredit() == 1);
    assertThat(back.metrics().rowsRead() - readBefore).as("rows read while the consumer is paused")
        .as("the client's window, the transform stage's two batches ahead and the first batch's one row")
        .isLessThanOrEqualTo((SluiceClient.DEFAULT_WINDOW + 2) * FETCH_SIZE + 1);

    onService(() -> {
      StreamConsumer stream = opened.get();
      stream.handler(batch -> batch.rows().forEach(row -> ids.add(String.valueOf(row[0]))));
      stream.resume();
      return ended.future();
    });
    assertThat(ids).isEqualTo(TestDatabase.copy(ALL_IDS));
  }

  @Test
  @DisplayName("handler(null) cancels the stream and the producer lets its connection go")
  void cancel() throws Exception {
    onService(() -> client.open("transactions_raw", Map.of()).map(stream -> {
      stream.handler(batch -> stream.handler(null));
      return null;
    }));

    await().atMost(Duration.ofSeconds(2)).until(() -> back.metrics().activeCursors() == 0);
  }

  @Test
  @DisplayName("handler(null) while paused, the transform stage's pipe waiting for credit, still reaches the cursor: its connection goes")
  void cancelWhilePaused() throws Exception {
    AtomicReference<StreamConsumer> opened = new AtomicReference<>();
    onService(() -> client.open("transactions_raw", Map.of()).map(stream -> {
      opened.set(stream);
      stream.handler(batch -> stream.pause());
      return null;
    }));
    await().atMost(Duration.ofSeconds(20)).until(() -> back.metrics().awaitingCredit() == 1);

    onService(() -> {
      opened.get().handler(null);
      return Future.succeededFuture();
    });

    await().atMost(Duration.ofSeconds(2)).until(() -> back.metrics().activeCursors() == 0);
  }

  @Test
  @DisplayName("a refused open fails with Sluice's error")
  void refused() {
    Future<StreamConsumer> open = Future.future(p -> service.runOnContext(v -> client.open("series", Map.of("count", "abc")).onComplete(p)));
    AsyncResult<StreamConsumer> result = await().atMost(Duration.ofSeconds(10)).until(() -> open, Future::isComplete);

    assertThat(result.cause()).isInstanceOf(StreamFailedException.class);
    assertThat(((StreamFailedException) result.cause()).error().code()).isEqualTo("bad-request");
  }

  @Test
  @DisplayName("a cut stream reports the key it goes on after, and a stream opened after it completes the export")
  void resumesAfterACut() throws Exception {
    List<String> ids = new ArrayList<>();
    Promise<StreamFailedException> cut = Promise.promise();
    AtomicReference<StreamConsumer> opened = new AtomicReference<>();
    onService(() -> client.open("transactions_raw", Map.of()).map(stream -> {
      opened.set(stream);
      stream.exceptionHandler(err -> cut.complete((StreamFailedException) err));
      stream.handler(batch -> {
        batch.rows().forEach(row -> ids.add(String.valueOf(row[0])));
        stream.pause();
      });
      return null;
    }));
    await().atMost(Duration.ofSeconds(20)).until(() -> back.metrics().awaitingCredit() == 1);

    assertThat(Backends.terminate("idle in transaction")).isEqualTo(1);
    StreamFailedException failure = onService(() -> {
      // the failure comes once the batches already here are taken
      StreamConsumer stream = opened.get();
      stream.handler(batch -> batch.rows().forEach(row -> ids.add(String.valueOf(row[0]))));
      stream.resume();
      return cut.future();
    });

    assertThat(failure.error().code()).isEqualTo("database-unavailable");
    assertThat(failure.resumeAfter()).containsExactly(ids.get(ids.size() - 1));
    FirstColumnCollector rest = new FirstColumnCollector();
    onService(() -> client.open(new StreamRequest("transactions_raw", Map.of(), null).after(failure.resumeAfter()))
        .compose(stream -> stream.pipeTo(rest)));
    ids.addAll(rest.texts());
    assertThat(ids).isEqualTo(TestDatabase.copy(ALL_IDS));
  }
}
