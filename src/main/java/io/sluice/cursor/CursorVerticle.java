package io.sluice.cursor;

import io.sluice.config.StreamConfig;
import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.HealthProbe;
import io.sluice.error.InvalidRequestException;
import io.sluice.dataset.StreamRequest;
import io.sluice.db.ConnectionGate;
import io.sluice.db.DatabaseBreaker;
import io.sluice.db.DatabaseErrors;
import io.sluice.db.StreamConnections;
import io.sluice.logging.RequestLog;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code open} frames at {@link Frames#CURSOR_OPEN}: checks the request, the one place
 * a request is validated, then reads the dataset from PostgreSQL as a {@link CursorStream}
 * that follows the consumer's credits, once the {@link ConnectionGate} admits it. {@link Frames#CURSOR_CHECK} runs the same check alone.
 * Both are served at their cluster-wide address and at its node-local twin ({@link Frames#local}).
 * The {@link HealthProbe} of the stream check is admitted by a gate of its own, beside the
 * clients' permits: it never takes a client's place, nor waits behind clients.
 *
 * <p>While the {@link DatabaseBreaker} is open, opens are refused at once. For a shutdown, a
 * message at {@link #DRAIN} makes it refuse new streams, and one at {@link #END_ALL} ends
 * those in flight, each with its resume point (both node-local).
 */
public final class CursorVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CursorVerticle.class);

  /** Node-local address: stop taking new streams. */
  public static final String DRAIN = "sluice.cursor.drain";
  /** Node-local address: end every stream in flight as {@code shutting-down}. */
  public static final String END_ALL = "sluice.cursor.end-all";

  private final Catalogue catalogue;
  private final Pool pool;
  private final ConnectionGate gate;
  private final ConnectionGate healthProbeGate;
  private final StreamConnections connections;
  private final DatabaseBreaker breaker;
  private final StreamConfig config;
  private final SluiceMetrics metrics;
  /** This instance's streams still running, so a shutdown can end them. */
  private final Set<CursorStream> running = new HashSet<>();
  private boolean draining;

  /**
   * Streams read on {@code connections} of their own, admitted by the node's {@code gate}
   * (the health probe's by {@code healthProbeGate}); the {@code pool} serves the short queries of
   * request checks.
   */
  public CursorVerticle(Catalogue catalogue, Pool pool, ConnectionGate gate, ConnectionGate healthProbeGate, StreamConnections connections,
      DatabaseBreaker breaker, StreamConfig config, SluiceMetrics metrics) {
    this.catalogue = catalogue;
    this.pool = pool;
    this.gate = gate;
    this.healthProbeGate = healthProbeGate;
    this.connections = connections;
    this.breaker = breaker;
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    return Future.join(
        vertx.eventBus().<JsonObject>consumer(Frames.CURSOR_OPEN, this::openStream).completion(),
        vertx.eventBus().<JsonObject>localConsumer(Frames.local(Frames.CURSOR_OPEN), this::openStream).completion(),
        vertx.eventBus().<JsonObject>consumer(Frames.CURSOR_CHECK, this::checkRequest).completion(),
        vertx.eventBus().<JsonObject>localConsumer(Frames.local(Frames.CURSOR_CHECK), this::checkRequest).completion(),
        vertx.eventBus().localConsumer(DRAIN, message -> draining = true).completion(),
        vertx.eventBus().localConsumer(END_ALL, message -> List.copyOf(running).forEach(CursorStream::shutDown)).completion());
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
    if (draining) {
      StreamProducer.refuse(open, StreamError.of(ShuttingDownException.refusal()));
      return;
    }
    if (breaker.isOpen()) {
      StreamProducer.refuse(open, StreamError.of(DatabaseErrors.classify(breaker.refusal())));
      return;
    }
    StreamProducer.accept(vertx, open, frame, checked.dataset().columns())
        .onSuccess(producer -> {
          CursorStream stream = new CursorStream(vertx, producer, checked.dataset(), checked.arguments(), checked.request().resumed(), config,
              metrics);
          running.add(stream);
          stream.run(HealthProbe.is(checked.dataset()) ? healthProbeGate : gate, connections, breaker).onComplete(ar -> running.remove(stream));
        })
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
      Dataset dataset = catalogue.forStage(request.dataset());
      return new Checked(dataset, request, dataset.bind(request, config.maxLimit()));
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
