package io.sluice.stage;

import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.error.InvalidRequestException;
import io.sluice.dataset.StreamRequest;
import io.sluice.logging.RequestLog;
import io.sluice.protocol.Frames;
import io.sluice.protocol.StageRoutes;
import io.sluice.protocol.OpenFrame;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamProducer;
import io.sluice.protocol.StreamRefusedException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transform stage. Serves {@code open} frames at {@link Frames#TRANSFORM_OPEN}: opens the
 * same stream from the source stage and relays it as a {@link TransformStream}, applying the dataset's
 * transforms to each batch and passing credits and cancellation upstream.
 */
public final class TransformVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(TransformVerticle.class);

  private final Catalogue catalogue;
  private final StageRoutes routes;

  /** Serves the datasets of {@code catalogue}, opening source streams where {@code routes} says. */
  public TransformVerticle(Catalogue catalogue, StageRoutes routes) {
    this.catalogue = catalogue;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    return Future.join(
        vertx.eventBus().<JsonObject>consumer(Frames.TRANSFORM_OPEN, this::openStream).completion(),
        vertx.eventBus().<JsonObject>localConsumer(Frames.local(Frames.TRANSFORM_OPEN), this::openStream).completion());
  }

  private void openStream(Message<JsonObject> open) {
    OpenFrame frame;
    Dataset dataset;
    StreamRequest request;
    try {
      frame = OpenFrame.fromJson(open.body());
      request = StreamRequest.fromJson(frame.request());
      dataset = catalogue.forStage(request.dataset());
    } catch (InvalidRequestException e) {
      StreamProducer.refuse(open, StreamError.of(e.failure()));
      return;
    } catch (IllegalArgumentException malformed) {
      RequestLog.of(LOG, StreamProducer.requestIdOf(open)).warn("open refused: {}", malformed.getMessage(), malformed.getCause());
      StreamProducer.refuse(open, StreamError.of(StreamError.PROTOCOL, 400, malformed.getMessage()));
      return;
    }
    // the source stage checks the request: a bad one is refused there, before this stage accepts
    TransformStream.relay(vertx, open, frame, dataset, request, routes.sourceOpen())
        .onFailure(err -> {
          if (!(err instanceof StreamRefusedException)) {
            RequestLog.of(LOG, frame.requestId()).warn("dataset '{}': cannot relay the stream", dataset.name(), err);
          }
          StreamProducer.refuse(open, TransformStream.refusal(err));
        });
  }
}
