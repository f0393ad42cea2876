package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.SluiceClient;
import io.sluice.config.SluiceConfig;
import io.sluice.dataset.StreamRequest;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamFailedException;
import io.sluice.support.ChangeWriters;
import io.sluice.support.BridgeSocket;
import io.sluice.support.LogicalPostgres;
import io.sluice.support.TestSluice;
import io.sluice.value.RowBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Following a dataset over the event bus ({@link SluiceClient#follow}) and the TCP bridge (an
 * open whose request says {@code "follow": true}), on an embedded PostgreSQL with {@code
 * wal_level = logical}: the snapshot, the {@code live} record, then each committed change with
 * its operation and LSN; cut and resumed with the last token, the follower's rows still equal
 * what PostgreSQL holds.
 */
@DisplayName("Following a dataset over the event bus and the TCP bridge")
class BusFollowIT {

  private static final String SLOT = "sluice_busfollow_it";
  private static final String OPEN = "sluice.transform.open";
  private static final int SEEDED = 2000;
  private static final Map<String, String> OPEN_ONLY = Map.of("status", "open");
  private static LogicalPostgres postgres;
  private static Vertx vertx;
  private static Sluice sluice;
  private static int bridgePort;
  private static SluiceClient client;
  private static final AtomicLong nextId = new AtomicLong(SEEDED + 1);

  @BeforeAll
  static void start() throws Exception {
    postgres = LogicalPostgres.start();
    postgres.execute("CREATE TABLE bus_items (id bigint PRIMARY KEY, status text NOT NULL, amount bigint NOT NULL);"
        + " ALTER TABLE bus_items REPLICA IDENTITY FULL;"
        + " INSERT INTO bus_items SELECT n, CASE WHEN n % 3 = 0 THEN 'closed' ELSE 'open' END, n FROM generate_series(1, " + SEEDED + ") AS n");
    vertx = Vertx.vertx();
    bridgePort = TestSluice.freePort();
    JsonObject json = TestSluice.config(vertx, config -> {
      config.put("database", config.getJsonObject("database").copy().put("url", postgres.url()));
      config.put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort));
      config.put("follow", new JsonObject().put("slot", SLOT).put("publication", SLOT).put("heartbeatMs", 200));
      config.put("datasets", new JsonArray()
          .add(new JsonObject().put("name", "items").put("orderBy", new JsonArray().add("id")).put("follow", true)
              .put("sql", "SELECT id, status, amount FROM bus_items WHERE ($1::text IS NULL OR status = $1)")
              .put("parameters", new JsonArray().add(new JsonObject().put("name", "status").put("type", "string")))));
    }).await(30, TimeUnit.SECONDS);
    sluice = Sluice.start(vertx, SluiceConfig.from(json), new SluiceMetrics()).await(60, TimeUnit.SECONDS);
    client = SluiceClient.create(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (sluice != null) {
      sluice.stop().await(30, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  @DisplayName("the Java client gets the snapshot, live, then inserts, updates and deletes with their LSN, and ends with PostgreSQL's rows")
  void clientFollowsExactly() throws Exception {
    BusFollower follower = new BusFollower(new ConcurrentHashMap<>(), null, 0);
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> follower.live || follower.failure != null);
      assertThat(follower.failure).isNull();
      Map<Long, List<Object>> before = selectOpen();
      assertThat(follower.snapshotRows.get()).isEqualTo(before.size()).isPositive();
      assertThat(follower.state).isEqualTo(before);
      long sentinel;
      try (Writers writers = new Writers(1)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> writers.done.get() > 300);
        writers.close();
        sentinel = writers.sentinel();
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> follower.state.containsKey(sentinel) || follower.failure != null);
      assertThat(follower.failure).isNull();
      assertThat(follower.ended).as("a followed stream never ends by itself").isFalse();
      assertThat(follower.ops.keySet()).contains("insert", "update", "delete");
      assertThat(follower.changesWithoutLsn.get()).isZero();
      assertThat(follower.state).isEqualTo(selectOpen());
    } finally {
      follower.cancel();
    }
  }

  @Test
  @DisplayName("the Java client cut after a change and resumed with its token, again and again, ends with PostgreSQL's rows")
  void clientCutAndResumed() throws Exception {
    Map<Long, List<Object>> state = new ConcurrentHashMap<>();
    Random random = new Random(22);
    try (Writers writers = new Writers(2)) {
      BusFollower first = new BusFollower(state, null, 1 + random.nextInt(20));
      await().atMost(Duration.ofSeconds(60)).until(() -> first.cancelled || first.failure != null);
      assertThat(first.failure).isNull();
      String token = first.token;
      for (int cut = 0; cut < 6; cut++) {
        BusFollower next = new BusFollower(state, token, 1 + random.nextInt(20));
        await().atMost(Duration.ofSeconds(60)).until(() -> next.cancelled || next.failure != null || next.ended);
        assertThat(next.failure).isNull();
        assertThat(next.ended).isFalse();
        assertThat(next.snapshotRows.get()).as("a resumed follower reads no snapshot").isZero();
        assertThat(next.lastStatus).isNotEqualTo("must-refetch");
        token = next.token;
      }
      writers.close();
      long sentinel = writers.sentinel();
      BusFollower last = new BusFollower(state, token, 0);
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> state.containsKey(sentinel) || last.failure != null);
        assertThat(last.failure).isNull();
      } finally {
        last.cancel();
      }
      assertThat(state).isEqualTo(selectOpen());
    }
  }

  @Test
  @DisplayName("the Java client cut inside the snapshot and resumed with its last batch's token goes on there: no must-refetch, PostgreSQL's rows")
  void clientCutInsideSnapshot() throws Exception {
    Map<Long, List<Object>> state = new ConcurrentHashMap<>();
    try (Writers writers = new Writers(3)) {
      String token = null;
      for (int batches : new int[] {1, 2}) { // after the first batch (its one row), then after two more
        BusFollower part = new BusFollower(state, token, 0, batches);
        await().atMost(Duration.ofSeconds(60)).until(() -> part.cancelled || part.failure != null || part.ended);
        assertThat(part.failure).isNull();
        assertThat(part.lastStatus).isNotEqualTo("must-refetch");
        assertThat(part.live).as("cut inside the snapshot").isFalse();
        token = part.token;
        long before = writers.done.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> writers.done.get() > before + 30); // changes while cut
      }
      writers.close();
      long sentinel = writers.sentinel();
      BusFollower last = new BusFollower(state, token, 0);
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> state.containsKey(sentinel) || last.failure != null || last.ended);
        assertThat(last.failure).isNull();
        assertThat(last.lastStatus).isNotEqualTo("must-refetch");
        assertThat(last.snapshotRows.get()).as("the rest of the snapshot").isPositive();
      } finally {
        last.cancel();
      }
      assertThat(state).isEqualTo(selectOpen());
    }
  }

  @Test
  @DisplayName("a plain stream's token ends a followed stream with one must-refetch record; a change token does not resume a plain stream")
  void tokensThatCannotContinue() throws Exception {
    String keyToken = onVertx(() -> client.open(new StreamRequest("items", OPEN_ONLY, 5L)).compose(plain -> {
      Promise<String> ended = Promise.promise();
      plain.exceptionHandler(ended::tryFail).endHandler(end -> ended.tryComplete(plain.resumeToken())).handler(batch -> {});
      return ended.future();
    }));
    assertThat(keyToken).isNotNull();

    BusFollower refetch = new BusFollower(new ConcurrentHashMap<>(), keyToken, 0);
    await().atMost(Duration.ofSeconds(30)).until(() -> refetch.ended || refetch.failure != null);
    assertThat(refetch.failure).isNull();
    assertThat(refetch.lastStatus).isEqualTo("must-refetch");
    assertThat(refetch.state).isEmpty();
    assertThat(refetch.ops).isEmpty();

    BusFollower live = new BusFollower(new ConcurrentHashMap<>(), null, 0);
    await().atMost(Duration.ofSeconds(60)).until(() -> live.live || live.failure != null);
    String changeToken = live.token;
    live.cancel();
    Throwable refused = onVertxFailure(() -> client.open(new StreamRequest("items", OPEN_ONLY, null), changeToken));
    assertThat(refused).isInstanceOf(StreamFailedException.class);
    assertThat(((StreamFailedException) refused).error().code()).isEqualTo("bad-request");
    assertThat(((StreamFailedException) refused).error().message()).contains("follow");
  }

  @Test
  @DisplayName("a bridge open with follow: true gets the snapshot, live, then each change as op and LSN with a resume token")
  void bridgeFollows() throws Exception {
    String stream = UUID.randomUUID().toString();
    try (BridgeSocket bridge = BridgeSocket.connect(bridgePort)) {
      bridge.send(new JsonObject().put("type", "send").put("address", OPEN).put("replyAddress", "reply." + stream)
          .put("body", new JsonObject().put("stream", stream).put("replyTo", data(stream))
              .put("request", new JsonObject().put("dataset", "items").put("params", new JsonObject().put("status", "open")).put("follow", true))
              .put("credits", 0).put("leaseMs", 60_000)))
          .register(data(stream));
      assertThat(bridge.read().getString("address")).isEqualTo("reply." + stream);
      bridge.send(control(stream), "credit", new JsonObject().put("n", 100_000));

      Map<Long, List<Object>> snapshot = new HashMap<>();
      boolean live = false;
      while (!live) {
        JsonObject batch = nextBatch(bridge);
        JsonArray rows = batch.getJsonArray("rows");
        JsonArray keys = batch.getJsonArray("keys");
        for (int i = 0; i < rows.size(); i++) {
          if (keys.getValue(i) instanceof JsonObject record) {
            live |= "live".equals(record.getString("status"));
          } else {
            JsonObject row = rows.getJsonObject(i);
            snapshot.put(row.getLong("id"), List.of(row.getLong("id"), row.getString("status"), row.getLong("amount")));
          }
        }
      }
      assertThat(snapshot).isEqualTo(selectOpen());

      long id = nextId.getAndIncrement();
      postgres.execute("INSERT INTO bus_items VALUES (" + id + ", 'open', 1)");
      postgres.execute("UPDATE bus_items SET amount = 2 WHERE id = " + id);
      postgres.execute("DELETE FROM bus_items WHERE id = " + id);
      List<String> seen = new ArrayList<>();
      while (seen.size() < 3) {
        JsonObject frame = bridge.read();
        if (!"batch".equals(kind(frame))) {
          continue;
        }
        assertThat(frame.getJsonObject("headers").getString("sluice-resume")).startsWith("v1.");
        JsonObject batch = frame.getJsonObject("body");
        for (int i = 0; i < batch.getJsonArray("rows").size(); i++) {
          JsonObject record = batch.getJsonArray("keys").getJsonObject(i);
          JsonObject row = batch.getJsonArray("rows").getJsonObject(i);
          if (record.containsKey("op") && row.getLong("id") == id) {
            assertThat(record.getString("lsn")).matches("[0-9A-F]+/[0-9A-F]+");
            seen.add(record.getString("op") + ":" + row.getLong("amount"));
          }
        }
      }
      assertThat(seen).containsExactly("insert:1", "update:2", "delete:2");
    }
  }

  /** The next batch frame's body; pings and the started frame skipped, anything else fails. */
  private static JsonObject nextBatch(BridgeSocket bridge) {
    while (true) {
      JsonObject frame = bridge.read();
      if ("batch".equals(kind(frame))) {
        return frame.getJsonObject("body");
      }
      assertThat(kind(frame)).as("frame %s", frame).isIn("ping", "started");
    }
  }

  private static String kind(JsonObject frame) {
    JsonObject headers = frame.getJsonObject("headers");
    return headers == null ? null : headers.getString("sluice-frame");
  }

  private static String data(String stream) {
    return "sluice.stream." + stream + ".data";
  }

  private static String control(String stream) {
    return "sluice.stream." + stream + ".control";
  }

  private static <T> T onVertx(Supplier<Future<T>> action) throws Exception {
    Promise<T> outcome = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> action.get().onComplete(outcome));
    return outcome.future().await(30, TimeUnit.SECONDS);
  }

  private static Throwable onVertxFailure(Supplier<Future<?>> action) throws Exception {
    Promise<Throwable> outcome = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> action.get().onComplete(ar -> outcome.complete(ar.cause())));
    return outcome.future().await(30, TimeUnit.SECONDS);
  }

  /** The dataset's rows with {@code status = 'open'}, as PostgreSQL has them now, by id. */
  private static Map<Long, List<Object>> selectOpen() throws Exception {
    Map<Long, List<Object>> rows = new HashMap<>();
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, status, amount FROM bus_items WHERE status = 'open'")) {
      while (rs.next()) {
        rows.put(rs.getLong(1), List.of(rs.getLong(1), rs.getString(2), rs.getLong(3)));
      }
    }
    return rows;
  }

  /**
   * Follows {@code items} with {@code status=open} through the Java client onto {@code state}
   * (snapshot rows put, inserts and updates put, deletes removed), from the snapshot or after
   * {@code resumeToken}; cancels after {@code cutAfter} batches holding changes (0: never),
   * keeping the token after the last batch it applied.
   */
  private static final class BusFollower {
    final Map<Long, List<Object>> state;
    final Map<String, AtomicLong> ops = new ConcurrentHashMap<>();
    final AtomicLong snapshotRows = new AtomicLong();
    final AtomicLong changesWithoutLsn = new AtomicLong();
    volatile boolean live;
    volatile boolean cancelled;
    volatile boolean ended;
    volatile String token;
    volatile String lastStatus;
    volatile Throwable failure;
    private final long cutAfter;
    private final Context context = vertx.getOrCreateContext();
    private volatile StreamConsumer consumer;
    private long changeBatches;
    private final long cutInSnapshot;
    private long rowBatches;

    BusFollower(Map<Long, List<Object>> state, String resumeToken, long cutAfter) {
      this(state, resumeToken, cutAfter, 0);
    }

    /** Cuts after {@code cutAfter} batches with changes, or after {@code cutInSnapshot} batches of snapshot rows (0: never). */
    BusFollower(Map<Long, List<Object>> state, String resumeToken, long cutAfter, long cutInSnapshot) {
      this.state = state;
      this.cutAfter = cutAfter;
      this.cutInSnapshot = cutInSnapshot;
      this.token = resumeToken;
      context.runOnContext(v -> client.follow("items", OPEN_ONLY, resumeToken)
          .onSuccess(stream -> {
            consumer = stream;
            stream.exceptionHandler(err -> failure = err).endHandler(end -> ended = true).handler(this::apply);
          })
          .onFailure(err -> failure = err));
    }

    private void apply(RowBatch batch) {
      if (cancelled) {
        return;
      }
      boolean changed = false;
      for (int i = 0; i < batch.size(); i++) {
        String op = batch.op(i);
        Object[] row = batch.rows().get(i);
        if (op == null) {
          snapshotRows.incrementAndGet();
          state.put(((Number) row[0]).longValue(), values(row));
        } else if (batch.isStatus(i)) {
          lastStatus = op;
          live |= "live".equals(op);
        } else {
          changed = true;
          ops.computeIfAbsent(op, o -> new AtomicLong()).incrementAndGet();
          if (batch.lsn(i) == null) {
            changesWithoutLsn.incrementAndGet();
          }
          switch (op) {
            case "insert", "update" -> state.put(((Number) row[0]).longValue(), values(row));
            case "delete" -> state.remove(((Number) row[0]).longValue());
            default -> failure = new IllegalStateException("unknown op " + op);
          }
        }
      }
      token = consumer.resumeToken();
      boolean rows = batch.size() > 0 && batch.op(batch.size() - 1) == null;
      if ((changed && cutAfter > 0 && ++changeBatches >= cutAfter) || (rows && cutInSnapshot > 0 && ++rowBatches >= cutInSnapshot)) {
        cancelled = true;
        consumer.handler(null);
      }
    }

    private static List<Object> values(Object[] row) {
      return List.of(((Number) row[0]).longValue(), row[1], ((Number) row[2]).longValue());
    }

    void cancel() {
      cancelled = true;
      context.runOnContext(v -> {
        if (consumer != null) {
          consumer.handler(null);
        }
      });
    }
  }

  /** A writer on a thread of its own: inserts, updates into and out of the filter, amounts, deletes, single and in transactions of several. */
  private static final class Writers extends ChangeWriters {
    Writers(long seed) {
      super(postgres::connect, seed);
      start();
    }

    @Override
    protected String change(Random random) {
      long id = 1 + random.nextInt((int) nextId.get());
      String status = random.nextBoolean() ? "open" : "closed";
      return switch (random.nextInt(4)) {
        case 0 -> "INSERT INTO bus_items VALUES (" + nextId.getAndIncrement() + ", '" + status + "', " + random.nextInt(1000) + ")";
        case 1 -> "UPDATE bus_items SET status = '" + status + "' WHERE id = " + id;
        case 2 -> "UPDATE bus_items SET amount = amount + 1 WHERE id = " + id;
        default -> "DELETE FROM bus_items WHERE id = " + id;
      };
    }

    /** Inserts a last row in the filter once the writers stopped: a follower that has it has every change before it. */
    long sentinel() {
      long id = nextId.getAndIncrement();
      postgres.execute("INSERT INTO bus_items VALUES (" + id + ", 'open', 0)");
      return id;
    }
  }
}
