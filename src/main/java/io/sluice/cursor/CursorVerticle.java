package io.sluice.cursor;

import io.sluice.config.StreamConfig;
import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.InvalidRequestException;
import io.sluice.dataset.StreamRequest;
import io.sluice.db.ConnectionGate;
import io.sluice.db.StreamConnections;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.protocol.Frames;
import io.sluice.protocol.OpenFrame;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamProducer;
import io.sluice.protocol.StreamStart;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * Serves {@code open} frames at {@link Frames#CURSOR_OPEN}: checks the request, the one place
 * a request is validated, then reads the dataset from PostgreSQL as a {@link CursorStream}
 * that follows the consumer's credits, once the {@link ConnectionGate} admits it. {@link Frames#CURSOR_CHECK} runs the same check alone.
 */
public final class CursorVerticle extends VerticleBase {

  private final Catalogue catalogue;
  private final Pool pool;
  private final ConnectionGate gate;
  private final StreamConnections connections;
  private final StreamConfig config;
  private final SluiceMetrics metrics;

  /**
   * Streams read on {@code connections} of their own, admitted by the node's {@code gate};
   * the {@code pool} serves the short queries of request checks.
   */
  public CursorVerticle(Catalogue catalogue, Pool pool, ConnectionGate gate, StreamConnections connections,
      StreamConfig config, SluiceMetrics metrics) {
    this.catalogue = catalogue;
    this.pool = pool;
    this.gate = gate;
    this.connections = connections;
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    return Future.join(
        vertx.eventBus().<JsonObject>consumer(Frames.CURSOR_OPEN, this::openStream).completion(),
        vertx.eventBus().<JsonObject>consumer(Frames.CURSOR_CHECK, this::checkRequest).completion());
  }

  private void openStream(Message<JsonObject> open) {
    OpenFrame frame;
    try {
      frame = OpenFrame.fromJson(open.body());
    } catch (IllegalArgumentException malformed) {
      refuseMalformed(open, malformed);
      return;
    }
    Checked checked = check(open, frame.request());
    if (checked == null) {
      return;
    }
    StreamProducer.accept(vertx, open, frame, checked.dataset().columns())
        .onSuccess(producer -> new CursorStream(vertx, producer, checked.dataset(), checked.arguments(), checked.request().resumed(), config,
            metrics).run(gate, connections))
        .onFailure(err -> refuseMalformed(open, err));
  }

  /**
   * Checks a request as {@link #openStream} would, without opening a stream: the reply is the
   * refusal, or the planner's estimate of its rows ({@code EXPLAIN}, which does not run the
   * query; left out when it cannot be had, a full pool say).
   */
  private void checkRequest(Message<JsonObject> message) {
    Checked checked = check(message, message.body());
    if (checked == null) {
      return;
    }
    pool.preparedQuery(checked.dataset().explainSql(checked.request().resumed())).execute(checked.arguments())
        .map(plan -> new StreamStart(Dataset.estimatedRows(plan.iterator().next().getValue(0))).toJson())
        .otherwise(err -> new JsonObject())
        .onSuccess(message::reply);
  }

  /** A request checked in full: its dataset and the arguments of its statement. */
  private record Checked(Dataset dataset, StreamRequest request, Tuple arguments) {}

  /** Checks a request body, the one place requests are validated; refuses {@code message} and returns null when it is bad. */
  private Checked check(Message<JsonObject> message, JsonObject body) {
    try {
      StreamRequest request = StreamRequest.fromJson(body);
      Dataset dataset = catalogue.require(request.dataset());
      return new Checked(dataset, request, dataset.bind(request, config.maxLimit()));
    } catch (InvalidRequestException e) {
      StreamProducer.refuse(message, e.toStreamError());
    } catch (IllegalArgumentException malformed) {
      refuseMalformed(message, malformed);
    }
    return null;
  }

  private static void refuseMalformed(Message<JsonObject> message, Throwable malformed) {
    StreamProducer.refuse(message, StreamError.of(StreamError.PROTOCOL, 400, malformed.getMessage()));
  }
}
