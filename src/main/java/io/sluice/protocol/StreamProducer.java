package io.sluice.protocol;

import io.sluice.value.RowBatch;
import io.sluice.logging.RequestLog;
import io.sluice.value.Column;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producing end of one stream, as a Vert.x {@link WriteStream} of {@link RowBatch}es whose
 * write queue is the consumer's credit: it sends a batch only against a credit the consumer
 * granted, numbering batches from 1, so {@link #writeQueueFull()} means "no credit" and the
 * {@link #drainHandler} runs when credit comes. A batch written without credit waits for it.
 * When the consumer cancels, is silent past the lease or its cluster node leaves, the {@link
 * #exceptionHandler} hears a {@link StreamClosedException}, pending writes fail, and the owner
 * releases what it holds.
 */
public final class StreamProducer extends StreamEndpoint implements WriteStream<RowBatch> {

  private static final Logger LOG = LoggerFactory.getLogger(StreamProducer.class);

  /** The most batches a consumer may have granted and not yet received. */
  public static final long MAX_CREDITS = OpenFrame.MAX_CREDITS;

  private final OpenFrame frame;
  /** Column names, for JSON batches only. */
  private final List<String> names;
  /** Batches written and waiting for credit, with the promises of their writes. */
  private final Deque<Pending> pending = new ArrayDeque<>();
  private long credits;
  /** Rows in batches written and waiting for credit; read by the pipeline gauges. */
  private volatile long pendingRows;
  private long seq;
  private long rows;
  private Handler<Void> drainHandler;
  private Handler<Throwable> exceptionHandler;
  /** The end asked for while batches still waited for credit. */
  private Promise<Void> ending;
  /** Mints the resume token after a row's key, or null: this stream's batches carry none. */
  private Function<Object[], String> resumeTokens;
  /** The token after the last row sent (the stream's start until a batch is), or null. */
  private String resumeToken;

  private record Pending(RowBatch batch, Promise<Void> written) {}

  private StreamProducer(Vertx vertx, OpenFrame frame, List<Column> columns) {
    super(vertx, frame.streamId(), frame.leaseMs());
    this.frame = frame;
    this.names = columns.stream().map(Column::name).toList();
    this.credits = frame.credits();
    peerNode(frame.node());
  }

  /** Refuses an {@code open}; the consumer's open future fails with this error, which names the open's request. */
  public static void refuse(Message<JsonObject> open, StreamError error) {
    open.fail(error.status(), error.withRequestId(requestIdOf(open)).toJson().encode());
  }

  /**
   * The request id an {@code open} names, for logs and refusals, read without trusting its
   * shape (the frame may be malformed): its {@code requestId}, else its stream id, else null.
   */
  public static String requestIdOf(Message<JsonObject> open) {
    Object body = open.body();
    if (!(body instanceof JsonObject json)) {
      return null;
    }
    Object id = json.getValue("requestId");
    if (id instanceof String text) {
      return text;
    }
    return json.getValue("stream") instanceof String stream ? stream : null;
  }

  /**
   * Accepts an {@code open} whose {@code frame} the serving stage has read and checked: listens on the control address, then
   * replies with it, the stream's typed columns and, in a cluster, this node's id.
   */
  public static Future<StreamProducer> accept(Vertx vertx, Message<JsonObject> open, OpenFrame frame, List<Column> columns) {
    StreamProducer producer = new StreamProducer(vertx, frame, columns);
    String control = Frames.controlAddress(producer.streamId);
    JsonArray announced = new JsonArray(columns.stream().map(Column::toJson).toList());
    JsonObject reply = new JsonObject().put("control", control).put("columns", announced);
    String node = producer.localNode();
    if (node != null) {
      reply.put(OpenFrame.NODE, node);
    }
    return producer
        .listen(control)
        .onSuccess(v -> open.reply(reply))
        .map(producer);
  }

  public String streamId() {
    return streamId;
  }

  /** The frame that opened this stream. */
  public OpenFrame frame() {
    return frame;
  }

  /** The id of the request this stream serves, for logs (the stream id if none was given). */
  public String requestId() {
    return frame.requestId();
  }

  /**
   * From now on every batch goes with the resume token after its last row (the {@link
   * Frames#RESUME} header), minted by {@code afterKey}, and an {@code error} frame with the token
   * after the last row sent ({@code startToken}, where the stream started, until one is).
   */
  public StreamProducer resumeTokens(String startToken, Function<Object[], String> afterKey) {
    this.resumeToken = startToken;
    this.resumeTokens = afterKey;
    return this;
  }

  /** Tells the consumer the work has begun (no credit needed: it is not a batch). */
  public void started(StreamStart start) {
    sendToPeer(Frames.STARTED, start.toJson());
  }

  /**
   * Sends one batch (its rows and each row's key, or none; its own {@code seq} is ignored: the
   * producer numbers batches) against one credit, or once a credit comes: a {@link RowBatch},
   * or a {@link JsonBatch} when the consumer opened with {@code encoding: json}. Completes when
   * the batch is on the event bus; fails if the stream closes first.
   */
  @Override
  public Future<Void> write(RowBatch batch) {
    if (isClosed() || ending != null) {
      return Future.failedFuture(new StreamClosedException("stream " + streamId + " is closed"));
    }
    Promise<Void> written = Promise.promise();
    pending.add(new Pending(batch, written));
    pendingRows += batch.size();
    flush();
    return written.future();
  }

  /** True while the consumer has granted no credit for another batch. */
  @Override
  public boolean writeQueueFull() {
    return credits <= pending.size();
  }

  /** The write queue is the consumer's credit: its size is not the producer's to set. */
  @Override
  public StreamProducer setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  /** Called when the consumer grants credit while the write queue was full. */
  @Override
  public StreamProducer drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }

  /** Called once if the consumer cancels or its lease expires, with a {@link StreamClosedException}. */
  @Override
  public StreamProducer exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  /** Ends the stream successfully once every batch written is sent, announcing the total of rows. */
  @Override
  public Future<Void> end() {
    if (isClosed()) {
      return Future.failedFuture(new StreamClosedException("stream " + streamId + " is closed"));
    }
    if (ending == null) {
      ending = Promise.promise();
      flush();
    }
    return ending.future();
  }

  /** Ends the stream with an error, dropping batches that wait for credit. */
  public void fail(StreamError error) {
    JsonObject body = error.withRequestId(frame.requestId()).toJson().put("seq", seq);
    if (resumeToken != null) {
      body.put("resumeToken", resumeToken);
    }
    sendToPeer(Frames.ERROR, body);
    closeAfter(Math.min(1_000, leaseMs()));
    failPending();
  }

  private void flush() {
    while (credits > 0 && !pending.isEmpty() && !isClosed()) {
      Pending next = pending.poll();
      pendingRows -= next.batch().size();
      credits--;
      seq++;
      rows += next.batch().size();
      RowBatch batch = next.batch();
      if (resumeTokens != null && batch.lastKey() != null) {
        resumeToken = resumeTokens.apply(batch.lastKey());
      }
      sendToPeer(Frames.BATCH, frame.encoding() == BatchEncoding.JSON
          ? JsonBatch.of(seq, names, batch.rows(), batch.keys())
          : new RowBatch(seq, batch.rows(), batch.keys()), resumeTokens == null ? null : resumeToken);
      next.written().complete();
    }
    if (ending != null && pending.isEmpty() && !isClosed()) {
      sendToPeer(Frames.END, new JsonObject().put("seq", seq).put("rows", rows));
      closeAfter(Math.min(1_000, leaseMs()));
      ending.complete();
    }
  }

  @Override
  protected void onFrame(String kind, Object body, String resumeToken) {
    switch (kind == null ? "" : kind) {
      case Frames.CREDIT -> {
        boolean wasFull = writeQueueFull();
        credits += grantIn(body);
        flush();
        if (wasFull && !writeQueueFull() && drainHandler != null) {
          drainHandler.handle(null);
        }
      }
      case Frames.CANCEL -> {
        close();
        closed("cancelled by consumer");
      }
      default -> throw new IllegalArgumentException("unexpected control frame '" + kind + "'");
    }
  }

  /** The credits a {@code credit} frame grants: a whole number from 1 that keeps the total within {@link #MAX_CREDITS}. */
  private long grantIn(Object body) {
    Object n = body instanceof JsonObject json ? json.getValue("n") : null;
    if (!(n instanceof Integer || n instanceof Long)) {
      throw new IllegalArgumentException("a credit frame needs a whole number 'n', got " + body);
    }
    long granted = ((Number) n).longValue();
    if (granted < 1 || granted > MAX_CREDITS - credits) {
      throw new IllegalArgumentException("credit " + granted + " is out of range: " + credits + " held, at most " + MAX_CREDITS);
    }
    return granted;
  }

  @Override
  protected void onBrokenFrame(String kind, Throwable failure) {
    RequestLog.of(LOG, frame.requestId()).warn("stream {}: bad '{}' frame from the consumer", streamId, kind, failure);
    // our own checks say what is wrong in words of the protocol; anything else may name Java's classes
    String why = failure instanceof IllegalArgumentException ? ": " + failure.getMessage() : "";
    fail(StreamError.of(StreamError.PROTOCOL, 500, "bad '" + kind + "' frame" + why));
    closed("protocol error");
  }

  @Override
  protected void onLeaseExpired() {
    sendToPeer(Frames.ERROR, StreamError.of(StreamError.LEASE_EXPIRED, 504, "consumer silent for " + leaseMs() + " ms")
        .withRequestId(frame.requestId()).toJson());
    closed("consumer lease expired");
  }

  @Override
  protected void onPeerNodeLeft(String nodeId) {
    RequestLog.of(LOG, frame.requestId()).warn("stream {}: the consumer's node {} left the cluster", streamId, nodeId);
    closed("consumer's node left the cluster");
  }

  /** The consumer is gone: writes waiting for credit fail, and the owner hears why. */
  private void closed(String reason) {
    StreamClosedException gone = new StreamClosedException(reason);
    failPending();
    if (ending != null) {
      ending.tryFail(gone);
    }
    if (exceptionHandler != null) {
      exceptionHandler.handle(gone);
    }
  }

  private void failPending() {
    pendingRows = 0;
    while (!pending.isEmpty()) {
      pending.poll().written().tryFail(new StreamClosedException("stream " + streamId + " closed before the batch was sent"));
    }
  }

  @Override
  public long rowsHeld() {
    return pendingRows;
  }

  @Override
  protected String peerAddress() {
    return frame.replyTo();
  }
}
