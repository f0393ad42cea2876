package io.sluice.stage;

import io.sluice.error.FailureException;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamProducer;
import io.sluice.protocol.StreamStart;
import io.sluice.source.Source;
import io.sluice.value.RowBatch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.Pipe;

/**
 * One stream through the source stage: a {@link Source} piped into the {@link StreamProducer} of
 * whoever opened it. The pipe is the flow control: the consumer's credit is the source's demand.
 * The source's start goes out as the {@code started} frame, its failure as the {@code error}
 * frame; a consumer that leaves cancels it; the whole-stream deadline and a shutdown stop it.
 */
final class SourceStream {

  private final Vertx vertx;
  private final Source source;
  private final StreamProducer producer;
  private final long maxDurationMs;

  SourceStream(Vertx vertx, Source source, StreamProducer producer, long maxDurationMs) {
    this.vertx = vertx;
    this.source = source;
    this.producer = producer;
    this.maxDurationMs = maxDurationMs;
  }

  /** Runs the stream to its end; the future completes once the source released what it held. */
  Future<Void> run() {
    long deadline = maxDurationMs > 0 ? vertx.setTimer(maxDurationMs, id -> source.stop(StreamEndings.deadline(maxDurationMs))) : -1;
    source.started().onSuccess(estimate -> producer.started(new StreamStart(estimate)));
    Pipe<RowBatch> pipe = source.pipe().endOnFailure(false);
    pipe.to(producer).onComplete(ar -> {
      if (ar.failed() && ar.cause() instanceof FailureException failed) {
        producer.fail(StreamError.of(failed.failure()));
      } else if (ar.failed()) {
        source.cancel(); // a write found the consumer gone
      }
    });
    // a consumer that leaves while the pipe waits for its credit is heard only here
    producer.exceptionHandler(gone -> {
      source.cancel();
      pipe.close();
    });
    return source.released().onComplete(ar -> vertx.cancelTimer(deadline));
  }

  /** Ends the stream because the node shuts down: the consumer gets a {@code shutting-down} error and its resume point. */
  void shutDown() {
    source.stop(StreamEndings.shuttingDown());
  }
}
