package io.sluice.protocol;

import io.sluice.value.Column;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;

/**
 * The consuming end of one stream. It opens the stream with an initial number of credits,
 * grants more as it makes room, checks that batches arrive in sequence, and can cancel.
 */
public final class StreamConsumer extends StreamEndpoint {

  private final StreamListener listener;
  private String controlAddress;
  private List<Column> columns = List.of();
  private long expectedSeq = 1;
  private long pendingCredits;
  private boolean cancelPending;

  /** A consumer that reports to {@code listener}; nothing happens until {@link #open}. */
  public StreamConsumer(Vertx vertx, long leaseMs, StreamListener listener) {
    super(vertx, UUID.randomUUID().toString(), leaseMs);
    this.listener = listener;
  }

  /**
   * Opens the stream at {@code serviceAddress} ({@link Frames#CURSOR_OPEN} or {@link
   * Frames#TRANSFORM_OPEN}) with {@code credits} batches granted up front; {@code request} is
   * the body the serving stage interprets and {@code requestId} names the request in every
   * stage's logs. Completes with the stream's typed columns, or fails with {@link
   * StreamRefusedException} when the producer refuses.
   */
  public Future<List<Column>> open(String serviceAddress, JsonObject request, int credits, String requestId) {
    String dataAddress = Frames.dataAddress(streamId);
    OpenFrame open = new OpenFrame(streamId, dataAddress, requestId, credits, leaseMs(), request, BatchEncoding.BINARY, null, null);
    return listen(dataAddress)
        .compose(v -> bus.<JsonObject>request(serviceAddress, open.toJson(), new DeliveryOptions().setSendTimeout(leaseMs())))
        .map(reply -> opened(reply.body()).columns)
        .recover(err -> {
          close();
          return Future.failedFuture(new StreamRefusedException(refusal(err)));
        });
  }

  public String streamId() {
    return streamId;
  }

  private StreamConsumer opened(JsonObject reply) {
    controlAddress = reply.getString("control");
    columns = reply.getJsonArray("columns", new JsonArray()).stream().map(c -> Column.fromJson((JsonObject) c)).toList();
    if (cancelPending) {
      cancel();
    } else if (pendingCredits > 0) {
      grant(pendingCredits);
    }
    return this;
  }

  /** The error a failed {@code open} (or any request to a stage) stands for: the stage's refusal, or its absence. */
  public static StreamError refusal(Throwable err) {
    if (err instanceof StreamRefusedException refused) {
      return refused.error();
    }
    if (err instanceof ReplyException reply && reply.failureCode() > 0) {
      try {
        return StreamError.fromJson(new JsonObject(reply.getMessage()));
      } catch (RuntimeException notJson) {
        return StreamError.of(StreamError.INTERNAL, 500, reply.getMessage());
      }
    }
    return StreamError.of(StreamError.DATABASE_UNAVAILABLE, 503, "stream service unavailable: " + err.getMessage());
  }

  /** The columns the producer announced. */
  public List<Column> columns() {
    return columns;
  }

  /** Grants {@code n} more batches. */
  public void grant(long n) {
    if (controlAddress == null) {
      pendingCredits += n;
    } else {
      sendToPeer(Frames.CREDIT, new JsonObject().put("n", n));
    }
  }

  /** Stops the stream; the listener hears nothing more. */
  public void cancel() {
    if (isClosed()) {
      return;
    }
    if (controlAddress == null) {
      cancelPending = true;
      return;
    }
    sendToPeer(Frames.CANCEL, null);
    closeAfter(Math.min(1_000, leaseMs()));
  }

  @Override
  protected void onFrame(String kind, Object body) {
    switch (kind == null ? "" : kind) {
      case Frames.STARTED -> listener.onStarted(StreamStart.fromJson((JsonObject) body));
      case Frames.BATCH -> {
        RowBatch batch = (RowBatch) body;
        if (batch.seq() != expectedSeq) {
          fail(StreamError.of(StreamError.PROTOCOL, 500, "expected batch " + expectedSeq + ", got " + batch.seq()));
          return;
        }
        expectedSeq++;
        listener.onBatch(batch);
      }
      case Frames.END -> {
        JsonObject end = (JsonObject) body;
        close();
        if (end.getLong("seq", 0L) != expectedSeq - 1) {
          listener.onError(StreamError.of(StreamError.PROTOCOL, 500, "stream ended after batch " + end.getLong("seq") + " but " + (expectedSeq - 1) + " arrived"));
        } else {
          listener.onEnd(end.getLong("rows", 0L));
        }
      }
      case Frames.ERROR -> {
        close();
        listener.onError(StreamError.fromJson((JsonObject) body));
      }
      default -> throw new IllegalArgumentException("unexpected data frame '" + kind + "'");
    }
  }

  @Override
  protected void onBrokenFrame(String kind, Throwable failure) {
    if (isClosed()) {
      return; // the listener threw while handling an end or error: it has its answer
    }
    fail(StreamError.of(StreamError.PROTOCOL, 500, "bad '" + kind + "' frame: " + failure));
  }

  private void fail(StreamError error) {
    cancel();
    close();
    listener.onError(error);
  }

  @Override
  protected void onLeaseExpired() {
    if (controlAddress != null) {
      sendToPeer(Frames.CANCEL, null);
    }
    listener.onError(StreamError.of(StreamError.LEASE_EXPIRED, 504, "producer silent for " + leaseMs() + " ms"));
  }

  @Override
  protected String peerAddress() {
    return controlAddress;
  }
}
