package io.sluice.http;

import io.sluice.config.HttpConfig;
import io.sluice.config.StreamConfig;
import io.sluice.dataset.StreamRequest;
import io.sluice.format.OutputFormat;
import io.sluice.format.RowEncoder;
import io.sluice.format.SamplingChange;
import io.sluice.format.StreamSummary;
import io.sluice.format.UnrepresentableValueException;
import io.sluice.logging.RequestLog;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.metrics.StreamMeters;
import io.sluice.value.RowBatch;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamFailedException;
import io.sluice.protocol.StreamRefusedException;
import io.sluice.protocol.StreamStart;
import io.sluice.resume.ResumeTokens;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.Pipe;
import io.vertx.core.streams.WriteStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streamed HTTP response: a {@code WriteStream} of batches, which the transform stage's
 * stream (a {@link StreamConsumer}) is piped into. Its write queue is the socket's, so the
 * pipe pauses the stream, and with it the credits, while the client does not read, and
 * resumes it on drain. Headers go out with the first batch (or the end), so an error found
 * before the first row still gets its status. A client that leaves cancels the stream.
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
 * <p>A stream that asked for {@code degrade=sample} is measured window by window (see {@link
 * SamplingPolicy}); when its client kept it blocked too long, it sends one row in 5, then in
 * 10, of the rows it receives (credits flow back per batch as before), announces each rate
 * in-band before the rows it applies to, and ends {@code sampled} when it left rows out.
 *
 * <p>A stream with a rate cap ({@code max_rate}, or its dataset's {@code maxRowsPerSecond})
 * takes each batch it receives from a {@link RateCap}, and its write queue counts as full
 * while the cap is empty as well as while the socket's is: the pipe pauses the stream, which
 * grants no credit, so the cursor fetches nothing until a timer finds the cap refilled and
 * drains. The cap's waits are not the client's: they never count towards the stall timeout
 * nor towards the blocked share that sampling measures.
 *
 * <p>However it ends, once it has nothing more to give it writes one {@link AuditLog} line:
 * who asked ({@code principal}), for what, how it ended, and the rows and the body bytes the
 * socket took.
 */
final class RowsResponse implements WriteStream<RowBatch> {

  private static final Logger LOG = LoggerFactory.getLogger(RowsResponse.class);

  /** HTTP/2's error code for a stream that failed (RFC 9113 §7); 0 would say "no error". */
  private static final long HTTP2_INTERNAL_ERROR = 2;
  /** How long the error record may take to reach a client that does not read before the cut. */
  private static final long CUT_GRACE_MS = 5_000;

  private final Vertx vertx;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final ResponseHeaders headers;
  private final RowEncoder encoder;
  private final SluiceMetrics metrics;
  private final String requestId;
  /** This stream's lines, with its request id. */
  private final RequestLog log;
  private final String principal;
  /** The request's parameters as the audit line shows them (sensitive values hashed). */
  private final Map<String, String> auditedParams;
  private final long startedNanos = System.nanoTime();
  private final StreamConsumer stream;
  /** The pipe from the stream into this response, once the stream is open. */
  private Pipe<RowBatch> pipe;
  private Handler<Void> drainHandler;
  private final long heartbeatNanos;
  private final int chunkSize;
  private final long stallNanos;
  private final ClientLimiter.Lease lease;
  private final ResumeTokens.Minter tokens;
  /** Null unless the client asked for {@code degrade=sample}. */
  private final SamplingPolicy sampling;
  private final long samplingCheckMs;
  private final SocketProgress socket;
  /** Null unless the stream's rate is capped. */
  private final RateCap rateCap;
  private long rateTimer = -1;
  /** The key of the last row written: where the stream goes on if it is cut now. */
  private Object[] lastKey;
  private long heartbeatTimer = -1;
  private long stallTimer = -1;
  private long samplingTimer = -1;
  /** When the client last took bytes: a write reached the kernel, the write queue drained, or the socket took part of a write. */
  private long lastTaken = System.nanoTime();
  private long lastWrite = System.nanoTime();
  private Long estimatedRows;
  private boolean headersSent;
  private boolean finished;
  private boolean connectionCut;
  private boolean delivered;
  private boolean blocked;
  /** When the write queue last filled up, while {@link #blocked}. */
  private long blockedSince;
  /** This stream's meters, from {@link #start}. */
  private StreamMeters meters;
  /** Rows sent to the client. */
  private long rows;
  /** Rows received from the transform stage: {@link #rows} unless sampling left some out. */
  private long rowsRead;
  /** Body bytes the socket took (writes that succeeded), before HTTP compression. */
  private long bytesWritten;
  private String dataset;
  private String formatName;
  /** How the stream ended, for the audit line: one of {@link AuditLog}'s statuses, null while it runs. */
  private String outcome;
  private Integer outcomeStatus;
  private String outcomeCode;

  RowsResponse(Vertx vertx, HttpServerRequest request, ResponseHeaders headers, RowEncoder encoder,
      HttpConfig http, StreamConfig config, SluiceMetrics metrics, String requestId, String principal, Map<String, String> auditedParams,
      ClientLimiter.Lease lease, ResumeTokens.Minter tokens, boolean sample, Long maxRowsPerSecond) {
    this.vertx = vertx;
    this.request = request;
    this.response = request.response();
    this.headers = headers;
    this.encoder = encoder;
    this.metrics = metrics;
    this.requestId = requestId;
    this.log = RequestLog.of(LOG, requestId);
    this.principal = principal;
    this.auditedParams = auditedParams;
    this.heartbeatNanos = TimeUnit.SECONDS.toNanos(http.heartbeatSeconds());
    this.chunkSize = http.chunkSize();
    this.stallNanos = TimeUnit.SECONDS.toNanos(http.stallTimeoutSeconds());
    this.lease = lease;
    this.tokens = tokens;
    this.socket = new SocketProgress(request.connection());
    this.stream = new StreamConsumer(vertx, config.leaseMs(), config.window());
    long samplingWindowNanos = TimeUnit.SECONDS.toNanos(http.sampleWindowSeconds());
    this.sampling = sample ? new SamplingPolicy(new BlockedShareMeter(samplingWindowNanos, System::nanoTime), http.sampleBlockedShare()) : null;
    // a window is closed within a quarter of its length after its end
    this.samplingCheckMs = Math.max(50, TimeUnit.NANOSECONDS.toMillis(samplingWindowNanos) / 4);
    // a burst of about one batch, and never more than a second's worth
    this.rateCap = maxRowsPerSecond == null ? null
        : new RateCap(maxRowsPerSecond, Math.min(maxRowsPerSecond, config.fetchSize()), System::nanoTime);
  }

  /** Opens the stream at the transform stage's {@code transformOpen} address and pipes it into this response. */
  void start(StreamRequest streamRequest, OutputFormat format, String transformOpen) {
    dataset = streamRequest.dataset();
    formatName = format.name();
    meters = metrics.stream(dataset, formatName);
    // a pipe paused on a full write queue never learns the client left: see pitfalls
    response.closeHandler(v -> clientGone("connection closed"));
    response.exceptionHandler(err -> clientGone(err.toString()));
    response.drainHandler(v -> {
      lastTaken = System.nanoTime();
      setBlocked(false);
      drain();
    });
    stallTimer = vertx.setPeriodic(Math.max(50, TimeUnit.NANOSECONDS.toMillis(stallNanos) / 4), id -> checkStall());
    if (sampling != null) {
      samplingTimer = vertx.setPeriodic(samplingCheckMs, id -> checkSampling());
    }
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
        stream.streamId(), streamRequest.dataset(), format.name(), request.version());
  }

  /**
   * The statement runs: from now on a quiet stream sends the format's heartbeat, the first of
   * which commits the 200 (a failure after it is a cut, as after rows).
   */
  private void onStarted(StreamStart start) {
    estimatedRows = start.estimatedRows();
    if (!finished && heartbeatNanos > 0 && heartbeatTimer < 0 && encoder.heartbeat() != null) {
      long periodMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(heartbeatNanos) / 2);
      heartbeatTimer = vertx.setPeriodic(periodMs, id -> beat());
    }
  }

  private void beat() {
    if (!finished && System.nanoTime() - lastWrite >= heartbeatNanos) {
      sendHeaders();
      writeBytes(encoder.heartbeat());
    }
  }

  private void stopHeartbeat() {
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
      heartbeatTimer = -1;
    }
  }

  /** Encodes one batch (or the rows sampling keeps of it) and writes it; a batch that cannot be encoded fails the pipe, which cancels the stream. */
  @Override
  public Future<Void> write(RowBatch batch) {
    if (finished) {
      return Future.succeededFuture();
    }
    StreamError quotaExhausted = lease.quotaExhausted();
    if (quotaExhausted != null) {
      // the client exported its quota for this window: the stream ends partial, resumable later
      return Future.failedFuture(new StreamFailedException(quotaExhausted, null));
    }
    RowBatch sent = sampling == null ? batch : sampling.sample(batch);
    Buffer chunk;
    try {
      sendHeaders();
      chunk = sent.size() == 0 ? null : encoder.encode(sent.rows(), sent.keys());
    } catch (UnrepresentableValueException e) {
      return Future.failedFuture(new StreamFailedException(StreamError.of(StreamError.UNREPRESENTABLE, 500, e.getMessage()), null));
    } catch (Throwable e) { // an Error too: the stream must end, not hang
      log.error("stream {}: encoding a batch failed", stream.streamId(), e);
      return Future.failedFuture(new StreamFailedException(StreamError.of(StreamError.INTERNAL, 500, "encoding failed"), null));
    }
    if (chunk != null) {
      writeBytes(chunk);
    }
    lease.charge(sent.size(), chunk == null ? 0 : chunk.length());
    if (sent.lastKey() != null) {
      lastKey = sent.lastKey();
    }
    rowsRead += batch.size();
    rows += sent.size();
    if (rateCap != null) {
      rateCap.take(batch.size());
      awaitRefill();
    }
    meters.rows(sent.size(), batch.size() - sent.size());
    if (response.writeQueueFull()) {
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
    return response.writeQueueFull() || rateCap != null && rateCap.empty();
  }

  /** Resumes the pipe, unless the socket or the rate cap still holds it back (their own drain will). */
  private void drain() {
    if (drainHandler != null && !writeQueueFull()) {
      drainHandler.handle(null);
    }
  }

  /**
   * While the rate cap is empty, a timer waits for it to refill, then drains. The cap only
   * empties when a batch is taken, so one timer at a time suffices.
   */
  private void awaitRefill() {
    long waitNanos = rateCap.nanosUntilAvailable();
    if (finished || rateTimer >= 0 || waitNanos == 0) {
      return;
    }
    rateTimer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)), id -> {
      rateTimer = -1;
      if (rateCap.empty()) {
        awaitRefill();
      } else {
        drain();
      }
    });
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
    response.setWriteQueueMaxSize(maxSize);
    return this;
  }

  /** Gives up a client that took nothing for the stall timeout while the response waited on it. */
  private void checkStall() {
    if (socket.advanced()) {
      lastTaken = System.nanoTime();
    }
    if (finished || !blocked || System.nanoTime() - lastTaken < stallNanos) {
      return;
    }
    onError(StreamError.of(StreamError.CLIENT_STALLED, 408,
        "the client took nothing for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos) + " s"));
    stopStream();
  }

  /** Raises the sampling rate when the last window was blocked too long, and says so before the next row. */
  private void checkSampling() {
    if (finished || !sampling.check()) {
      return;
    }
    metrics.samplingRateRaised();
    sendHeaders();
    writeBytes(encoder.samplingChange(new SamplingChange(sampling.rate(), tokens.afterRow(lastKey), lastKey)));
    log.info("stream {} samples 1 row in {} after {} rows sent of {} read: its client keeps it blocked",
        stream.streamId(), sampling.rate(), rows, rowsRead);
  }

  private void setBlocked(boolean nowBlocked) {
    if (blocked != nowBlocked) {
      blocked = nowBlocked;
      metrics.responseBlocked(nowBlocked);
      if (nowBlocked) {
        blockedSince = System.nanoTime();
      } else {
        meters.paused(System.nanoTime() - blockedSince);
      }
      if (sampling != null) {
        sampling.blocked(nowBlocked);
      }
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
    Buffer last = encoder.end(summary);
    finish();
    ended(summary.status(), 200, null);
    writeBytes(last);
    if (request.version() == HttpVersion.HTTP_1_0) {
      // no chunked framing in HTTP/1.0: the body ends when the connection does
      response.end().onComplete(ar -> {
        delivered();
        request.connection().close();
      });
    } else {
      response.putTrailer(HeaderNames.STATUS_TRAILER, summary.status());
      response.putTrailer(HeaderNames.ROW_COUNT_TRAILER, Long.toString(rows));
      response.end().onComplete(ar -> delivered());
    }
    log.info("stream {} {}: {} rows sent of {} read", stream.streamId(), summary.status(), rows, rowsRead);
    return Future.succeededFuture();
  }

  /** What sampling left out so far, or null when it sent every row it read. */
  private StreamSummary.Sampled sampledSoFar() {
    return rows == rowsRead ? null : new StreamSummary.Sampled(rowsRead, sampling.rate());
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
    if (!headersSent) {
      finish();
      ended(AuditLog.REFUSED, error.status(), error.code());
      log.info("stream {} refused: {} {}: {}", stream.streamId(), error.status(), error.code(), error.message());
      HttpErrors.send(response, error.status(), error.toJson()).onComplete(ar -> {
        if (ar.succeeded()) {
          bytesWritten += ar.result();
        }
        delivered();
      });
      return;
    }
    log.warn("stream {} cut after {} rows: {}: {}", stream.streamId(), rows, error.code(), error.message());
    Buffer record = encoder.cut(StreamSummary.partial(rows, error.toFailure(), tokens.afterRow(lastKey), sampledSoFar()));
    finish();
    ended(AuditLog.PARTIAL, 200, error.code());
    if (error.code().equals(StreamError.CLIENT_STALLED)) {
      write(record); // for the record: a stalled client would not take it in time
      cutConnection();
      return;
    }
    long grace = vertx.setTimer(CUT_GRACE_MS, id -> cutConnection());
    write(record).onComplete(ar -> {
      vertx.cancelTimer(grace);
      cutConnection();
    });
  }

  /** Ends the body so that no client can take it for complete. */
  private void cutConnection() {
    if (connectionCut) {
      return;
    }
    connectionCut = true;
    if (request.version() == HttpVersion.HTTP_2) {
      response.reset(HTTP2_INTERNAL_ERROR);
    } else {
      request.connection().close();
    }
    delivered();
  }

  private void sendHeaders() {
    if (headersSent) {
      return;
    }
    headersSent = true;
    headers.apply(response.setStatusCode(200));
    if (request.version() == HttpVersion.HTTP_2) {
      // Vert.x 5.0.10 loses the end of a compressed HTTP/2 body when trailers follow it
      response.putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
    }
    if (estimatedRows != null) {
      response.putHeader(HeaderNames.ESTIMATED_ROWS, estimatedRows.toString());
    }
    if (request.version() == HttpVersion.HTTP_1_0) {
      response.putHeader("Connection", "close");
    } else {
      response.setChunked(true).putHeader("Trailer", HeaderNames.STATUS_TRAILER + ", " + HeaderNames.ROW_COUNT_TRAILER);
    }
    writeBytes(encoder.start(stream.columns()));
  }

  /**
   * Writes in chunks of at most {@code chunkSize} bytes: Netty counts a write as done only
   * once all of it reached the kernel, so a big one would make a slow reader look idle.
   */
  private void writeBytes(Buffer buffer) {
    lastWrite = System.nanoTime();
    int length = buffer.length();
    for (int from = 0; from < length; from += chunkSize) {
      Buffer chunk = length <= chunkSize ? buffer : buffer.slice(from, Math.min(length, from + chunkSize));
      write(chunk).onSuccess(v -> lastTaken = System.nanoTime());
    }
  }

  /** Writes {@code chunk} to the response, counting its bytes once the socket took them. */
  private Future<Void> write(Buffer chunk) {
    int length = chunk.length();
    return response.write(chunk).onSuccess(v -> {
      bytesWritten += length;
      meters.bytes(length);
    });
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
      ended(AuditLog.CANCELLED, headersSent ? 200 : null, null);
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
   * gone. Until then it counts as active, so a shutdown waits for an error record to reach
   * its client rather than dropping it.
   */
  private void delivered() {
    if (!delivered) {
      delivered = true;
      countEnd();
      AuditLog.write(new AuditLog.Entry(requestId, principal, dataset, auditedParams, formatName, outcome, outcomeStatus, outcomeCode, rows,
          bytesWritten, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos)));
    }
  }

  /**
   * Counts how the stream ended: a refusal before any byte by its error code, unless the
   * service failed (a 5xx other than 503), which is an error; otherwise as the client saw it.
   */
  private void countEnd() {
    switch (outcome) {
      case AuditLog.REFUSED -> {
        if (outcomeStatus >= 500 && outcomeStatus != 503) {
          meters.ended(StreamMeters.Ending.ERROR);
        } else {
          meters.refused(outcomeCode);
        }
      }
      case AuditLog.PARTIAL -> meters.ended(StreamMeters.Ending.PARTIAL);
      case AuditLog.CANCELLED -> meters.ended(StreamMeters.Ending.CANCELLED);
      case AuditLog.SAMPLED -> meters.ended(StreamMeters.Ending.SAMPLED);
      default -> meters.ended(StreamMeters.Ending.COMPLETE);
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

  /** The one release path of a response, however it ends: timers, the blocked gauge, the encoder's memory, the client's slot. */
  private void finish() {
    finished = true;
    stopHeartbeat();
    vertx.cancelTimer(stallTimer);
    if (samplingTimer >= 0) {
      vertx.cancelTimer(samplingTimer);
    }
    if (rateTimer >= 0) {
      vertx.cancelTimer(rateTimer);
    }
    lease.release();
    setBlocked(false);
    encoder.close();
  }
}
