package io.sluice.http.compression;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Codings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("A body's content coding")
class ContentCodingsTest {

  private static final ContentCodings CODINGS = ContentCodings.at(1);

  private static BodyCompressor compressor(String coding) {
    BodyCompressor compressor = CODINGS.compressor(coding);
    assertThat(compressor.coding()).isEqualTo(coding);
    return compressor;
  }

  private static String batch(int from, int rows) {
    StringBuilder batch = new StringBuilder();
    for (int id = from; id < from + rows; id++) {
      batch.append("{\"id\":").append(id).append(",\"label\":\"row ").append(id).append("\"}\n");
    }
    return batch.toString();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gzip", "deflate", "zstd", "br"})
  @DisplayName("decodes, after every write, to every byte written so far, and ends cleanly only once finished")
  void flushedAsItGoes(String coding) {
    BodyCompressor compressor = compressor(coding);
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    StringBuilder plain = new StringBuilder();
    for (int batch = 0; batch < 20; batch++) {
      String rows = batch(batch * 50 + 1, 50);
      plain.append(rows);
      sent.writeBytes(compressor.compress(Buffer.buffer(rows)).getBytes());

      Codings.Decoded soFar = Codings.decode(coding, sent.toByteArray());
      assertThat(soFar.text()).isEqualTo(plain.toString());
      assertThat(soFar.endedCleanly()).as("a body not finished ends cleanly").isFalse();
    }
    sent.writeBytes(compressor.finish().getBytes());

    assertThat(Codings.decodeComplete(coding, sent.toByteArray())).isEqualTo(plain.toString());
  }

  @Test
  @DisplayName("zstd: one frame for the whole body, however many flushes")
  void zstdOneFrame() {
    BodyCompressor compressor = compressor("zstd");
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    for (int batch = 0; batch < 200; batch++) {
      sent.writeBytes(compressor.compress(Buffer.buffer(batch(batch * 100 + 1, 100))).getBytes());
    }
    sent.writeBytes(compressor.finish().getBytes());

    assertThat(Codings.zstdFrames(sent.toByteArray())).isEqualTo(1);
  }

  @Test
  @DisplayName("a compressor closed unfinished leaves its coding open, and closing twice is harmless")
  void closedUnfinished() {
    BodyCompressor compressor = compressor("gzip");
    byte[] sent = compressor.compress(Buffer.buffer(batch(1, 10))).getBytes();

    compressor.close();
    compressor.close();

    Codings.Decoded decoded = Codings.decode("gzip", sent);
    assertThat(decoded.endedCleanly()).isFalse();
    assertThat(decoded.text()).isEqualTo(batch(1, 10));
  }

  @ParameterizedTest(name = "{0} over {1}")
  @CsvSource({
      "zstd,                  HTTP_1_1, zstd",
      "'gzip, zstd;q=0.5',    HTTP_1_1, zstd",
      "gzip,                  HTTP_1_1, ",
      "br,                    HTTP_1_1, ",
      "zstd,                  HTTP_1_0, ",
      "identity,              HTTP_2,   ",
      "'gzip;q=0.5, deflate', HTTP_2,   deflate",
      "'*',                   HTTP_2,   br",
      "'br;q=0, zstd;q=0, *', HTTP_2,   gzip",
      "'gzip, br',            HTTP_2,   br"
  })
  @DisplayName("is chosen as Vert.x chooses, and compressed by the body itself only for zstd and over HTTP/2")
  void compressedByTheBody(String acceptEncoding, HttpVersion version, String expected) {
    BodyCompressor compressor = CODINGS.forBody(version, List.of(acceptEncoding));
    try {
      assertThat(compressor == null ? null : compressor.coding()).isEqualTo(expected);
    } finally {
      if (compressor != null) {
        compressor.close();
      }
    }
  }

  @Test
  @DisplayName("is never chosen at level 0, and the codings Vert.x is given are still the same four")
  void off() {
    ContentCodings off = ContentCodings.at(0);

    assertThat(off.offered()).isFalse();
    assertThat(off.forBody(HttpVersion.HTTP_2, List.of("gzip"))).isNull();
    assertThat(off.options()).hasSameSizeAs(CODINGS.options());
  }

  @Test
  @DisplayName("joins repeated Accept-Encoding headers as one list")
  void repeatedHeaders() {
    assertThat(CODINGS.choose(List.of("identity", "deflate"))).isEqualTo("deflate");
    assertThat(CODINGS.choose(List.of())).isNull();
  }
}
