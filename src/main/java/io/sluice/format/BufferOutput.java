package io.sluice.format;

import io.vertx.core.buffer.Buffer;
import java.io.OutputStream;

/**
 * An encoder's bytes written straight into the {@link Buffer} that goes to the socket: one copy
 * from the generator's own buffer, none after (a byte-array builder costs its segments and two
 * more copies). Each batch's buffer starts at the size the last batch's rows suggest, so it
 * rarely grows.
 */
final class BufferOutput extends OutputStream {

  /** The size a row is guessed at before any was written. */
  private static final int FIRST_GUESS_PER_ROW = 64;

  private double bytesPerRow;
  private Buffer buffer;

  /** Starts a batch of {@code rows} rows of {@code columns} columns. */
  OutputStream begin(int rows, int columns) {
    double perRow = bytesPerRow > 0 ? bytesPerRow * 1.1 : FIRST_GUESS_PER_ROW * Math.max(columns, 1);
    buffer = Buffer.buffer((int) Math.min(Integer.MAX_VALUE - 16, 64 + rows * perRow));
    return this;
  }

  /** The batch's bytes, once the generator writing here is closed; learns their size per row. */
  Buffer finish(int rows) {
    Buffer done = buffer;
    buffer = null;
    if (rows > 0) {
      bytesPerRow = (double) done.length() / rows;
    }
    return done;
  }

  @Override
  public void write(int b) {
    buffer.appendByte((byte) b);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) {
    buffer.appendBytes(bytes, offset, length);
  }
}
