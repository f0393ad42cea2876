package io.sluice.stage;

import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.error.FailureException;
import io.sluice.error.InvalidRequestException;
import io.sluice.metrics.StreamMeters;
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
 * transforms to each batch and passing credits and cancellation upstream. A stream of the event
 * bus or the TCP bridge is admitted and governed here ({@link Governance}): the stage every
 * transport passes through meters, limits and resumes them as HTTP does its own.
 */
public final class TransformVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(TransformVerticle.class);

  private final Catalogue catalogue;
  private final StageRoutes routes;
  private final Governance governance;

  /** Serves the datasets of {@code catalogue}, opening source streams where {@code routes} says, bus and bridge streams under {@code governance}. */
  public TransformVerticle(Catalogue catalogue, StageRoutes routes, Governance governance) {
    this.catalogue = catalogue;
    this.routes = routes;
    this.governance = governance;
  }

  @Override
  public Future<?> start() {
    return Future.join(
        vertx.eventBus().<JsonObject>consumer(Frames.TRANSFORM_OPEN, this::openStream).completion(),
        vertx.eventBus().<JsonObject>localConsumer(Frames.local(Frames.TRANSFORM_OPEN), this::openStream).completion(),
        vertx.eventBus().<JsonObject>localConsumer(routes.onThisLoop(Frames.local(Frames.TRANSFORM_OPEN)), this::openStream).completion());
  }

  private void openStream(Message<JsonObject> open) {
    OpenFrame frame;
    try {
      frame = OpenFrame.fromJson(open.body());
    } catch (IllegalArgumentException malformed) {
      refuseMalformed(open, malformed);
      return;
    }
    Dataset dataset = null;
    StreamMeters meters = null;
    GovernedStream governed = null;
    StreamRequest request;
    try {
      request = StreamRequest.fromJson(frame.request());
      dataset = catalogue.forStage(request.dataset());
      if (frame.governedByStage()) {
        meters = governance.meters(frame, dataset.name());
        governed = governance.admit(vertx, frame, dataset, request, meters);
      }
    } catch (FailureException e) {
      refuse(open, frame, dataset, meters, StreamError.of(e.failure()));
      return;
    } catch (IllegalArgumentException malformed) {
      refuseMalformed(open, malformed);
      return;
    }
    Dataset served = dataset;
    GovernedStream stream = governed;
    // the source stage checks the request: a bad one is refused there, before this stage accepts
    TransformStream.relay(vertx, open, frame, dataset, request, routes.sourceOpen(), governed)
        .onFailure(err -> {
          if (!(err instanceof StreamRefusedException)) {
            RequestLog.of(LOG, frame.requestId()).warn("dataset '{}': cannot relay the stream", served.name(), err);
          }
          StreamError refusal = TransformStream.refusal(err);
          if (stream != null) {
            stream.failed(refusal);
          }
          StreamProducer.refuse(open, refusal);
        });
  }

  private static void refuseMalformed(Message<JsonObject> open, IllegalArgumentException malformed) {
    RequestLog.of(LOG, StreamProducer.requestIdOf(open)).warn("open refused: {}", malformed.getMessage(), malformed.getCause());
    StreamProducer.refuse(open, StreamError.of(StreamError.PROTOCOL, 400, malformed.getMessage()));
  }

  /** Refuses an open before its stream exists; a governed one is counted as HTTP counts a refusal, under its dataset (or unknown). */
  private void refuse(Message<JsonObject> open, OpenFrame frame, Dataset dataset, StreamMeters meters, StreamError error) {
    if (frame.governedByStage()) {
      if (meters != null) {
        meters.refused(error.code());
      } else {
        governance.refused(dataset == null ? null : dataset.name(), error.code());
      }
    }
    RequestLog.of(LOG, frame.requestId()).info("{} open of '{}' refused: {} {}: {}", frame.transport(),
        dataset == null ? "?" : dataset.name(), error.status(), error.code(), error.message());
    StreamProducer.refuse(open, error);
  }
}
