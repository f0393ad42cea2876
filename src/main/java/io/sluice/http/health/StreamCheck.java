package io.sluice.http.health;

import io.sluice.config.HealthConfig;
import io.sluice.config.StreamConfig;
import io.sluice.dataset.HealthProbe;
import io.sluice.format.EncodingOptions;
import io.sluice.format.OutputFormat;
import io.sluice.format.OutputFormats;
import io.sluice.format.RowEncoder;
import io.sluice.format.StreamSummary;
import io.sluice.logging.RequestLog;
import io.sluice.value.RowBatch;
import io.sluice.protocol.OpenTerms;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamFailedException;
import io.sluice.protocol.StreamRefusedException;
import io.sluice.value.Column;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end-to-end check behind {@code /health/stream}: streams the built-in {@link HealthProbe}
 * the way a client's stream travels (an open frame to the transform stage, which opens the
 * cursor stage's stream, here or on a peer; credits; batches; the probe's transform), encodes
 * it with the default format (NDJSON) into a buffer instead of a socket, and reports UP with
 * the rows, the bytes and the latency, or DOWN naming the step that failed: {@code open} (no
 * stage accepted the stream), {@code database} (the cursor could not connect, begin or plan),
 * {@code rows} (the batches did not all arrive), {@code encoding} (the encoder failed).
 *
 * <p>One run at a time per process, at most once per interval: a check in between, from any
 * HTTP verticle, gets the last result, or waits for the run under way. A run still going after
 * its timeout is DOWN and its stream cancelled, so the cursor stage releases its connection.
 * It counts against no client's stream slots or quota. It is never a liveness or readiness
 * input: a slow database must not restart or unready pods, this check is for monitoring.
 */
public final class StreamCheck {

  private static final Logger LOG = LoggerFactory.getLogger(StreamCheck.class);
  /** The default format, as a client that names none gets it. */
  private static final OutputFormat FORMAT = OutputFormats.ALL.get(0);
  /** With the summary record, so that the end of a body is encoded as well as its rows. */
  private static final EncodingOptions OPTIONS = new EncodingOptions(true, true, true);

  /** The steps of a run, in order; a DOWN names the one under way. */
  private enum Step { OPEN, DATABASE, ROWS, ENCODING }

  private final Vertx vertx;
  private final StreamConfig streamConfig;
  private final Supplier<String> transformOpen;
  private final long intervalNanos;
  private final long timeoutMs;
  private Future<Status> last;
  private long lastStarted;

  /** Checks by opening the probe where {@code transformOpen} says at the time (this node's transform stage, or the cluster's). */
  public StreamCheck(Vertx vertx, HealthConfig health, StreamConfig streamConfig, Supplier<String> transformOpen) {
    this.vertx = vertx;
    this.streamConfig = streamConfig;
    this.transformOpen = transformOpen;
    this.intervalNanos = TimeUnit.SECONDS.toNanos(health.streamIntervalSeconds());
    this.timeoutMs = health.streamTimeoutMs();
  }

  /** The last result if its run started within the interval (or is still going), else a new run's. Never fails. */
  public synchronized Future<Status> check() {
    long now = System.nanoTime();
    if (last == null || (last.isComplete() && now - lastStarted >= intervalNanos)) {
      lastStarted = now;
      last = new Run().start();
    }
    return last;
  }

  /** The longest a run takes: after this it is DOWN. */
  public long timeoutMs() {
    return timeoutMs;
  }

  /** One run: its stream, its encoder and the body it encodes. */
  private final class Run {
    private final long started = System.nanoTime();
    private final Instant ranAt = Instant.now();
    private final String requestId = "health-" + UUID.randomUUID();
    // the check is HTTP's own: no client's stream, so the transform stage neither meters nor limits it
    private final StreamConsumer stream = new StreamConsumer(vertx, streamConfig.leaseMs(), streamConfig.window())
        .terms(OpenTerms.HTTP);
    private final RowEncoder encoder = FORMAT.newEncoder(OPTIONS);
    private final Buffer body = Buffer.buffer();
    private final Promise<Status> outcome = Promise.promise();
    private Step step = Step.OPEN;
    private long rows;

    Future<Status> start() {
      long timer = vertx.setTimer(timeoutMs, id -> timedOut());
      stream.startedHandler(start -> step = Step.ROWS);
      stream.open(transformOpen.get(), HealthProbe.request().toJson(), requestId)
          .onSuccess(this::read)
          .onFailure(err -> down(step, errorOf(err)));
      return outcome.future().andThen(ar -> {
        vertx.cancelTimer(timer);
        encoder.close();
      });
    }

    private void read(List<Column> columns) {
      if (outcome.future().isComplete()) {
        return; // timed out while opening: the stream was cancelled then
      }
      if (step == Step.OPEN) {
        step = Step.DATABASE;
      }
      if (!encode(() -> encoder.start(columns))) {
        return;
      }
      stream.exceptionHandler(err -> down(step, errorOf(err)))
          .endHandler(v -> ended())
          .handler(this::write);
    }

    private void write(RowBatch batch) {
      if (encode(() -> encoder.encode(batch.rows(), batch.keys()))) {
        rows += batch.size();
      }
    }

    private void ended() {
      if (!encode(() -> encoder.end(StreamSummary.complete(rows)))) {
        return;
      }
      long lines = body.toString().chars().filter(c -> c == '\n').count();
      if (rows != HealthProbe.ROWS || lines != rows + 1) {
        down(Step.ROWS, StreamError.of(StreamError.INTERNAL, 500,
            "expected " + HealthProbe.ROWS + " rows, got " + rows + " encoded as " + lines + " lines"));
        return;
      }
      JsonObject data = measured().put("bytes", body.length());
      if (outcome.tryComplete(Status.OK(data))) {
        RequestLog.of(LOG, requestId).debug("stream check UP: {}", data.encode());
      }
    }

    /** Appends what {@code encoding} makes to the body; an encoder that fails ends the run DOWN. */
    private boolean encode(Supplier<Buffer> encoding) {
      try {
        body.appendBuffer(encoding.get());
        return true;
      } catch (Throwable e) { // an Error too: the run must end, not hang
        RequestLog.of(LOG, requestId).error("stream check: encoding failed", e);
        stream.handler(null);
        down(Step.ENCODING, StreamError.of(StreamError.INTERNAL, 500, "encoding failed"));
        return false;
      }
    }

    private void timedOut() {
      if (outcome.future().isComplete()) {
        return;
      }
      stream.handler(null); // cancels: the stages stop and the cursor releases what it holds
      down(step, StreamError.of("timeout", 503, "no end within " + timeoutMs + " ms"));
    }

    private void down(Step failed, StreamError error) {
      JsonObject data = measured()
          .put("failed", failed.name().toLowerCase(Locale.ROOT))
          .put("error", new JsonObject().put("code", error.code()).put("message", error.message()));
      if (outcome.tryComplete(Status.KO(data))) {
        RequestLog.of(LOG, requestId).warn("stream check DOWN at step '{}': {}: {}", data.getString("failed"), error.code(), error.message());
      }
    }

    private JsonObject measured() {
      return new JsonObject()
          .put("rows", rows)
          .put("latencyMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
          .put("ranAt", ranAt.toString())
          .put("requestId", requestId);
    }
  }

  private static StreamError errorOf(Throwable err) {
    if (err instanceof StreamRefusedException refused) {
      return refused.error();
    }
    if (err instanceof StreamFailedException failed) {
      return failed.error();
    }
    LOG.error("stream check failed", err);
    return StreamError.of(StreamError.INTERNAL, 500, "internal error");
  }
}
