package io.sluice.protocol;

import io.sluice.value.RowBatch;
import io.sluice.logging.RequestLog;
import io.sluice.value.Column;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consuming end of one stream, as a Vert.x {@link ReadStream} of {@link RowBatch}es, so
 * it pipes into any {@code WriteStream}. Demand is credit: credits go out only while the
 * stream has demand ({@link #fetch}, {@link #resume}), at most {@code window} batches ahead of
 * the handler, so a paused stream holds at most that many and the producer behind it stops
 * reading. {@code handler(null)} cancels the stream. The end is reported once: {@code
 * endHandler} after the last batch, or {@code exceptionHandler} with a {@link
 * StreamFailedException} (a producer's error, a lost producer, a broken sequence). A producer is
 * lost when silent for the lease, or, in a cluster, as soon as its node leaves: both are {@code
 * lease-expired}.
 */
public final class StreamConsumer extends StreamEndpoint implements ReadStream<RowBatch> {

  private static final Logger LOG = LoggerFactory.getLogger(StreamConsumer.class);

  private final int window;
  private final Deque<Queued> queue = new ArrayDeque<>();
  /** Who opens the stream, and how. */
  private OpenTerms terms = OpenTerms.BUS;
  /** The token the stream was opened with (null: from its start), then that of the last batch handed to the handler. */
  private String resumeToken;
  /** The token the {@code error} frame carried: after the last row sent. */
  private String failureToken;
  private String controlAddress;
  /** The request this stream serves, named in its errors and log lines. */
  private String requestId;
  private List<Column> columns = List.of();
  private Handler<RowBatch> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private Handler<StreamStart> startedHandler = start -> {};
  private long demand = Long.MAX_VALUE;
  /** Credits granted for batches that have not arrived. */
  private volatile long outstanding;
  /** Credits owed to the producer until its control address is known. */
  private long pendingCredits;
  private boolean cancelPending;
  private long expectedSeq = 1;
  /** Rows that arrived, delivered or queued: what an {@code end} frame must announce. */
  private long received;
  /** Rows handed to the handler. */
  private long delivered;
  /** Rows in {@link #queue}; read by the pipeline gauges. */
  private volatile long queuedRows;
  private Object[] lastKey;
  private boolean handsOverMoves = true;
  private boolean ended;
  private StreamError failure;
  /** The end was reported, or the stream cancelled: nothing more reaches the handlers. */
  private boolean done;

  /** A batch received, with the resume token after its last row (null when the producer sent none). */
  private record Queued(RowBatch batch, String resumeToken) {}

  /** A consumer that keeps up to {@code window} batches credited ahead of its handler; nothing happens until {@link #open}. */
  public StreamConsumer(Vertx vertx, long leaseMs, int window) {
    super(vertx, UUID.randomUUID().toString(), leaseMs);
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
    this.window = window;
  }

  /**
   * Opens the stream at {@code serviceAddress} ({@link Frames#SOURCE_OPEN} or {@link
   * Frames#TRANSFORM_OPEN}), crediting what the stream's demand asks for (a whole window unless
   * it was paused first); {@code request} is the body the serving stage interprets and {@code
   * requestId} names the request in every stage's logs. Completes with the stream's typed
   * columns, or fails with {@link StreamRefusedException} when the producer refuses.
   */
  public Future<List<Column>> open(String serviceAddress, JsonObject request, String requestId) {
    this.requestId = requestId;
    String dataAddress = Frames.dataAddress(streamId);
    long credits = creditsWanted();
    outstanding = credits;
    OpenFrame open = new OpenFrame(streamId, dataAddress, requestId, credits, leaseMs(), request, BatchEncoding.BINARY, terms.principal(),
        terms.resumeToken(), localNode(), terms.transport(), terms.client(), terms.maxRate());
    return listen(dataAddress)
        .compose(v -> bus.<JsonObject>request(serviceAddress, open.toJson(), new DeliveryOptions().setSendTimeout(leaseMs())))
        .map(reply -> opened(reply.body()).columns)
        .recover(err -> {
          done = true;
          close();
          if (!isRefusal(err)) {
            RequestLog.of(LOG, requestId).warn("stream {}: open at {} failed", streamId, serviceAddress, err);
          }
          return Future.failedFuture(new StreamRefusedException(refusal(err).withRequestId(requestId)));
        });
  }

  public String streamId() {
    return streamId;
  }

  /** Opens on {@code openTerms} ({@link OpenTerms#BUS} unless set); before {@link #open}. */
  public StreamConsumer terms(OpenTerms openTerms) {
    this.terms = openTerms;
    this.resumeToken = openTerms.resumeToken();
    return this;
  }

  /** Whether {@code moved} records ({@link RowBatch#isMoved()}: not rows) reach the handler: HTTP and the bridge show them (true), the Java client not. */
  public StreamConsumer handOverMoves(boolean handOver) {
    this.handsOverMoves = handOver;
    return this;
  }

  /**
   * The signed resume token that goes on after the last row handed to the handler: that of the
   * last batch handed over, or, before one, the token the stream was opened with (null: it
   * started at the first row, so opening the same request again goes on).
   */
  public String resumeToken() {
    return resumeToken;
  }

  private StreamConsumer opened(JsonObject reply) {
    controlAddress = reply.getString("control");
    peerNode(reply.getString(OpenFrame.NODE));
    columns = reply.getJsonArray("columns", new JsonArray()).stream().map(c -> Column.fromJson((JsonObject) c)).toList();
    if (cancelPending) {
      sendToPeer(Frames.CANCEL, null);
      closeAfter(Math.min(1_000, leaseMs()));
    } else if (pendingCredits > 0) {
      sendToPeer(Frames.CREDIT, new JsonObject().put("n", pendingCredits));
      pendingCredits = 0;
    }
    return this;
  }

  /** The error a failed {@code open} (or any request to a stage) stands for: see {@link StreamRefusedException#errorOf}. */
  public static StreamError refusal(Throwable err) {
    return StreamRefusedException.errorOf(err);
  }

  /** Whether {@code err} is a stage's own refusal: see {@link StreamRefusedException#isRefusal}. */
  public static boolean isRefusal(Throwable err) {
    return StreamRefusedException.isRefusal(err);
  }

  /** The columns the producer announced. */
  public List<Column> columns() {
    return columns;
  }

  /** Rows handed to the handler so far. */
  public long rows() {
    return delivered;
  }

  /** The key of the last row handed to the handler, or null before the first: where a new stream goes on ({@code after}). */
  public Object[] lastKey() {
    return lastKey;
  }

  /** Called once when the producer has begun its work, before its first batch. */
  public StreamConsumer startedHandler(Handler<StreamStart> handler) {
    this.startedHandler = handler == null ? start -> {} : handler;
    return this;
  }

  @Override
  public StreamConsumer handler(Handler<RowBatch> newHandler) {
    this.handler = newHandler;
    if (newHandler == null) {
      cancel();
    } else {
      pump();
    }
    return this;
  }

  @Override
  public StreamConsumer pause() {
    demand = 0;
    return this;
  }

  @Override
  public StreamConsumer resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public StreamConsumer fetch(long amount) {
    if (amount > 0) {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      pump();
    }
    return this;
  }

  @Override
  public StreamConsumer endHandler(Handler<Void> newEndHandler) {
    this.endHandler = newEndHandler;
    return this;
  }

  @Override
  public StreamConsumer exceptionHandler(Handler<Throwable> newExceptionHandler) {
    this.exceptionHandler = newExceptionHandler;
    return this;
  }

  /**
   * Hands queued batches to the handler while there is demand, then reports the end or the
   * failure once, or credits what the demand leaves room for.
   */
  private void pump() {
    if (done || handler == null) {
      return;
    }
    while (demand > 0 && !queue.isEmpty() && failure == null) {
      Queued next = queue.poll();
      RowBatch batch = next.batch();
      if (next.resumeToken() != null) {
        resumeToken = next.resumeToken();
      }
      queuedRows -= batch.size();
      boolean moved = batch.isMoved(); // a notice, not a row: it never counts, nor becomes the last key
      if (moved && !handsOverMoves) {
        continue;
      }
      demand -= demand != Long.MAX_VALUE ? 1 : 0;
      delivered += moved ? 0 : batch.size();
      lastKey = moved || batch.lastKey() == null ? lastKey : batch.lastKey();
      handler.handle(batch);
      if (done) {
        return;
      }
    }
    if (failure != null) {
      // nothing received was dropped: the error's own token, after the last row sent, is as exact and known even before a batch
      String token = queue.isEmpty() && failureToken != null ? failureToken : resumeToken;
      finish();
      if (exceptionHandler != null) {
        exceptionHandler.handle(new StreamFailedException(failure, lastKey, token));
      }
    } else if (ended && queue.isEmpty()) {
      finish();
      if (endHandler != null) {
        endHandler.handle(null);
      }
    } else if (!ended) {
      grantCredits();
    }
  }

  private long creditsWanted() {
    return Math.max(0, Math.min(demand, window) - outstanding - queue.size());
  }

  private void grantCredits() {
    long wanted = creditsWanted();
    if (wanted <= 0 || isClosed()) {
      return;
    }
    outstanding += wanted;
    if (controlAddress == null) {
      pendingCredits += wanted;
    } else {
      sendToPeer(Frames.CREDIT, new JsonObject().put("n", wanted));
    }
  }

  /** Stops the stream; its handlers hear nothing more. */
  private void cancel() {
    finish();
    if (isClosed() || cancelPending) {
      return;
    }
    if (controlAddress == null) {
      cancelPending = true;
      return;
    }
    sendToPeer(Frames.CANCEL, null);
    closeAfter(Math.min(1_000, leaseMs()));
  }

  private void finish() {
    done = true;
    queue.clear();
    queuedRows = 0;
  }

  @Override
  public long creditsOutstanding() {
    return isClosed() ? 0 : outstanding;
  }

  @Override
  public long rowsHeld() {
    return queuedRows;
  }

  @Override
  protected void onFrame(String kind, Object body, String batchToken) {
    switch (kind == null ? "" : kind) {
      case Frames.STARTED -> startedHandler.handle(StreamStart.fromJson((JsonObject) body));
      case Frames.BATCH -> {
        RowBatch batch = (RowBatch) body;
        if (batch.seq() != expectedSeq) {
          fail(StreamError.of(StreamError.PROTOCOL, 500, "expected batch " + expectedSeq + ", got " + batch.seq()));
          return;
        }
        expectedSeq++;
        outstanding--;
        received += batch.size();
        queue.add(new Queued(batch, batchToken));
        queuedRows += batch.size();
        pump();
      }
      case Frames.END -> {
        JsonObject end = (JsonObject) body;
        close();
        long seq = end.getLong("seq", 0L);
        long rows = end.getLong("rows", 0L);
        if (seq != expectedSeq - 1 || rows != received) {
          failure = StreamError.of(StreamError.PROTOCOL, 500,
              "stream ended after batch " + seq + " of " + rows + " rows, but " + (expectedSeq - 1) + " batches of " + received + " rows arrived")
              .withRequestId(requestId);
        } else {
          ended = true;
        }
        pump();
      }
      case Frames.ERROR -> {
        close();
        failureToken = ((JsonObject) body).getString("resumeToken");
        failure = StreamError.fromJson((JsonObject) body).withRequestId(requestId);
        pump();
      }
      default -> throw new IllegalArgumentException("unexpected data frame '" + kind + "'");
    }
  }

  @Override
  protected void onBrokenFrame(String kind, Throwable failure) {
    if (isClosed()) {
      return; // a handler threw while handling an end or error: it has its answer
    }
    RequestLog.of(LOG, requestId).warn("stream {}: bad '{}' frame from the producer", streamId, kind, failure);
    fail(StreamError.of(StreamError.PROTOCOL, 500, "bad '" + kind + "' frame"));
  }

  /** Fails the stream from this side: the producer is told to stop, the handler hears the error. */
  private void fail(StreamError error) {
    if (controlAddress != null) {
      sendToPeer(Frames.CANCEL, null);
    }
    failQuietly(error);
  }

  /** Fails the stream from this side, telling the producer nothing (it is gone): the handler hears the error. */
  private void failQuietly(StreamError error) {
    close();
    failure = error.withRequestId(requestId);
    pump();
  }

  @Override
  protected void onLeaseExpired() {
    fail(StreamError.of(StreamError.LEASE_EXPIRED, 504, "producer silent for " + leaseMs() + " ms"));
  }

  /** The producer's node left the cluster: the stream fails as if its lease had expired, so its client goes on the same way. */
  @Override
  protected void onPeerNodeLeft(String nodeId) {
    RequestLog.of(LOG, requestId).warn("stream {}: the producer's node {} left the cluster", streamId, nodeId);
    failQuietly(StreamError.of(StreamError.LEASE_EXPIRED, 504, "the producer's node left the cluster"));
  }

  @Override
  protected String peerAddress() {
    return controlAddress;
  }
}
