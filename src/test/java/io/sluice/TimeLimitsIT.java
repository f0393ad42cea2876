package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.dataset.StreamRequest;
import io.sluice.protocol.Frames;
import io.sluice.protocol.StreamError;
import io.sluice.support.Backends;
import io.sluice.support.RawHttpClient;
import io.sluice.support.RecordingConsumer;
import io.sluice.support.ServiceTest;
import io.sluice.support.TcpProxy;
import io.sluice.support.TestSluice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every documented timeout, measured: each is set to a few seconds, and the cut, refusal or end
 * it causes must come no earlier than its value and no later than a second after it. Each is
 * timed with {@link System#nanoTime} from a moment no later than the one its clock starts at
 * (and as close to it as the test can see), to the moment the test sees its effect.
 */
@DisplayName("Each documented timeout holds to within a second of its value")
class TimeLimitsIT extends ServiceTest {

  private static final long STALL_MS = 5_000;
  private static final long LEASE_MS = 4_000;
  /** When a lease test's peer says its last word: out of step with the thirds of the lease a coarse check would look at. */
  private static final long SILENT_AFTER_MS = 1_400;
  private static final long QUEUE_TIMEOUT_MS = 3_000;
  private static final long STATEMENT_TIMEOUT_MS = 2_000;
  /** A dataset's statement timeout small enough that the "no answer" guard, 5 s past it, stays short. */
  private static final long GUARDED_TIMEOUT_MS = 500;
  private static final long ANSWER_GRACE_MS = 5_000;
  private static final long MAX_DURATION_MS = 3_000;
  private static final long DRAIN_MS = 3_000;
  private static final long TOLERANCE_MS = 1_000;

  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    startSluice(vertx, json -> {
      json.getJsonObject("http").put("stallTimeoutSeconds", STALL_MS / 1_000).put("sendBufferSize", 16 * 1024);
      json.getJsonObject("database").put("poolSize", 1).put("maxWaitQueue", 4).put("queueTimeoutMs", QUEUE_TIMEOUT_MS);
      json.getJsonArray("datasets").add(sleeping("sleeps_past_timeout", STATEMENT_TIMEOUT_MS));
    });
  }

  /** A dataset whose one fetch sleeps {@code sleep_ms}, under a statement timeout of {@code timeoutMs}. */
  private static JsonObject sleeping(String name, long timeoutMs) {
    return new JsonObject()
        .put("name", name)
        .put("sql", "SELECT 1 AS n, pg_sleep($1::int / 1000.0)::text AS slept")
        .put("orderBy", new JsonArray().add("n"))
        .put("statementTimeoutMs", timeoutMs)
        .put("parameters", new JsonArray().add(new JsonObject().put("name", "sleep_ms").put("type", "integer").put("required", true)));
  }

  @AfterEach
  void released() {
    Backends.awaitReleased(sluice);
  }

  /** Asserts that what {@code limit} caused came within [value, value + 1 s] of {@code fromNanos}, and reports it. */
  private static void assertWithin(String limit, long valueMs, long fromNanos, long toNanos) {
    assertWithin(limit, valueMs, fromNanos, fromNanos, toNanos);
  }

  /**
   * Asserts that what {@code limit} caused came no earlier than its value after {@code floorFromNanos}
   * (a moment surely no later than its clock started) and no later than its value + 1 s after
   * {@code fromNanos} (the moment the test saw its clock start, which may be a little late), and
   * reports it.
   */
  private static void assertWithin(String limit, long valueMs, long floorFromNanos, long fromNanos, long toNanos) {
    long tookMs = TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
    System.out.printf("measured %s: value %d ms, fired after %d ms%n", limit, valueMs, tookMs);
    assertThat(TimeUnit.NANOSECONDS.toMillis(toNanos - floorFromNanos)).as("%s of %d ms fired after", limit, valueMs)
        .isGreaterThanOrEqualTo(valueMs);
    assertThat(tookMs).as("%s of %d ms fired after", limit, valueMs).isLessThanOrEqualTo(valueMs + TOLERANCE_MS);
  }

  @ParameterizedTest(name = "Accept-Encoding: {0}")
  @ValueSource(strings = {"identity", "gzip", "zstd"})
  @DisplayName("stall: a client that stops reading is cut stallTimeoutSeconds after it last took a byte, whoever compresses its body")
  void stall(String encoding) throws Exception {
    try (RawHttpClient client = RawHttpClient.send(port, "GET /v1/datasets/transactions_raw/rows HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Accept-Encoding: " + encoding + "\r\nConnection: close\r\n\r\n")) {
      // reads as fast as it can for a moment from its first byte, then stops: the clock starts no earlier than its last read
      assertThat(client.read(1)).isNotEmpty();
      long lastRead;
      long readUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      do {
        lastRead = System.nanoTime();
        assertThat(client.read(8 * 1024)).isNotEmpty();
      } while (System.nanoTime() < readUntil);
      await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10)).until(() -> sluice.metrics().blockedResponses() == 1);

      await().atMost(Duration.ofMillis(STALL_MS + 3_000)).pollInterval(Duration.ofMillis(5))
          .until(() -> sluice.metrics().blockedResponses() == 0);
      long cut = System.nanoTime();

      assertWithin("http.stallTimeoutSeconds", STALL_MS, lastRead, cut);
    }
  }

  @Test
  @DisplayName("lease: a producer gives up a consumer leaseMs after it last heard from it")
  void producerLease() throws Exception {
    String stream = UUID.randomUUID().toString();
    AtomicLong errorAt = new AtomicLong();
    AtomicReference<JsonObject> error = new AtomicReference<>();
    MessageConsumer<Object> inbox = vertx.eventBus().consumer(Frames.dataAddress(stream), frame -> {
      if (Frames.ERROR.equals(frame.headers().get(Frames.KIND))) {
        errorAt.set(System.nanoTime());
        error.set((JsonObject) frame.body());
      }
    });
    inbox.completion().await(10, TimeUnit.SECONDS);
    JsonObject open = new JsonObject()
        .put("stream", stream).put("replyTo", Frames.dataAddress(stream)).put("leaseMs", LEASE_MS).put("credits", 0)
        .put("request", new StreamRequest("series", Map.of("count", "1000000"), null).toJson());
    try {
      vertx.eventBus().request(Frames.SOURCE_OPEN, open).await(10, TimeUnit.SECONDS);
      // one ping a little past a third of the lease, then silence: the consumer dies at a moment of its own
      long pingedAt = pingOnce(Frames.controlAddress(stream));

      await().atMost(Duration.ofMillis(SILENT_AFTER_MS + LEASE_MS + 3_000)).pollInterval(Duration.ofMillis(10)).until(() -> errorAt.get() != 0);

      assertThat(error.get().getString("code")).isEqualTo(StreamError.LEASE_EXPIRED);
      assertWithin("stream.leaseMs (producer)", LEASE_MS, pingedAt, errorAt.get());
    } finally {
      inbox.unregister().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("lease: a consumer gives up a producer leaseMs after it last heard from it")
  void consumerLease() throws Exception {
    String silentOpen = "it.time-limits.silent-open";
    AtomicReference<String> dataAddress = new AtomicReference<>();
    // a producer that accepts, then is never heard of again
    MessageConsumer<JsonObject> producer = vertx.eventBus().consumer(silentOpen, open -> {
      dataAddress.set(open.body().getString("replyTo"));
      open.reply(new JsonObject().put("control", "it.time-limits.nowhere").put("columns", new JsonArray()));
    });
    producer.completion().await(10, TimeUnit.SECONDS);
    try {
      RecordingConsumer listener = RecordingConsumer.paused(vertx, 1, LEASE_MS).open(silentOpen, "series", Map.of("count", "10"));
      // one ping a little past a third of the lease, then silence: the producer dies at a moment of its own
      long pingedAt = pingOnce(dataAddress.get());

      await().atMost(Duration.ofMillis(SILENT_AFTER_MS + LEASE_MS + 3_000)).pollInterval(Duration.ofMillis(10)).until(listener::finished);

      assertThat(listener.errors).singleElement().extracting(StreamError::code).isEqualTo(StreamError.LEASE_EXPIRED);
      assertWithin("stream.leaseMs (consumer)", LEASE_MS, pingedAt, listener.finishedAt.get());
    } finally {
      producer.unregister().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Sends one {@code ping} frame to {@code address} {@value #SILENT_AFTER_MS} ms from now, as a
   * peer that then dies, and returns when it was sent: no later than its receiver heard it.
   */
  private static long pingOnce(String address) {
    AtomicLong pingedAt = new AtomicLong();
    vertx.setTimer(SILENT_AFTER_MS, id -> {
      pingedAt.set(System.nanoTime());
      vertx.eventBus().send(address, null, new DeliveryOptions().addHeader(Frames.KIND, Frames.PING));
    });
    await().atMost(Duration.ofMillis(SILENT_AFTER_MS + 2_000)).pollInterval(Duration.ofMillis(10)).until(() -> pingedAt.get() != 0);
    return pingedAt.get();
  }

  @Test
  @DisplayName("queue: a stream that waits for a stream connection is refused busy queueTimeoutMs after it arrived")
  void queue() throws Exception {
    RecordingConsumer holder = RecordingConsumer.paused(vertx, 1).open(Frames.SOURCE_OPEN, "series", Map.of("count", "1000000"));
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> sluice.metrics().awaitingCredit() == 1);

      long sent = System.nanoTime();
      Answer refused = answer("/v1/datasets/series/rows?count=5");

      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.error().getString("code")).isEqualTo("busy");
      assertWithin("database.queueTimeoutMs", QUEUE_TIMEOUT_MS, sent, refused.at());
    } finally {
      holder.cancel();
    }
  }

  @Test
  @DisplayName("statement: a fetch that runs past the statement timeout ends the stream with query-timeout")
  void statementTimeout() throws Exception {
    RecordingConsumer listener = RecordingConsumer.paused(vertx, 1);
    AtomicLong startedAt = new AtomicLong();
    // the producer says "started" just before its first fetch, whose statement the timeout bounds
    listener.consumer.startedHandler(start -> startedAt.set(System.nanoTime()));
    long opened = System.nanoTime();
    listener.open(Frames.SOURCE_OPEN, "sleeps_past_timeout", Map.of("sleep_ms", "30000"));

    await().atMost(Duration.ofMillis(STATEMENT_TIMEOUT_MS + 5_000)).pollInterval(Duration.ofMillis(10)).until(listener::finished);

    assertThat(listener.errors).singleElement().extracting(StreamError::code).isEqualTo(StreamError.QUERY_TIMEOUT);
    // "started" may be heard a moment after the fetch began: the floor is held from the open, which surely came before
    assertWithin("statementTimeoutMs", STATEMENT_TIMEOUT_MS, opened, startedAt.get(), listener.finishedAt.get());
  }

  /** A whole answer to a request that fails before its first row, and when ({@link System#nanoTime}) its last byte came. */
  private record Answer(int status, JsonObject error, long at) {}

  /** GETs {@code pathAndQuery} on a plain socket (no client of its own to warm up) and reads the whole answer. */
  private static Answer answer(String pathAndQuery) throws IOException {
    try (RawHttpClient client = RawHttpClient.get(port, pathAndQuery)) {
      String raw = client.readToEnd();
      long at = System.nanoTime();
      String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
      return new Answer(Integer.parseInt(raw.substring(9, 12)), new JsonObject(body).getJsonObject("error"), at);
    }
  }

  @Test
  @DisplayName("statement guard: a database that stops answering mid-stream fails it the statement timeout plus 5 s after the fetch began")
  void unansweredStatement() throws Exception {
    TcpProxy proxy = TcpProxy.toTestDatabase(vertx).await(10, TimeUnit.SECONDS);
    try {
      withOwnSluice(json -> {
        json.getJsonObject("database").put("url", proxy.testDatabaseUrl());
        json.getJsonArray("datasets").add(new JsonObject()
            .put("name", "quick_timeout")
            .put("sql", "SELECT g AS n FROM generate_series(1, 100000) AS g")
            .put("orderBy", new JsonArray().add("n"))
            .put("statementTimeoutMs", GUARDED_TIMEOUT_MS));
      }, (own, ownVertx) -> {
        RecordingConsumer listener = RecordingConsumer.paused(ownVertx, 1).open(Frames.SOURCE_OPEN, "quick_timeout", Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> listener.batches.size() == 1 && own.metrics().awaitingCredit() == 1);
        proxy.freeze();

        long fetched = System.nanoTime(); // the next fetch, and its guard, start when this credit arrives
        listener.fetch(1);

        await().atMost(Duration.ofMillis(GUARDED_TIMEOUT_MS + ANSWER_GRACE_MS + 3_000)).pollInterval(Duration.ofMillis(10))
            .until(listener::finished);
        assertThat(listener.errors).singleElement().extracting(StreamError::code).isEqualTo(StreamError.DATABASE_UNAVAILABLE);
        assertWithin("statement timeout + 5 s (no answer)", GUARDED_TIMEOUT_MS + ANSWER_GRACE_MS, fetched, listener.finishedAt.get());
        proxy.cutAll(); // the connections the database never answered on go, before the Sluice stops
      });
    } finally {
      proxy.cutAll();
      proxy.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("deadline: a stream still running maxDurationMs after it was accepted ends with deadline-exceeded")
  void deadline() throws Exception {
    withOwnSluice(json -> json.getJsonObject("stream").put("maxDurationMs", MAX_DURATION_MS), (own, ownVertx) -> {
      RecordingConsumer listener = RecordingConsumer.paused(ownVertx, 1);
      long opened = System.nanoTime(); // the deadline counts from the accept, after this
      listener.open(Frames.SOURCE_OPEN, "series", Map.of("count", "1000000"));

      await().atMost(Duration.ofMillis(MAX_DURATION_MS + 3_000)).pollInterval(Duration.ofMillis(10)).until(listener::finished);

      assertThat(listener.errors).singleElement().extracting(StreamError::code).isEqualTo(StreamError.DEADLINE_EXCEEDED);
      assertWithin("stream.maxDurationMs", MAX_DURATION_MS, opened, listener.finishedAt.get());
    });
  }

  @Test
  @DisplayName("drain: a stream still running when the drain time is over ends partial, with its token, at that time")
  void drain() throws Exception {
    withOwnSluice(json -> {}, (own, ownVertx) -> {
      int ownPort = own.config().http().port();
      try (RawHttpClient client = RawHttpClient.get(ownPort, "/v1/datasets/transactions_raw/rows?max_rate=2000")) {
        AtomicLong endedAt = new AtomicLong();
        CompletableFuture<String> body = CompletableFuture.supplyAsync(() -> {
          try {
            String raw = client.readToEnd();
            endedAt.set(System.nanoTime());
            return raw;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> own.metrics().activeCursors() == 1 && own.metrics().rowsRead() > 0);

        long drained = System.nanoTime();
        Future<Void> stopped = own.drain(DRAIN_MS);

        String raw = body.get(DRAIN_MS + 5_000, TimeUnit.MILLISECONDS);
        stopped.await(10, TimeUnit.SECONDS);
        List<String> lines = RawHttpClient.Chunked.decode(raw).body().lines().toList();
        JsonObject record = new JsonObject(lines.get(lines.size() - 1)).getJsonObject("_sluice");
        assertThat(record.getString("status")).isEqualTo("partial");
        assertThat(record.getJsonObject("error").getString("code")).isEqualTo("shutting-down");
        assertThat(record.getString("resume")).isNotBlank();
        assertWithin("shutdown drain", DRAIN_MS, drained, endedAt.get());
      }
    });
  }

  /** What a test does with a Sluice of its own, on a Vert.x of its own. */
  private interface OwnSluiceTest {
    void run(Sluice own, Vertx ownVertx) throws Exception;
  }

  /** Runs {@code test} against a Sluice of its own, configured as the tests' with {@code tweak}, then stops it. */
  private static void withOwnSluice(Consumer<JsonObject> tweak, OwnSluiceTest test) throws Exception {
    Vertx ownVertx = Vertx.vertx();
    try {
      Sluice own = TestSluice.start(ownVertx, tweak).await(60, TimeUnit.SECONDS);
      try {
        test.run(own, ownVertx);
      } finally {
        // a drain has stopped it already
        own.stop().recover(stoppedBefore -> Future.succeededFuture()).await(10, TimeUnit.SECONDS);
      }
    } finally {
      ownVertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
