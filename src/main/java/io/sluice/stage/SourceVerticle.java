package io.sluice.stage;

import io.sluice.config.StreamConfig;
import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.StreamRequest;
import io.sluice.error.Failure;
import io.sluice.error.InvalidRequestException;
import io.sluice.logging.RequestLog;
import io.sluice.protocol.Frames;
import io.sluice.protocol.StageRoutes;
import io.sluice.protocol.OpenFrame;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamProducer;
import io.sluice.protocol.StreamStart;
import io.sluice.source.Source;
import io.sluice.source.SourceFactory;
import io.sluice.source.SourceRequest;
import io.sluice.source.Sources;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source stage. Serves {@code open} frames at {@link Frames#SOURCE_OPEN}: checks the
 * request, the one place a request is validated, with the {@link SourceFactory} its position
 * names, then pipes the source it opens into the stream's producer ({@link SourceStream}).
 * {@link Frames#SOURCE_CHECK} runs the same check alone and answers the source's estimate. Both
 * are served at their cluster-wide address and at its node-local twin ({@link Frames#local}).
 *
 * <p>For a shutdown, a message at {@link #DRAIN} makes it refuse new streams, and one at {@link
 * #END_ALL} ends those in flight, each with its resume point (both node-local).
 */
public final class SourceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SourceVerticle.class);

  /** Node-local address: stop taking new streams. */
  public static final String DRAIN = "sluice.cursor.drain";
  /** Node-local address: end every stream in flight as {@code shutting-down}. */
  public static final String END_ALL = "sluice.cursor.end-all";

  private final Catalogue catalogue;
  private final Sources sources;
  private final StreamConfig config;
  private final StageRoutes routes;
  /** This instance's streams still running, so a shutdown can end them. */
  private final Set<SourceStream> running = new HashSet<>();
  private boolean draining;

  public SourceVerticle(Catalogue catalogue, Sources sources, StreamConfig config, StageRoutes routes) {
    this.catalogue = catalogue;
    this.sources = sources;
    this.config = config;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    sources.all().forEach(SourceFactory::servedHere);
    return Future.join(List.of(
        vertx.eventBus().<JsonObject>consumer(Frames.SOURCE_OPEN, this::openStream).completion(),
        vertx.eventBus().<JsonObject>localConsumer(Frames.local(Frames.SOURCE_OPEN), this::openStream).completion(),
        vertx.eventBus().<JsonObject>localConsumer(routes.onThisLoop(Frames.local(Frames.SOURCE_OPEN)), this::openStream).completion(),
        vertx.eventBus().<JsonObject>consumer(Frames.SOURCE_CHECK, this::checkRequest).completion(),
        vertx.eventBus().<JsonObject>localConsumer(Frames.local(Frames.SOURCE_CHECK), this::checkRequest).completion(),
        vertx.eventBus().localConsumer(DRAIN, message -> draining = true).completion(),
        vertx.eventBus().localConsumer(END_ALL, message -> List.copyOf(running).forEach(SourceStream::shutDown)).completion()));
  }

  private void openStream(Message<JsonObject> open) {
    OpenFrame frame;
    try {
      frame = OpenFrame.fromJson(open.body());
    } catch (IllegalArgumentException malformed) {
      refuseMalformed(open, malformed);
      return;
    }
    Checked<?> checked = check(open, frame.request());
    if (checked == null) {
      return;
    }
    if (draining) {
      StreamProducer.refuse(open, StreamError.of(StreamEndings.shuttingDownRefusal()));
      return;
    }
    Failure unavailable = checked.unavailable();
    if (unavailable != null) {
      StreamProducer.refuse(open, StreamError.of(unavailable));
      return;
    }
    StreamProducer.accept(vertx, open, frame, checked.request().dataset().columns())
        .onSuccess(producer -> {
          SourceStream stream = new SourceStream(vertx, checked.open(frame), producer, config.maxDurationMs());
          running.add(stream);
          stream.run().onComplete(ar -> running.remove(stream));
        })
        .onFailure(err -> refuseMalformed(open, err));
  }

  /**
   * Checks a request as {@link #openStream} would, without opening a stream: the reply is the
   * refusal, or the source's estimate of its rows (left out when it cannot be had).
   */
  private void checkRequest(Message<JsonObject> message) {
    Checked<?> checked = check(message, message.body());
    if (checked != null) {
      checked.estimate().map(estimate -> estimate == null ? new JsonObject() : new StreamStart(estimate).toJson()).onSuccess(message::reply);
    }
  }

  /** A request checked in full by the factory that serves it. */
  private record Checked<R extends SourceRequest>(SourceFactory<R> factory, R request) {

    static <R extends SourceRequest> Checked<R> of(SourceFactory<R> factory, Dataset dataset, StreamRequest request) {
      return new Checked<>(factory, factory.check(dataset, request));
    }

    Failure unavailable() {
      return factory.unavailable(request);
    }

    Future<Long> estimate() {
      return factory.estimate(request);
    }

    Source open(OpenFrame frame) {
      return factory.open(request, frame.streamId(), frame.requestId());
    }
  }

  /** Checks a request body, the one place requests are validated; refuses {@code message} and returns null when it is bad. */
  private Checked<?> check(Message<JsonObject> message, JsonObject body) {
    try {
      StreamRequest request = StreamRequest.fromJson(body);
      Dataset dataset = catalogue.forStage(request.dataset());
      return Checked.of(sources.forPosition(request.position()), dataset, request);
    } catch (InvalidRequestException e) {
      StreamProducer.refuse(message, StreamError.of(e.failure()));
    } catch (IllegalArgumentException malformed) {
      refuseMalformed(message, malformed);
    }
    return null;
  }

  /**
   * Refuses a malformed open or request with what our own checks say about it; anything else
   * that failed is logged and refused in general words.
   */
  private static void refuseMalformed(Message<JsonObject> message, Throwable malformed) {
    boolean ours = malformed instanceof IllegalArgumentException;
    RequestLog.of(LOG, StreamProducer.requestIdOf(message)).warn("open refused: {}", malformed.getMessage(), ours ? malformed.getCause() : malformed);
    StreamProducer.refuse(message, StreamError.of(StreamError.PROTOCOL, 400, ours ? malformed.getMessage() : "malformed open"));
  }
}
