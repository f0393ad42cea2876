package io.sluice.protocol;

import io.sluice.value.Column;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The producing end of one stream. It sends a batch only against a credit the consumer
 * granted, numbers batches from 1, and stops on {@code cancel} or when the consumer has
 * been silent past the lease; {@link #onClosed} then tells the owner to release what it holds.
 */
public final class StreamProducer extends StreamEndpoint {

  /** The most batches a consumer may have granted and not yet received. */
  public static final long MAX_CREDITS = 1L << 20;

  private final OpenFrame frame;
  /** Column names, for JSON batches only. */
  private final List<String> names;
  private long credits;
  private long seq;
  private Handler<Void> demandHandler = v -> {};
  private Handler<String> closedHandler = reason -> {};

  private StreamProducer(Vertx vertx, OpenFrame frame, List<Column> columns) {
    super(vertx, frame.streamId(), frame.leaseMs());
    this.frame = frame;
    this.names = columns.stream().map(Column::name).toList();
    this.credits = frame.credits();
  }

  /** Refuses an {@code open}; the consumer's open future fails with this error. */
  public static void refuse(Message<JsonObject> open, StreamError error) {
    open.fail(error.status(), error.toJson().encode());
  }

  /**
   * Accepts an {@code open} whose {@code frame} the serving stage has read and checked: listens on the control address, then
   * replies with it and the stream's typed columns.
   */
  public static Future<StreamProducer> accept(Vertx vertx, Message<JsonObject> open, OpenFrame frame, List<Column> columns) {
    StreamProducer producer = new StreamProducer(vertx, frame, columns);
    String control = Frames.controlAddress(producer.streamId);
    JsonArray announced = new JsonArray(columns.stream().map(Column::toJson).toList());
    return producer
        .listen(control)
        .onSuccess(v -> open.reply(new JsonObject().put("control", control).put("columns", announced)))
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

  public boolean hasCredit() {
    return credits > 0 && !isClosed();
  }

  public long credits() {
    return credits;
  }

  /** Called each time the consumer grants credits. */
  public StreamProducer demandHandler(Handler<Void> handler) {
    this.demandHandler = handler;
    return this;
  }

  /** Called once if the consumer cancels or its lease expires, with the reason. */
  public StreamProducer closedHandler(Handler<String> handler) {
    this.closedHandler = handler;
    return this;
  }

  /** Tells the consumer the work has begun (no credit needed: it is not a batch). */
  public void started(StreamStart start) {
    sendToPeer(Frames.STARTED, start.toJson());
  }

  /**
   * Sends one batch, with each row's key (or none: an empty list), against one credit: a
   * {@link RowBatch}, or a {@link JsonBatch} when the consumer opened with {@code encoding: json}.
   */
  public void send(List<Object[]> rows, List<Object[]> keys) {
    if (!hasCredit()) {
      throw new IllegalStateException("stream " + streamId + ": batch sent without credit");
    }
    credits--;
    seq++;
    sendToPeer(Frames.BATCH, frame.encoding() == BatchEncoding.JSON ? JsonBatch.of(seq, names, rows, keys) : new RowBatch(seq, rows, keys));
  }

  /** Ends the stream successfully; {@code rows} is the total sent. */
  public void end(long rows) {
    sendToPeer(Frames.END, new JsonObject().put("seq", seq).put("rows", rows));
    closeAfter(Math.min(1_000, leaseMs()));
  }

  /** Ends the stream with an error. */
  public void fail(StreamError error) {
    sendToPeer(Frames.ERROR, error.toJson().put("seq", seq));
    closeAfter(Math.min(1_000, leaseMs()));
  }

  @Override
  protected void onFrame(String kind, Object body) {
    switch (kind == null ? "" : kind) {
      case Frames.CREDIT -> {
        credits += grantIn(body);
        demandHandler.handle(null);
      }
      case Frames.CANCEL -> {
        close();
        closedHandler.handle("cancelled by consumer");
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
    fail(StreamError.of(StreamError.PROTOCOL, 500, "bad '" + kind + "' frame: " + failure.getMessage()));
    closedHandler.handle("protocol error");
  }

  @Override
  protected void onLeaseExpired() {
    sendToPeer(Frames.ERROR, StreamError.of(StreamError.LEASE_EXPIRED, 504, "consumer silent for " + leaseMs() + " ms").toJson());
    closedHandler.handle("consumer lease expired");
  }

  @Override
  protected String peerAddress() {
    return frame.replyTo();
  }
}
