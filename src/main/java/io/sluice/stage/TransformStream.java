package io.sluice.stage;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.StreamRequest;
import io.sluice.logging.RequestLog;
import io.sluice.transform.TransformChain;
import io.sluice.protocol.OpenFrame;
import io.sluice.value.RowBatch;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamFailedException;
import io.sluice.protocol.StreamProducer;
import io.sluice.protocol.StreamRefusedException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.Pipe;
import io.vertx.core.streams.WriteStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream through the transform stage: the source stage's stream upstream, a {@link
 * StreamConsumer}, piped into the stream of whoever opened it downstream, a {@link
 * StreamProducer}, through the dataset's {@link TransformChain}. The pipe is the flow control:
 * downstream credit resumes upstream, its absence pauses it, so upstream runs at most {@link
 * #UPSTREAM_WINDOW} batches ahead of the downstream consumer. A failure upstream or in a
 * transform ends downstream with the error; a downstream consumer that leaves cancels upstream.
 * A bus or bridge stream is {@link GovernedStream governed} on its way: metered, charged to its
 * client's quota (which, used up, cuts it), held to its rate cap, its batches given resume tokens.
 */
final class TransformStream {

  private static final Logger LOG = LoggerFactory.getLogger(TransformStream.class);
  /**
   * Batches the source may send ahead of the downstream credits: two, so that it reads the
   * next batch while one is on its way here, and does not wait for a credit after every batch.
   */
  static final int UPSTREAM_WINDOW = 2;

  private TransformStream() {}

  /**
   * Opens the stream {@code frame} asks for at the source stage's {@code sourceOpen}, then accepts {@code
   * open} with the columns the dataset's transforms make of the cursor's, and pipes one into
   * the other, {@code governed} unless null (a stream HTTP serves). Fails, with upstream
   * cancelled, if either step does.
   */
  static Future<Void> relay(Vertx vertx, Message<JsonObject> open, OpenFrame frame, Dataset dataset, StreamRequest request,
      String sourceOpen, GovernedStream governed) {
    StreamConsumer upstream = new StreamConsumer(vertx, frame.leaseMs(), UPSTREAM_WINDOW);
    Promise<StreamProducer> accepted = Promise.promise();
    // the source may announce its start before downstream is accepted: it goes out first then
    upstream.startedHandler(start -> accepted.future().onSuccess(downstream -> downstream.started(start)));
    JsonObject upstreamRequest = governed == null ? frame.request() : governed.request().toJson();
    return upstream.open(sourceOpen, upstreamRequest, frame.requestId())
        .compose(columns -> {
          // the column rules hide what the caller's roles do not cover, before the selection
          TransformChain chain = dataset.transforms().bind(columns, request.columns(), request::callerHolds);
          return StreamProducer.accept(vertx, open, frame, chain.columns()).map(downstream -> {
            accepted.complete(downstream);
            if (governed != null) {
              governed.mintTokens(downstream);
            }
            pipe(upstream, downstream, chain, dataset, governed, RequestLog.of(LOG, frame.requestId()));
            return (Void) null;
          });
        })
        .onFailure(err -> upstream.handler(null));
  }

  private static void pipe(StreamConsumer upstream, StreamProducer downstream, TransformChain chain, Dataset dataset,
      GovernedStream governed, RequestLog log) {
    log.debug("dataset '{}': stream {} relays source stream {}", dataset.name(), downstream.streamId(), upstream.streamId());
    Pipe<RowBatch> pipe = upstream.pipe().endOnFailure(false);
    // a consumer that leaves while the pipe waits for its credit is heard only here
    downstream.exceptionHandler(gone -> pipe.close());
    pipe.to(new Transformed(chain, downstream, governed)).onComplete(ar -> {
      Throwable err = ar.cause();
      StreamError failure = null;
      if (ar.succeeded()) {
        log.debug("dataset '{}': stream {} relayed to its end", dataset.name(), downstream.streamId());
      } else if (err instanceof StreamFailedException upstreamFailed) {
        log.debug("dataset '{}': stream {} failed: {}", dataset.name(), downstream.streamId(), upstreamFailed.error().code());
        failure = upstreamFailed.error();
      } else if (err instanceof TransformFailedException transformFailed) {
        log.error("dataset '{}': a transform failed", dataset.name(), transformFailed.getCause());
        failure = StreamError.of(StreamError.INTERNAL, 500, "transform failed");
      } else {
        // downstream is gone (the pipe was closed, or a write found it closed): nobody to tell
        log.debug("dataset '{}': stream {} stopped: its consumer left", dataset.name(), downstream.streamId());
      }
      if (failure != null) {
        downstream.fail(failure);
      }
      if (governed != null) {
        if (ar.succeeded()) {
          governed.completed();
        } else if (failure != null) {
          governed.failed(failure);
        } else {
          governed.cancelled();
        }
      }
    });
  }

  /**
   * Why an open this stage could not relay is refused: the source stage's refusal, a request
   * this stage found malformed (our own words), or a generic error; the caller logs the cause
   * of the last two.
   */
  static StreamError refusal(Throwable err) {
    if (err instanceof StreamRefusedException refused) {
      return refused.error();
    }
    if (err instanceof IllegalArgumentException malformed) {
      return StreamError.of(StreamError.PROTOCOL, 400, malformed.getMessage());
    }
    return StreamError.of(StreamError.INTERNAL, 500, "cannot open the stream");
  }

  /**
   * The downstream producer, seen through the transforms: a batch in is a batch out, with the keys
   * the source read. A governed stream's quota is checked before each batch and its rate cap counts
   * as a full write queue.
   */
  private static final class Transformed implements WriteStream<RowBatch> {

    private final TransformChain chain;
    private final StreamProducer downstream;
    /** Null for a stream HTTP serves. */
    private final GovernedStream governed;
    private Handler<Void> drainHandler;

    Transformed(TransformChain chain, StreamProducer downstream, GovernedStream governed) {
      this.chain = chain;
      this.downstream = downstream;
      this.governed = governed;
      if (governed != null) {
        governed.onRefill(this::drain);
      }
    }

    @Override
    public Future<Void> write(RowBatch batch) {
      if (governed != null) {
        StreamError quotaExhausted = governed.quotaExhausted();
        if (quotaExhausted != null) {
          // the client exported its quota for this window: the stream ends with the token of its last batch
          return Future.failedFuture(new StreamFailedException(quotaExhausted, null));
        }
      }
      List<Object[]> rows;
      try {
        // a followed stream's changes are the same rows for every follower with its parameters
        rows = batch.size() > 0 && batch.op(0) != null && !batch.isStatus(0) ? chain.applyShared(batch.rows()) : chain.apply(batch.rows());
      } catch (Throwable e) { // an Error too: the stream must end, not hang
        return Future.failedFuture(new TransformFailedException(e));
      }
      Future<Void> written = downstream.write(new RowBatch(batch.seq(), rows, batch.keys()));
      if (governed != null) {
        governed.sent(rows.size());
      }
      return written;
    }

    @Override
    public Future<Void> end() {
      return downstream.end();
    }

    @Override
    public boolean writeQueueFull() {
      return downstream.writeQueueFull() || (governed != null && governed.holdsBack());
    }

    /** Resumes the pipe unless the consumer's credit or the rate cap still holds it back (their own drain will). */
    private void drain() {
      if (drainHandler != null && !writeQueueFull()) {
        drainHandler.handle(null);
      }
    }

    @Override
    public Transformed drainHandler(Handler<Void> handler) {
      this.drainHandler = handler;
      downstream.drainHandler(v -> drain());
      return this;
    }

    @Override
    public Transformed exceptionHandler(Handler<Throwable> handler) {
      return this; // the relay watches downstream itself
    }

    @Override
    public Transformed setWriteQueueMaxSize(int maxSize) {
      return this;
    }
  }

  /** A transform threw while applied to a batch. */
  private static final class TransformFailedException extends RuntimeException {
    TransformFailedException(Throwable cause) {
      super(cause.toString(), cause, false, false);
    }
  }
}
