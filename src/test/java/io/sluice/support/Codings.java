package io.sluice.support;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/** Decoders for the HTTP content codings, strict (a body must end its coding) and lenient (what a cut body's prefix decodes to). */
public final class Codings {

  private Codings() {}

  /** What a body in {@code coding} decodes to, read as far as its bytes go. */
  public record Decoded(String text, boolean endedCleanly, String failure) {}

  /** Decodes {@code body} in {@code coding} as far as it goes: every byte the decoder gives before the end or an error. */
  public static Decoded decode(String coding, byte[] body) {
    if (coding.equals("br")) {
      return decodeBrotli(body);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    try (InputStream in = decoder(coding, new ByteArrayInputStream(body))) {
      int count;
      while ((count = in.read(buffer)) >= 0) {
        out.write(buffer, 0, count);
      }
      return new Decoded(out.toString(StandardCharsets.UTF_8), true, null);
    } catch (IOException cut) {
      return new Decoded(out.toString(StandardCharsets.UTF_8), false, cut.toString());
    }
  }

  /** Decodes a complete body in {@code coding}; throws if its coding does not end cleanly. */
  public static String decodeComplete(String coding, byte[] body) {
    Decoded decoded = decode(coding, body);
    if (!decoded.endedCleanly()) {
      throw new UncheckedIOException(new IOException(coding + " body does not end cleanly: " + decoded.failure()));
    }
    return decoded.text();
  }

  /**
   * The zstd frames of {@code body}, counted by their headers and blocks as a single-frame decoder
   * (Python's httpx) walks them; -1 if the last one is incomplete or not a frame.
   */
  public static int zstdFrames(byte[] body) {
    int frames = 0;
    int position = 0;
    while (position < body.length) {
      long size;
      try {
        size = Zstd.findFrameCompressedSize(body, position);
      } catch (ZstdException incomplete) {
        return -1;
      }
      if (Zstd.isError(size)) {
        return -1;
      }
      position += (int) size;
      frames++;
    }
    return frames;
  }

  /**
   * brotli through the decoder's own steps: brotli4j's {@code BrotliInputStream} fails at a
   * truncated end before handing out what it decoded, even with eager output.
   */
  private static Decoded decodeBrotli(byte[] body) {
    Brotli4jLoader.ensureAvailability();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DecoderJNI.Wrapper decoder;
    try {
      decoder = new DecoderJNI.Wrapper(Math.max(body.length, 1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      decoder.getInputBuffer().put(body);
      decoder.push(body.length);
      while (true) {
        switch (decoder.getStatus()) {
          case NEEDS_MORE_OUTPUT -> write(out, decoder.pull());
          case OK -> decoder.push(0);
          case DONE -> {
            while (decoder.hasOutput()) {
              write(out, decoder.pull());
            }
            return new Decoded(out.toString(StandardCharsets.UTF_8), true, null);
          }
          default -> {
            while (decoder.hasOutput()) {
              write(out, decoder.pull());
            }
            return new Decoded(out.toString(StandardCharsets.UTF_8), false, "brotli: " + decoder.getStatus());
          }
        }
      }
    } finally {
      decoder.destroy();
    }
  }

  private static void write(ByteArrayOutputStream out, ByteBuffer bytes) {
    byte[] copy = new byte[bytes.remaining()];
    bytes.get(copy);
    out.writeBytes(copy);
  }

  private static InputStream decoder(String coding, InputStream in) throws IOException {
    return switch (coding) {
      case "gzip" -> new GZIPInputStream(in);
      case "deflate" -> new InflaterInputStream(in);
      case "zstd" -> new ZstdInputStream(in);
      case "identity" -> in;
      default -> throw new IllegalArgumentException("no decoder for " + coding);
    };
  }
}
