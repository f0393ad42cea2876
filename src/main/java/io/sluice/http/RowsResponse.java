package io.sluice.http;

import io.sluice.dataset.StreamRequest;
import io.sluice.format.EncoderMemoryException;
import io.sluice.format.OutputFormat;
import io.sluice.format.StreamSummary;
import io.sluice.format.UnrepresentableValueException;
import io.sluice.logging.RequestLog;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamFailedException;
import io.sluice.protocol.StreamRefusedException;
import io.sluice.protocol.StreamStart;
import io.sluice.value.RowBatch;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.Pipe;
import io.vertx.core.streams.WriteStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streamed HTTP response: a {@code WriteStream} of batches, which the transform stage's
 * stream (a {@link StreamConsumer}) is piped into. Its write queue is the socket's, so the
 * pipe pauses the stream, and with it the credits, while the client does not read, and
 * resumes it on drain. Headers go out with the first batch (or the end), so an error found
 * before the first row still gets its status. A client that leaves cancels the stream.
 * It runs the stream's life and leaves the rest to three parts: its {@link ResponseFraming}
 * (the status, headers, body and trailers on the socket), its {@link DeliveryPolicy} (what it
 * may send, and when: quota, sampling, rate cap, stall, heartbeats) and its {@link
 * StreamObserver} (the meters and the audit line).
 *
 * <p>The completion contract ({@code docs/http.md}): only a complete (or sampled) body ends cleanly, with
 * the trailers {@value HeaderNames#STATUS_TRAILER} and {@value HeaderNames#ROW_COUNT_TRAILER} (HTTP/1.1 and HTTP/2)
 * or by closing the connection after the format's summary (HTTP/1.0). A body cut after its
 * first row gets the format's in-band error record, status {@code partial} with the resume
 * token of the last row written, and then never ends cleanly: no
 * terminating chunk on HTTP/1.1, {@code RST_STREAM(INTERNAL_ERROR)} on HTTP/2, the connection
 * closed on HTTP/1.0.
 *
 * <p>A client that has taken nothing for the stall timeout while the response waits on its
 * socket is given up, whatever it sends: the stream ends {@code partial} with the format's
 * error record, releasing its database connection and snapshot, and the connection is cut.
 *
 * <p>A sampled stream ({@link Sampler}) announces each rate in-band before the rows it applies
 * to, and ends {@code sampled} when it left rows out. A rate-capped one ({@link io.sluice.limits.Throttle}) counts
 * its write queue as full while the cap is empty as well as while the socket's is.
 *
 * <p>However it ends, once it has nothing more to give it tells its observer how, with the
 * rows and the body bytes the socket took: the audit writes its {@link AuditLog} line then.
 */
final class RowsResponse implements WriteStream<RowBatch>, DeliveryPolicy.Target {

  private static final Logger LOG = LoggerFactory.getLogger(RowsResponse.class);

  /** How long the error record may take to reach a client that does not read before the cut. */
  private static final long CUT_GRACE_MS = 5_000;
  /**
   * How long the connection stays open after the error record went out: a browser's fetch that
   * learns of the broken connection before its script has read the body drops what it had not
   * read (the Streams standard empties an errored stream's queue), record included.
   */
  private static final long CUT_LINGER_MS = 250;
  /** Seconds a stream refused for want of encoder memory is told to wait: other Arrow streams need time to end. */
  private static final int MEMORY_RETRY_AFTER_SECONDS = 5;

  private final Vertx vertx;
  private final String requestId;
  /** This stream's lines, with its request id. */
  private final RequestLog log;
  private final StreamConsumer stream;
  private final ResponseFraming framing;
  private final DeliveryPolicy policy;
  private final StreamObserver observer;
  /** The pipe from the stream into this response, once the stream is open. */
  private Pipe<RowBatch> pipe;
  private Handler<Void> drainHandler;
  private boolean finished;
  private boolean delivered;
  private boolean blocked;
  /** Rows sent to the client. */
  private long rows;
  /** Rows received from the transform stage: {@link #rows} unless sampling left some out. */
  private long rowsRead;
  /** How the stream ended, for the observer: one of {@link AuditLog}'s statuses, null while it runs. */
  private String outcome;
  private Integer outcomeStatus;
  private String outcomeCode;

  /** A response for request {@code requestId}, reading {@code stream}, framed, governed and observed by the others. */
  RowsResponse(Vertx vertx, String requestId, StreamConsumer stream, ResponseFraming framing, DeliveryPolicy policy,
      StreamObserver observer) {
    this.vertx = vertx;
    this.requestId = requestId;
    this.log = RequestLog.of(LOG, requestId);
    this.stream = stream;
    this.framing = framing;
    this.policy = policy;
    this.observer = observer;
  }

  /** Opens the stream at the transform stage's {@code transformOpen} address and pipes it into this response. */
  void start(StreamRequest streamRequest, OutputFormat format, String transformOpen) {
    observer.started(streamRequest.dataset(), format.name());
    // a pipe paused on a full write queue never learns the client left: see pitfalls
    framing.onClientGone(this::clientGone);
    framing.onDrain(() -> {
      setBlocked(false);
      drain();
    });
    policy.start(this);
    stream.startedHandler(this::onStarted);
    stream.open(transformOpen, streamRequest.toJson(), requestId)
        .onSuccess(columns -> {
          pipe = stream.pipe().endOnFailure(false);
          // a pipe this response closed (the client left) fails too: nothing more to say then
          pipe.to(this).onFailure(err -> {
            if (!finished) {
              onError(err instanceof StreamFailedException failed ? failed.error() : unexpected(err));
            }
          });
        })
        .onFailure(err -> onError(err instanceof StreamRefusedException refused ? refused.error() : unexpected(err)));
    log.info("stream {} opened for dataset '{}' as {} over {}",
        stream.streamId(), streamRequest.dataset(), format.name(), framing.version());
  }

  /** The statement runs: its estimate goes with the headers, and from now on a quiet stream beats. */
  private void onStarted(StreamStart start) {
    framing.estimatedRows(start.estimatedRows());
    policy.streamStarted(framing::beats);
  }

  /**
   * Encodes one batch (or the rows sampling keeps of it) and writes it; a batch that cannot be
   * encoded fails the pipe, which cancels the stream. The headers go out only once the first
   * batch is encoded, so a body that cannot even start (its encoder out of memory, say) is
   * refused with a status instead of cut.
   */
  @Override
  public Future<Void> write(RowBatch batch) {
    if (finished) {
      return Future.succeededFuture();
    }
    StreamError quotaExhausted = policy.quotaExhausted();
    if (quotaExhausted != null) {
      // the client exported its quota for this window: the stream ends partial, resumable later
      return Future.failedFuture(new StreamFailedException(quotaExhausted, null));
    }
    RowBatch sent = batch.isMoved() ? batch : policy.sample(batch);
    Buffer chunk;
    try {
      framing.startBody(stream.columns());
      if (batch.isMoved()) {
        // the source went on on another server: said in-band, not a row, never sampled out
        sendHeaders();
        framing.writeMoved(batch);
        log.info("stream {} moved to another server after {} rows sent", stream.streamId(), rows);
        return Future.succeededFuture();
      }
      chunk = framing.encode(sent);
      sendHeaders();
    } catch (EncoderMemoryException e) {
      return Future.failedFuture(new StreamFailedException(memoryExhausted(e), null));
    } catch (UnrepresentableValueException e) {
      return Future.failedFuture(new StreamFailedException(StreamError.of(StreamError.UNREPRESENTABLE, 500, e.getMessage()), null));
    } catch (Throwable e) { // an Error too: the stream must end, not hang
      log.error("stream {}: encoding a batch failed", stream.streamId(), e);
      return Future.failedFuture(new StreamFailedException(StreamError.of(StreamError.INTERNAL, 500, "encoding failed"), null));
    }
    framing.writeRows(sent, chunk);
    policy.delivered(batch.size(), sent.size(), chunk == null ? 0 : chunk.length());
    rowsRead += batch.size();
    rows += sent.size();
    observer.rows(sent.size(), batch.size() - sent.size());
    if (framing.writeQueueFull()) {
      setBlocked(true);
    }
    return Future.succeededFuture();
  }

  /**
   * Full while the socket's write queue is, or the rate cap is empty: the pipe then pauses
   * the stream until {@link #drainHandler} runs.
   */
  @Override
  public boolean writeQueueFull() {
    return framing.writeQueueFull() || policy.holdsBack();
  }

  /** Resumes the pipe, unless the socket or the rate cap still holds it back (their own drain will). */
  @Override
  public void drain() {
    if (drainHandler != null && !writeQueueFull()) {
      drainHandler.handle(null);
    }
  }

  @Override
  public RowsResponse drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }

  @Override
  public RowsResponse exceptionHandler(Handler<Throwable> handler) {
    return this; // a failed write is the client leaving: the response's own handlers hear it
  }

  @Override
  public RowsResponse setWriteQueueMaxSize(int maxSize) {
    framing.setWriteQueueMaxSize(maxSize);
    return this;
  }

  /** The first heartbeat commits the 200: a failure after it is a cut, as after rows. */
  @Override
  public void heartbeat() {
    sendHeaders();
    framing.writeHeartbeat();
  }

  /** Gives up a client that took nothing for the stall timeout while the response waited on it. */
  @Override
  public void stalled(StreamError error) {
    onError(error);
    stopStream();
  }

  /** Says, before the next row, that sampling now keeps one row in {@code rate}. */
  @Override
  public void samplingRaised(int rate) {
    observer.samplingRaised();
    sendHeaders();
    framing.writeSamplingChange(rate);
    log.info("stream {} samples 1 row in {} after {} rows sent of {} read: its client keeps it blocked",
        stream.streamId(), rate, rows, rowsRead);
  }

  private void setBlocked(boolean nowBlocked) {
    if (blocked != nowBlocked) {
      blocked = nowBlocked;
      observer.blocked(nowBlocked);
      policy.blocked(nowBlocked);
    }
  }

  /** The stream completed (the pipe ends this response after its last batch): the format's summary, then the trailers. */
  @Override
  public Future<Void> end() {
    if (finished) {
      return Future.succeededFuture();
    }
    sendHeaders();
    StreamSummary.Sampled sampled = sampledSoFar();
    StreamSummary summary = sampled == null ? StreamSummary.complete(rows) : StreamSummary.sampled(rows, sampled);
    Buffer last = framing.end(summary);
    finish();
    ended(summary.status(), 200, null);
    framing.complete(last, summary, this::delivered);
    log.info("stream {} {}: {} rows sent of {} read", stream.streamId(), summary.status(), rows, rowsRead);
    return Future.succeededFuture();
  }

  /** What sampling left out so far, or null when it sent every row it read. */
  private StreamSummary.Sampled sampledSoFar() {
    return rows == rowsRead ? null : new StreamSummary.Sampled(rowsRead, policy.samplingRate());
  }

  /** The encoder ran out of the process's memory for Arrow's vectors: this stream fails (503 before its first byte), not the process. */
  private static StreamError memoryExhausted(EncoderMemoryException e) {
    return StreamError.of(StreamError.MEMORY_EXHAUSTED, 503, "this node's memory for Arrow responses (http.arrowMemoryBytes, "
        + e.limitBytes() + " bytes) is used up by other Arrow streams, or a batch needs more than all of it: retry later, or ask for"
        + " another format").withRetryAfter(MEMORY_RETRY_AFTER_SECONDS);
  }

  /** A failure nothing mapped to an error: logged here, answered in general words. */
  private StreamError unexpected(Throwable err) {
    log.error("stream {} failed", stream.streamId(), err);
    return StreamError.of(StreamError.INTERNAL, 500, "internal error");
  }

  /**
   * The stream failed: an error response before the headers, else the format's cut record and a
   * body that cannot pass for complete. Either names the request, whose log lines hold the detail.
   */
  private void onError(StreamError failure) {
    if (finished) {
      return;
    }
    StreamError error = failure.withRequestId(requestId);
    if (!framing.headersSent()) {
      finish();
      ended(AuditLog.REFUSED, error.status(), error.code());
      log.info("stream {} refused: {} {}: {}", stream.streamId(), error.status(), error.code(), error.message());
      framing.sendError(error).onComplete(ar -> delivered());
      return;
    }
    log.warn("stream {} cut after {} rows: {}: {}", stream.streamId(), rows, error.code(), error.message());
    Buffer record = framing.cut(StreamSummary.partial(rows, error.toFailure(), framing.resumeToken(), sampledSoFar()));
    finish();
    ended(AuditLog.PARTIAL, 200, error.code());
    if (error.code().equals(StreamError.CLIENT_STALLED)) {
      framing.write(record); // for the record: a stalled client would not take it in time
      cutConnection();
      return;
    }
    long grace = vertx.setTimer(CUT_GRACE_MS, id -> cutConnection());
    framing.write(record).onComplete(ar -> {
      vertx.cancelTimer(grace);
      vertx.setTimer(CUT_LINGER_MS, id -> cutConnection());
    });
  }

  /** Ends the body so that no client can take it for complete. */
  private void cutConnection() {
    framing.cutConnection();
    delivered();
  }

  private void sendHeaders() {
    framing.sendHeaders(stream.columns());
  }

  /**
   * The connection (or, on HTTP/2, the stream) closed. A response still running is cancelled.
   * One that has finished is delivered when its last write completes, which a close fails at
   * once; a close can come first (HTTP/2 closes a stream as its end goes out), so its bytes
   * are still counted then, and a grace bounds the wait.
   */
  private void clientGone(String why) {
    if (!finished) {
      finish();
      ended(AuditLog.CANCELLED, framing.headersSent() ? 200 : null, null);
      log.info("stream {} cancelled after {} rows: client gone ({})", stream.streamId(), rows, why);
      stopStream();
      delivered();
    } else if (!delivered) {
      vertx.setTimer(CUT_GRACE_MS, id -> delivered());
    }
  }

  /** Cancels the stream: through its pipe once there is one, which then fails (and is ignored: this response has finished). */
  private void stopStream() {
    if (pipe != null) {
      pipe.close();
    } else {
      stream.handler(null);
    }
  }

  /**
   * The response has nothing more to give: its last byte was written or its connection is
   * gone, so its compressor, if it has one, is released. Until then it counts as active, so a
   * shutdown waits for an error record to reach its client rather than dropping it.
   */
  private void delivered() {
    if (!delivered) {
      delivered = true;
      framing.closeCompressor();
      observer.delivered(new StreamObserver.Outcome(outcome, outcomeStatus, outcomeCode, rows, framing.bytesWritten()));
    }
  }

  /** Records how the stream ended, once: the first end is the one the client saw. */
  private void ended(String status, Integer httpStatus, String errorCode) {
    if (outcome == null) {
      outcome = status;
      outcomeStatus = httpStatus;
      outcomeCode = errorCode;
    }
  }

  /** The one release path of a response, however it ends: the policy's timers and the client's slot, the blocked gauge, the encoder's memory. */
  private void finish() {
    finished = true;
    policy.stop();
    setBlocked(false);
    framing.closeEncoder();
  }
}
