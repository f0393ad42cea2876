package io.sluice.http.compression;

import io.netty.handler.codec.compression.Brotli;
import io.netty.handler.codec.compression.BrotliOptions;
import io.netty.handler.codec.compression.CompressionOptions;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.compression.Zstd;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.vertx.core.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP content codings Sluice offers: gzip and deflate, and zstd and br where their native
 * libraries load; gzip, deflate and zstd at {@code http.compressionLevel}, br at Netty's default
 * quality. The client's {@code Accept-Encoding} chooses, as Netty's {@link HttpContentCompressor}
 * reads it; {@code identity} always works.
 *
 * <p>Vert.x compresses responses with these {@link #options()} as they are written, which serves
 * every response but two kinds of row-stream bodies, which their framing compresses itself with a
 * {@link BodyCompressor} ({@link #forBody}): zstd bodies, because Netty's zstd encoder ends a frame
 * at every flush (one per write: many decoders, Python's httpx among them, read only the first
 * frame of a body), and every body over HTTP/2, because Vert.x 5.0.10's HTTP/2 compressor
 * (Netty's {@code CompressorHttp2ConnectionEncoder}) drops the end of a compressed body when
 * trailers follow it.
 */
public final class ContentCodings {

  public static final String GZIP = "gzip";
  public static final String DEFLATE = "deflate";
  public static final String ZSTD = "zstd";
  public static final String BR = "br";

  /** Netty's own zstd block size and encode bound, for the responses Vert.x compresses. */
  private static final int ZSTD_BLOCK_SIZE = 1 << 16;
  private static final int ZSTD_MAX_ENCODE_SIZE = 1 << 25;

  private final int level;
  private final List<CompressionOptions> options;
  private final BrotliOptions brotli;
  /** Netty's reading of {@code Accept-Encoding}, null when nothing is offered. */
  private final Negotiation negotiation;

  private ContentCodings(int level, List<CompressionOptions> options, BrotliOptions brotli) {
    this.level = level;
    this.options = List.copyOf(options);
    this.brotli = brotli;
    this.negotiation = level > 0 ? new Negotiation(options.toArray(new CompressionOptions[0])) : null;
  }

  /** The codings at compression level {@code level} (1-9); 0 offers none. */
  public static ContentCodings at(int level) {
    int effective = Math.max(level, 1);
    List<CompressionOptions> options = new ArrayList<>();
    if (Zstd.isAvailable()) {
      options.add(StandardCompressionOptions.zstd(effective, ZSTD_BLOCK_SIZE, ZSTD_MAX_ENCODE_SIZE));
    }
    BrotliOptions brotli = null;
    if (Brotli.isAvailable()) {
      brotli = StandardCompressionOptions.brotli();
      options.add(brotli);
    }
    options.add(StandardCompressionOptions.gzip(effective, 15, 8));
    options.add(StandardCompressionOptions.deflate(effective, 15, 8));
    return new ContentCodings(level, options, brotli);
  }

  /** Whether responses are compressed at all ({@code http.compressionLevel} above 0). */
  public boolean offered() {
    return negotiation != null;
  }

  /** The compressors Vert.x's HTTP server uses for every response that does not compress itself. */
  public List<CompressionOptions> options() {
    return options;
  }

  /**
   * The coding a body for a request with these {@code Accept-Encoding} headers gets, null for
   * none: the same choice as Vert.x's, for the same q-values.
   */
  public String choose(List<String> acceptEncoding) {
    if (negotiation == null || acceptEncoding.isEmpty()) {
      return null;
    }
    return negotiation.choose(String.join(",", acceptEncoding));
  }

  /**
   * The compressor a row stream's body over {@code version} needs, for a request with these
   * {@code Accept-Encoding} headers: zstd on HTTP/1.1, any coding on HTTP/2. Null when Vert.x
   * compresses the body as it goes (gzip, deflate, br on HTTP/1.1) or nothing does (no coding
   * chosen; HTTP/1.0, whose bodies have no chunked framing, as Netty leaves them).
   */
  public BodyCompressor forBody(HttpVersion version, List<String> acceptEncoding) {
    if (version == HttpVersion.HTTP_1_0) {
      return null;
    }
    String coding = choose(acceptEncoding);
    if (coding == null || (version != HttpVersion.HTTP_2 && !coding.equals(ZSTD))) {
      return null;
    }
    return compressor(coding);
  }

  /** A new compressor for {@code coding}, one of the offered codings, at their level. */
  BodyCompressor compressor(String coding) {
    return switch (coding) {
      case ZSTD -> BodyCompressor.zstd(level);
      case BR -> BodyCompressor.brotli(brotli.parameters());
      case GZIP -> BodyCompressor.gzip(level);
      case DEFLATE -> BodyCompressor.deflate(level);
      default -> throw new IllegalArgumentException("no compressor for " + coding);
    };
  }

  /** Netty's choice among the offered codings for an {@code Accept-Encoding}, which Vert.x makes for every response. */
  private static final class Negotiation extends HttpContentCompressor {

    Negotiation(CompressionOptions[] options) {
      super(0, options);
    }

    String choose(String acceptEncoding) {
      return determineEncoding(acceptEncoding);
    }
  }
}
