package io.sluice.protocol;

import io.sluice.dataset.StreamRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
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
  private List<String> columns = List.of();
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
   * Frames#TRANSFORM_OPEN}) with {@code credits} batches granted up front; completes with the
   * stream's columns, or fails with {@link StreamRefusedException} when the producer refuses.
   */
  public Future<List<String>> open(String serviceAddress, StreamRequest request, int credits) {
    return open(serviceAddress, request, credits, streamId);
  }

  /** As {@link #open(String, StreamRequest, int)}, naming the request for every stage's logs. */
  public Future<List<String>> open(String serviceAddress, StreamRequest request, int credits, String requestId) {
    String dataAddress = Frames.dataAddress(streamId);
    JsonObject open =
        new JsonObject()
            .put("stream", streamId)
            .put("requestId", requestId)
            .put("replyTo", dataAddress)
            .put("request", request.toJson())
            .put("credits", credits)
            .put("leaseMs", leaseMs());
    return listen(dataAddress)
        .compose(v -> bus.<JsonObject>request(serviceAddress, open, new DeliveryOptions().setSendTimeout(leaseMs())))
        .map(reply -> opened(reply.body()).columns)
        .recover(err -> {
          close();
          return Future.failedFuture(refusal(err));
        });
  }

  public String streamId() {
    return streamId;
  }

  private StreamConsumer opened(JsonObject reply) {
    controlAddress = reply.getString("control");
    columns = reply.getJsonArray("columns").stream().map(String::valueOf).toList();
    if (cancelPending) {
      cancel();
    } else if (pendingCredits > 0) {
      grant(pendingCredits);
    }
    return this;
  }

  private static Throwable refusal(Throwable err) {
    if (err instanceof ReplyException reply && reply.failureCode() > 0) {
      try {
        return new StreamRefusedException(StreamError.fromJson(new JsonObject(reply.getMessage())));
      } catch (RuntimeException notJson) {
        return new StreamRefusedException(StreamError.of(StreamError.INTERNAL, 500, reply.getMessage()));
      }
    }
    return new StreamRefusedException(
        StreamError.of(StreamError.DATABASE_UNAVAILABLE, 503, "stream service unavailable: " + err.getMessage()));
  }

  /** The columns the producer announced. */
  public List<String> columns() {
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
      default -> fail(StreamError.of(StreamError.PROTOCOL, 500, "unexpected data frame '" + kind + "'"));
    }
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
