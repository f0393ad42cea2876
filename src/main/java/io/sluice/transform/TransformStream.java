package io.sluice.transform;

import io.sluice.dataset.Dataset;
import io.sluice.protocol.OpenFrame;
import io.sluice.protocol.RowBatch;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamListener;
import io.sluice.protocol.StreamProducer;
import io.sluice.protocol.StreamRefusedException;
import io.sluice.protocol.StreamStart;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream through the transform stage: a consumer of the cursor stream upstream and a
 * producer to whoever opened it downstream. A batch in is a batch out, so credits pass
 * through one for one; {@code cancel} and failures travel to the other side.
 */
final class TransformStream implements StreamListener {

  private static final Logger LOG = LoggerFactory.getLogger(TransformStream.class);

  private final Dataset dataset;
  private TransformChain chain;
  private StreamConsumer upstream;
  private StreamProducer downstream;
  /** Credits granted upstream and not yet used: always equal to the downstream credits. */
  private long granted;
  /** A start that arrived before downstream was accepted. */
  private StreamStart earlyStart;
  /** An end or error that arrived before downstream was accepted. */
  private Consumer<StreamProducer> earlyFinish;

  private TransformStream(Dataset dataset) {
    this.dataset = dataset;
  }

  static Future<Void> relay(Vertx vertx, Message<JsonObject> open, OpenFrame frame, Dataset dataset, List<String> selected,
      String cursorOpen) {
    TransformStream stream = new TransformStream(dataset);
    // upstream starts with no credit: it gets the downstream credits once downstream is accepted
    StreamConsumer upstream = new StreamConsumer(vertx, frame.leaseMs(), stream);
    stream.upstream = upstream;
    return upstream.open(cursorOpen, frame.request(), 0, frame.requestId())
        .compose(columns -> {
          stream.chain = dataset.transforms().bind(columns, selected);
          return StreamProducer.accept(vertx, open, frame, stream.chain.columns());
        })
        .<Void>map(downstream -> {
          stream.downstream = downstream;
          downstream.demandHandler(v -> stream.passCredits());
          downstream.closedHandler(reason -> stream.upstream.cancel());
          if (stream.earlyStart != null) {
            downstream.started(stream.earlyStart);
          }
          if (stream.earlyFinish != null) {
            stream.earlyFinish.accept(downstream);
          } else {
            stream.passCredits();
          }
          return null;
        })
        // whatever failed after upstream opened, upstream must not stay open (it would keep pinging)
        .onFailure(err -> upstream.cancel());
  }

  static StreamError refusal(Throwable err) {
    if (err instanceof StreamRefusedException refused) {
      return refused.error();
    }
    if (err instanceof IllegalArgumentException malformed) {
      return StreamError.of(StreamError.PROTOCOL, 400, malformed.getMessage());
    }
    return StreamError.of(StreamError.INTERNAL, 500, "cannot open stream: " + err.getMessage());
  }


  /** Grants upstream whatever the downstream consumer granted beyond what upstream already has. */
  private void passCredits() {
    long owed = downstream.credits() - granted;
    if (owed > 0) {
      granted += owed;
      upstream.grant(owed);
    }
  }

  @Override
  public void onStarted(StreamStart start) {
    if (downstream != null) {
      downstream.started(start);
    } else {
      earlyStart = start;
    }
  }

  @Override
  public void onBatch(RowBatch batch) {
    granted--;
    List<Object[]> rows;
    try {
      rows = chain.apply(batch.rows());
    } catch (Throwable e) { // an Error too: the stream must end, not hang
      LOG.error("[{}] dataset '{}': a transform failed", downstream.requestId(), dataset.name(), e);
      upstream.cancel();
      downstream.fail(StreamError.of(StreamError.INTERNAL, 500, "transform failed: " + e));
      return;
    }
    downstream.send(rows, batch.keys());
  }

  @Override
  public void onEnd(long rows) {
    finish(producer -> producer.end(rows));
  }

  @Override
  public void onError(StreamError error) {
    finish(producer -> producer.fail(error));
  }

  private void finish(Consumer<StreamProducer> terminal) {
    if (downstream != null) {
      terminal.accept(downstream);
    } else {
      earlyFinish = terminal;
    }
  }
}
