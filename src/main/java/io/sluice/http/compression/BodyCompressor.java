package io.sluice.http.compression;

import com.aayushatharva.brotli4j.encoder.BrotliOutputStream;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One body's content coding, applied as the body is written: each piece comes back compressed
 * and flushed, so the client can decode every byte written so far (a slow stream still delivers
 * its rows as they come), while the coding itself runs on to the end of the body. zstd is thus
 * one frame per body, its blocks flushed as they go, and gzip one member. Only {@link #finish()}
 * ends the coding; a body that is cut never ends it, so a decoder that reaches the cut sees a
 * truncated stream rather than a complete one. Not thread-safe: one response's event loop.
 */
public final class BodyCompressor {

  private static final Logger LOG = LoggerFactory.getLogger(BodyCompressor.class);

  private final String coding;
  private final Sink sink;
  private final OutputStream coder;
  private boolean closed;

  private BodyCompressor(String coding, Sink sink, OutputStream coder) {
    this.coding = coding;
    this.sink = sink;
    this.coder = coder;
  }

  static BodyCompressor gzip(int level) {
    Sink sink = new Sink();
    return new BodyCompressor(ContentCodings.GZIP, sink, uncheck(() -> new LeveledGzipStream(sink, level)));
  }

  /** HTTP's {@code deflate}: the zlib format (RFC 1950), as Netty writes it. */
  static BodyCompressor deflate(int level) {
    Sink sink = new Sink();
    return new BodyCompressor(ContentCodings.DEFLATE, sink, new EndingDeflaterStream(sink, new Deflater(level)));
  }

  /** One zstd frame for the whole body: a flush ends a block, never the frame. */
  static BodyCompressor zstd(int level) {
    Sink sink = new Sink();
    return new BodyCompressor(ContentCodings.ZSTD, sink,
        uncheck(() -> new ZstdOutputStreamNoFinalizer(sink, level).setCloseFrameOnFlush(false)));
  }

  static BodyCompressor brotli(Encoder.Parameters parameters) {
    Sink sink = new Sink();
    return new BodyCompressor(ContentCodings.BR, sink, uncheck(() -> new BrotliOutputStream(sink, parameters)));
  }

  /** The {@code Content-Encoding} this compressor writes. */
  public String coding() {
    return coding;
  }

  /** {@code plain}, compressed and flushed: with what came before, it decodes to every byte of the body so far. */
  public Buffer compress(Buffer plain) {
    if (closed) {
      throw new IllegalStateException(coding + " compressor already closed");
    }
    try {
      coder.write(plain.getBytes());
      coder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(coding + " compression failed", e);
    }
    return sink.take();
  }

  /** The end of the coding (zstd's last block, gzip's trailer, ...), which tells a decoder the body is whole; releases the coder. */
  public Buffer finish() {
    if (closed) {
      throw new IllegalStateException(coding + " compressor already closed");
    }
    closed = true;
    try {
      coder.close();
    } catch (IOException e) {
      throw new UncheckedIOException(coding + " compression failed", e);
    }
    return sink.take();
  }

  /** Releases the coder's native memory, if {@link #finish()} has not; the coding is left unfinished. Idempotent. */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      coder.close();
    } catch (IOException | RuntimeException e) {
      // the body is over: only the native memory is at stake, and the coder has freed what it could
      LOG.warn("releasing a {} compressor failed", coding, e);
    }
    sink.take();
  }

  private interface IoSupplier<T> {
    T get() throws IOException;
  }

  private static <T> T uncheck(IoSupplier<T> supplier) {
    try {
      return supplier.get();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a compressor", e);
    }
  }

  /** Collects what the coder writes until {@link #take()}: the coders write to memory, never to a socket. */
  private static final class Sink extends OutputStream {

    private Buffer pending = Buffer.buffer();

    @Override
    public void write(int b) {
      pending.appendByte((byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      pending.appendBytes(bytes, offset, length);
    }

    Buffer take() {
      Buffer taken = pending;
      pending = Buffer.buffer();
      return taken;
    }
  }

  /** gzip at a chosen level; {@code flush()} syncs the deflater. */
  private static final class LeveledGzipStream extends GZIPOutputStream {

    LeveledGzipStream(OutputStream out, int level) throws IOException {
      super(out, 8192, true);
      def.setLevel(level);
    }
  }

  /** zlib with a deflater of its own, ended on close; {@code flush()} syncs it. */
  private static final class EndingDeflaterStream extends DeflaterOutputStream {

    EndingDeflaterStream(OutputStream out, Deflater deflater) {
      super(out, deflater, 8192, true);
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
      } finally {
        def.end();
      }
    }
  }
}
