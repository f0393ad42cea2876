package io.sluice.http;

import io.sluice.format.RowEncoder;
import io.sluice.format.SamplingChange;
import io.sluice.format.StreamSummary;
import io.sluice.protocol.StreamError;
import io.sluice.resume.ResumeTokens;
import io.sluice.value.Column;
import io.sluice.value.RowBatch;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.function.Consumer;

/**
 * The HTTP framing of one rows response: the status line and headers, which go out with the
 * body's first bytes (so that an error found before them still gets its status, as a JSON error
 * response instead); the body, as the format's encoder makes it (its start, the rows, heartbeats,
 * sampling records, the end or the cut record), written to the socket in chunks of at most
 * {@code http.chunkSize} bytes; and how a body ends on each version of HTTP: trailers after the
 * last chunk (HTTP/1.1, HTTP/2) or the connection closed after it (HTTP/1.0) when complete,
 * no clean end at all when cut (the connection closed, or {@code RST_STREAM(INTERNAL_ERROR)} on
 * HTTP/2). It keeps the facts of the socket the delivery policy reads: when the body was last
 * written to, and when the client last took bytes; and the key of the last row written, from
 * which the resume token of a cut or sampled body is minted.
 */
final class ResponseFraming {

  /** HTTP/2's error code for a stream that failed (RFC 9113 §7); 0 would say "no error". */
  private static final long HTTP2_INTERNAL_ERROR = 2;

  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final ResponseHeaders headers;
  private final RowEncoder encoder;
  private final ResumeTokens.Minter tokens;
  private final int chunkSize;
  private final StreamObserver observer;
  private final SocketProgress socket;
  /** The key of the last row written: where the stream goes on if it is cut now. */
  private Object[] lastKey;
  private Long estimatedRows;
  private boolean headersSent;
  private boolean connectionCut;
  /** Body bytes the socket took (writes that succeeded, an error body's included), before HTTP compression. */
  private long bytesWritten;
  private long lastWrite = System.nanoTime();
  /** When the client last took bytes: a write reached the kernel, the write queue drained, or the socket took part of a write. */
  private long lastTaken = System.nanoTime();

  /** Frames {@code rows} in answer to {@code request}, telling {@code observer} of the bytes the socket takes. */
  ResponseFraming(HttpServerRequest request, RowsRequest rows, int chunkSize, StreamObserver observer) {
    this.request = request;
    this.response = request.response();
    this.headers = rows.headers();
    this.encoder = rows.format().newEncoder(rows.options());
    this.tokens = rows.tokens();
    this.chunkSize = chunkSize;
    this.observer = observer;
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

  /** Sends the status (200) and headers, once, and the format's start for {@code columns}; from now on an error is a cut. */
  void sendHeaders(List<Column> columns) {
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
    writeBytes(encoder.start(columns));
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

  /** Releases what the encoder holds: the response is over. */
  void closeEncoder() {
    encoder.close();
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

  /** Writes {@code chunk} to the response whole, counting its bytes once the socket took them. */
  Future<Void> write(Buffer chunk) {
    int length = chunk.length();
    socket.queued(length);
    return response.write(chunk).onSuccess(v -> {
      bytesWritten += length;
      observer.bytes(length);
    });
  }
}
