package io.sluice.transform;

import io.sluice.config.StreamConfig;
import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.InvalidRequestException;
import io.sluice.dataset.StreamRequest;
import io.sluice.protocol.Frames;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamProducer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Serves {@code open} frames at {@link Frames#TRANSFORM_OPEN}: opens the same stream from the
 * cursor verticles and relays it as a {@link TransformStream}, applying the dataset's
 * transforms to each batch and passing credits and cancellation upstream.
 */
public final class TransformVerticle extends VerticleBase {

  private final Catalogue catalogue;
  private final StreamConfig config;

  public TransformVerticle(Catalogue catalogue, StreamConfig config) {
    this.catalogue = catalogue;
    this.config = config;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>consumer(Frames.TRANSFORM_OPEN, this::openStream).completion();
  }

  private void openStream(Message<JsonObject> open) {
    StreamRequest request = StreamProducer.requestOf(open);
    Dataset dataset;
    try {
      dataset = catalogue.require(request.dataset());
      dataset.definition().bind(request, config.maxLimit());
    } catch (InvalidRequestException e) {
      StreamProducer.refuse(open, StreamError.invalid(e));
      return;
    }
    TransformStream.relay(vertx, open, dataset, config)
        .onFailure(err -> StreamProducer.refuse(open, TransformStream.refusal(err)));
  }
}
