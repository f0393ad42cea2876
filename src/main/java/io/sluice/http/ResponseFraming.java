package io.sluice.http;

import io.sluice.format.MovedRecord;
import io.sluice.format.RowEncoder;
import io.sluice.format.SamplingChange;
import io.sluice.format.StreamSummary;
import io.sluice.http.compression.BodyCompressor;
import io.sluice.http.compression.ContentCodings;
import io.sluice.logging.RequestLog;
import io.sluice.protocol.StreamError;
import io.sluice.resume.ResumeTokens;
import io.sluice.value.Column;
import io.sluice.value.MovedKey;
import io.sluice.value.RowBatch;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP framing of one rows response: the status line and headers, which go out with the
 * body's first bytes (so that an error found before them still gets its status, as a JSON error
 * response instead); the body, as the format's encoder makes it (its start, the rows, heartbeats,
 * sampling and moved records, the end or the cut record), written to the socket in chunks of at most
 * {@code http.chunkSize} bytes; and how a body ends on each version of HTTP: trailers after the
 * last chunk (HTTP/1.1, HTTP/2) or the connection closed after it (HTTP/1.0) when complete,
 * no clean end at all when cut (the connection closed, or {@code RST_STREAM(INTERNAL_ERROR)} on
 * HTTP/2). Vert.x compresses the body as it goes, except where {@link ContentCodings#forBody}
 * says the framing must: then each write is compressed and flushed here, and only a complete
 * body ends its coding, before its trailers. It keeps the facts of the socket the delivery
 * policy reads: when the body was last written to, and when the client last took bytes; and the
 * key of the last row written, from which the resume token of a cut or sampled body is minted.
 */
final class ResponseFraming {

  private static final Logger LOG = LoggerFactory.getLogger(ResponseFraming.class);

  /** HTTP/2's error code for a stream that failed (RFC 9113 §7); 0 would say "no error". */
  private static final long HTTP2_INTERNAL_ERROR = 2;

  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final ResponseHeaders headers;
  private final RowEncoder encoder;
  private final ResumeTokens.Minter tokens;
  private final int chunkSize;
  private final ContentCodings codings;
  private final StreamObserver observer;
  private final RequestLog log;
  private final SocketProgress socket;
  /** Whether Vert.x compresses the body, so a chunk's size on the socket is not known here. */
  private boolean sizeUnknownOnSocket;
  /** The key of the last row written: where the stream goes on if it is cut now. */
  private Object[] lastKey;
  private Long estimatedRows;
  /** What the format puts before the first row, made by {@link #startBody} and written with the headers. */
  private Buffer start;
  private boolean bodyStarted;
  private boolean headersSent;
  private boolean connectionCut;
  /** The body's compressor when the framing compresses it (see {@link ContentCodings#forBody}), else null. */
  private BodyCompressor compressor;
  /** Body bytes the socket took (writes that succeeded, an error body's included), before HTTP compression. */
  private long bytesWritten;
  private long lastWrite = System.nanoTime();
  /** When the client last took bytes: a write reached the kernel, the write queue drained, or the socket took part of a write. */
  private long lastTaken = System.nanoTime();

  /**
   * Frames {@code rows} in answer to {@code request} (whose id is {@code requestId}), compressed
   * in one of {@code codings} if the client asks, telling {@code observer} of the bytes the socket takes.
   */
  ResponseFraming(HttpServerRequest request, String requestId, RowsRequest rows, int chunkSize, ContentCodings codings,
      StreamObserver observer) {
    this.request = request;
    this.response = request.response();
    this.headers = rows.headers();
    this.encoder = rows.format().newEncoder(rows.options());
    this.tokens = rows.tokens();
    this.chunkSize = chunkSize;
    this.codings = codings;
    this.observer = observer;
    this.log = RequestLog.of(LOG, requestId);
    this.socket = new SocketProgress(request.connection());
  }

  HttpVersion version() {
    return request.version();
  }

  /** {@code gone} hears, with why, that the connection (or, on HTTP/2, the stream) closed or failed. */
  void onClientGone(Consumer<String> gone) {
    response.closeHandler(v -> gone.accept("connection closed"));
    response.exceptionHandler(err -> gone.accept(err.toString()));
  }

  /** {@code drained} runs when the socket's write queue, full, drained: the client took bytes. */
  void onDrain(Runnable drained) {
    response.drainHandler(v -> {
      taken();
      drained.run();
    });
  }

  boolean writeQueueFull() {
    return response.writeQueueFull();
  }

  void setWriteQueueMaxSize(int maxSize) {
    response.setWriteQueueMaxSize(maxSize);
  }

  /** The planner's estimate, sent with the headers if they have not gone yet; null for none. */
  void estimatedRows(Long estimate) {
    estimatedRows = estimate;
  }

  boolean headersSent() {
    return headersSent;
  }

  /**
   * Starts the encoder for {@code columns}, once, writing nothing yet: what it makes goes out
   * with the headers. Throws what the encoder throws, so a body that cannot even start still
   * gets an error status.
   */
  void startBody(List<Column> columns) {
    if (!bodyStarted) {
      start = encoder.start(columns);
      bodyStarted = true;
    }
  }

  /** Sends the status (200) and headers, once, and the format's start for {@code columns}; from now on an error is a cut. */
  void sendHeaders(List<Column> columns) {
    if (headersSent) {
      return;
    }
    startBody(columns);
    headersSent = true;
    headers.apply(response.setStatusCode(200));
    if (headers.compressible()) {
      compressor = codings.forBody(request.version(), request.headers().getAll(HttpHeaders.ACCEPT_ENCODING));
    }
    // Vert.x compresses below this class: how many bytes a chunk becomes on the socket is not known here
    sizeUnknownOnSocket = compressor == null && headers.compressible() && request.version() == HttpVersion.HTTP_1_1
        && codings.choose(request.headers().getAll(HttpHeaders.ACCEPT_ENCODING)) != null;
    if (compressor != null) {
      // a response that names its coding is one Vert.x's compressor leaves alone
      response.putHeader(HttpHeaders.CONTENT_ENCODING, compressor.coding());
    } else if (request.version() == HttpVersion.HTTP_2) {
      // never Vert.x's HTTP/2 compressor: it loses the end of a compressed body when trailers follow it
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
    writeBytes(start);
  }

  /** The body of {@code batch}'s rows, null for a batch without rows; throws what the encoder throws. */
  Buffer encode(RowBatch batch) {
    return batch.size() == 0 ? null : encoder.encode(batch.rows(), batch.keys());
  }

  /** Writes {@code encoded}, the body of {@code batch} (null for none), whose last key is now where a cut body resumes. */
  void writeRows(RowBatch batch, Buffer encoded) {
    if (encoded != null) {
      writeBytes(encoded);
    }
    if (batch.lastKey() != null) {
      lastKey = batch.lastKey();
    }
  }

  /** The resume token that goes on after the last row written. */
  String resumeToken() {
    return tokens.afterRow(lastKey);
  }

  /** Whether the format has a heartbeat. */
  boolean beats() {
    return encoder.heartbeat() != null;
  }

  void writeHeartbeat() {
    writeBytes(encoder.heartbeat());
  }

  /** The format's record announcing one row in {@code rate} from the row after the last row written. */
  void writeSamplingChange(int rate) {
    writeBytes(encoder.samplingChange(new SamplingChange(rate, resumeToken(), lastKey)));
  }

  /**
   * Writes the format's record of {@code moved} (a batch that {@link RowBatch#isMoved() is a move}),
   * whose token goes on after the last row written: the stream went on from there on another
   * server. A format without in-band records writes nothing.
   */
  void writeMoved(RowBatch moved) {
    Object[] key = moved.keys().get(0);
    Buffer record = encoder.moved(new MovedRecord(MovedKey.from(key), MovedKey.to(key), resumeToken()));
    if (record != null) {
      writeBytes(record);
    }
  }

  /** What ends a complete body: the format's end for {@code summary}. */
  Buffer end(StreamSummary summary) {
    return encoder.end(summary);
  }

  /**
   * Writes {@code last}, the end of a complete body, then ends it cleanly: with the trailers of
   * {@code summary} (HTTP/1.1 and HTTP/2), or by closing the connection (HTTP/1.0, which has no
   * chunked framing: the body ends when the connection does). {@code delivered} runs once the end
   * went out (or failed to).
   */
  void complete(Buffer last, StreamSummary summary, Runnable delivered) {
    writeBytes(last);
    if (compressor != null && !finishCoding()) {
      delivered.run();
      return;
    }
    if (request.version() == HttpVersion.HTTP_1_0) {
      response.end().onComplete(ar -> {
        delivered.run();
        request.connection().close();
      });
    } else {
      response.putTrailer(HeaderNames.STATUS_TRAILER, summary.status());
      response.putTrailer(HeaderNames.ROW_COUNT_TRAILER, Long.toString(summary.rows()));
      response.end().onComplete(ar -> delivered.run());
    }
  }

  /** The format's record that marks a body about to be cut. */
  Buffer cut(StreamSummary summary) {
    return encoder.cut(summary);
  }

  /** Ends the body so that no client can take it for complete; once. */
  void cutConnection() {
    if (connectionCut) {
      return;
    }
    connectionCut = true;
    if (request.version() == HttpVersion.HTTP_2) {
      response.reset(HTTP2_INTERNAL_ERROR);
    } else {
      request.connection().close();
    }
  }

  /** Answers with {@code error} instead of a body (before the headers went out); completes with its bytes once written. */
  Future<Integer> sendError(StreamError error) {
    return HttpErrors.send(response, error.status(), error.toJson()).onSuccess(bytes -> bytesWritten += bytes);
  }

  /** Releases what the encoder holds: the body has been encoded. */
  void closeEncoder() {
    encoder.close();
  }

  /** Releases the compressor, if the body had one: nothing more is written. */
  void closeCompressor() {
    if (compressor != null) {
      compressor.close();
    }
  }

  long bytesWritten() {
    return bytesWritten;
  }

  long nanosSinceWrite() {
    return System.nanoTime() - lastWrite;
  }

  /** How long the client has taken nothing, counting a part of a write the socket took since the last look. */
  long nanosSinceTaken() {
    if (socket.advanced()) {
      lastTaken = System.nanoTime();
    }
    return System.nanoTime() - lastTaken;
  }

  /** The client took bytes just now: a write reached the kernel, or the write queue drained. */
  private void taken() {
    lastTaken = System.nanoTime();
    socket.mark();
  }

  /**
   * Writes in chunks of at most {@code chunkSize} bytes: Netty counts a write as done only
   * once all of it reached the kernel, so a big one would make a slow reader look idle.
   */
  void writeBytes(Buffer buffer) {
    lastWrite = System.nanoTime();
    int length = buffer.length();
    for (int from = 0; from < length; from += chunkSize) {
      Buffer chunk = length <= chunkSize ? buffer : buffer.slice(from, Math.min(length, from + chunkSize));
      write(chunk).onSuccess(v -> taken());
    }
  }

  /**
   * Writes {@code chunk} to the response whole (compressed and flushed if the framing compresses
   * the body), counting its bytes, before compression, once the socket took them.
   */
  Future<Void> write(Buffer chunk) {
    int length = chunk.length();
    if (connectionCut) {
      return Future.failedFuture("the body was cut");
    }
    Buffer coded;
    try {
      coded = compressor == null ? chunk : compressor.compress(chunk);
    } catch (RuntimeException e) {
      return codingFailed(e);
    }
    // a chunk Vert.x compresses counts as nothing queued: progress is then only pending bytes that went down
    socket.queued(sizeUnknownOnSocket ? 0 : coded.length());
    return response.write(coded).onSuccess(v -> {
      bytesWritten += length;
      observer.bytes(length);
    });
  }

  /** Writes the end of the body's coding, which tells a decoder the body is whole; false if it failed (the body is cut). */
  private boolean finishCoding() {
    try {
      response.write(compressor.finish());
      return true;
    } catch (RuntimeException e) {
      codingFailed(e);
      return false;
    }
  }

  /**
   * The body cannot be compressed any further: it is cut, as a failed stream's is, so that no
   * client takes it for complete; the stream hears of it as of a client gone.
   */
  private Future<Void> codingFailed(RuntimeException e) {
    log.error("compressing the body ({}) failed: the response is cut", compressor.coding(), e);
    cutConnection();
    return Future.failedFuture(e);
  }
}
