package io.sluice.http;

import io.sluice.config.StreamConfig;
import io.sluice.dataset.StreamRequest;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.protocol.Frames;
import io.sluice.protocol.RowBatch;
import io.sluice.protocol.StreamConsumer;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamListener;
import io.sluice.protocol.StreamRefusedException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streamed HTTP response. It grants the transform stage a window of credits and gives
 * one back per batch written while the socket's write queue has room, or on drain once it
 * has room again. Headers go out with the first batch (or the end), so an error found
 * before the first row still gets its status; an error after it cuts the connection so the
 * client sees an incomplete chunked body. A client that leaves cancels the stream.
 */
final class RowsResponse implements StreamListener {

  private static final Logger LOG = LoggerFactory.getLogger(RowsResponse.class);

  static final String ROW_COUNT_TRAILER = "Sluice-Row-Count";
  static final String COMPLETE_TRAILER = "Sluice-Complete";

  private final HttpServerResponse response;
  private final OutputFormat format;
  private final RowEncoder encoder;
  private final SluiceMetrics metrics;
  private final String requestId;
  private final StreamConsumer stream;
  private final int window;
  private boolean headersSent;
  private boolean finished;
  private boolean blocked;
  private long owed;
  private long rows;

  RowsResponse(Vertx vertx, HttpServerResponse response, OutputFormat format, StreamConfig config, SluiceMetrics metrics, String requestId) {
    this.response = response;
    this.format = format;
    this.encoder = format.newEncoder();
    this.metrics = metrics;
    this.requestId = requestId;
    this.window = config.window();
    this.stream = new StreamConsumer(vertx, config.leaseMs(), this);
  }

  void start(StreamRequest request) {
    response.closeHandler(v -> clientGone("connection closed"));
    response.exceptionHandler(err -> clientGone(err.toString()));
    response.drainHandler(v -> grantOwed());
    stream.open(Frames.TRANSFORM_OPEN, request, window, requestId)
        .onFailure(err -> onError(err instanceof StreamRefusedException refused
            ? refused.error()
            : StreamError.of(StreamError.INTERNAL, 500, String.valueOf(err.getMessage()))));
    LOG.info("[{}] stream {} opened for dataset '{}' as {}", requestId, stream.streamId(), request.dataset(), format);
  }

  @Override
  public void onBatch(RowBatch batch) {
    if (finished) {
      return;
    }
    sendHeaders(batch.columns());
    response.write(encoder.encode(batch.rows()));
    rows += batch.size();
    metrics.rowsWritten(batch.size());
    owed++;
    if (response.writeQueueFull()) {
      setBlocked(true);
    } else {
      grantOwed();
    }
  }

  private void grantOwed() {
    setBlocked(false);
    if (owed > 0 && !finished) {
      stream.grant(owed);
      owed = 0;
    }
  }

  private void setBlocked(boolean nowBlocked) {
    if (blocked != nowBlocked) {
      blocked = nowBlocked;
      metrics.responseBlocked(nowBlocked);
    }
  }

  @Override
  public void onEnd(long total) {
    if (finished) {
      return;
    }
    finished = true;
    setBlocked(false);
    sendHeaders(stream.columns());
    response.putTrailer(ROW_COUNT_TRAILER, Long.toString(rows));
    response.putTrailer(COMPLETE_TRAILER, Boolean.toString(rows == total));
    response.end();
    LOG.info("[{}] stream {} complete: {} rows", requestId, stream.streamId(), rows);
  }

  @Override
  public void onError(StreamError error) {
    if (finished) {
      return;
    }
    finished = true;
    setBlocked(false);
    if (!headersSent) {
      LOG.info("[{}] stream {} refused: {} {}", requestId, stream.streamId(), error.status(), error.message());
      HttpErrors.send(response, error.status(), error.toJson());
    } else {
      LOG.warn("[{}] stream {} cut after {} rows: {}", requestId, stream.streamId(), rows, error.message());
      response.reset();
    }
  }

  private void sendHeaders(List<String> columns) {
    if (headersSent) {
      return;
    }
    headersSent = true;
    response.setStatusCode(200)
        .setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, format.contentType())
        .putHeader("Trailer", ROW_COUNT_TRAILER + ", " + COMPLETE_TRAILER);
    Buffer start = encoder.start(columns);
    if (start.length() > 0) {
      response.write(start);
    }
  }

  private void clientGone(String why) {
    if (!finished) {
      finished = true;
      setBlocked(false);
      LOG.info("[{}] stream {} cancelled after {} rows: client gone ({})", requestId, stream.streamId(), rows, why);
      stream.cancel();
    }
  }
}
