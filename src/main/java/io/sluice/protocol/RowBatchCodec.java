package io.sluice.protocol;

import io.sluice.value.RowBatch;
import io.sluice.value.RawJson;
import io.sluice.value.ValueVisitor;
import io.sluice.value.Values;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Event-bus codec for {@link RowBatch}: by reference within a JVM, a compact tagged binary
 * form across a cluster (layout in {@code docs/protocol.md}). The form starts with a version
 * byte; a batch of another version is refused, never guessed at.
 */
public final class RowBatchCodec implements MessageCodec<RowBatch, RowBatch> {

  public static final String NAME = "sluice-row-batch";
  /** The wire form this codec writes and the only one it reads. */
  public static final byte VERSION = 2;

  private static final byte NULL = 0;
  private static final byte FALSE = 1;
  private static final byte TRUE = 2;
  private static final byte LONG = 3;
  private static final byte DOUBLE = 4;
  private static final byte DECIMAL = 5;
  private static final byte STRING = 6;
  private static final byte JSON = 7;
  private static final byte BYTES = 8;
  private static final byte ARRAY = 9;

  @Override
  public void encodeToWire(Buffer buffer, RowBatch batch) {
    int start = buffer.length();
    buffer.appendInt(0);
    buffer.appendByte(VERSION);
    buffer.appendLong(batch.seq());
    Writer writer = new Writer(buffer);
    writeRows(buffer, writer, batch.rows());
    writeRows(buffer, writer, batch.keys());
    buffer.setInt(start, buffer.length() - start - 4);
  }

  @Override
  public RowBatch decodeFromWire(int pos, Buffer buffer) {
    Reader in = new Reader(buffer, pos + 4);
    byte version = buffer.getByte(pos + 4);
    if (version != VERSION) {
      throw new IllegalStateException("row batch wire version " + version + " is not supported (this node reads version " + VERSION + ")");
    }
    in.pos++;
    long seq = in.readLong();
    List<Object[]> rows = readRows(in);
    return new RowBatch(seq, rows, readRows(in));
  }

  /** Value arrays of one width: the width, the count, then the values row by row. */
  private static void writeRows(Buffer buffer, Writer writer, List<Object[]> rows) {
    buffer.appendInt(rows.isEmpty() ? 0 : rows.get(0).length);
    buffer.appendInt(rows.size());
    for (Object[] row : rows) {
      for (Object value : row) {
        Values.accept(value, writer);
      }
    }
  }

  private static List<Object[]> readRows(Reader in) {
    int columnCount = in.readInt();
    int rowCount = in.readInt();
    List<Object[]> rows = new ArrayList<>(rowCount);
    for (int r = 0; r < rowCount; r++) {
      Object[] row = new Object[columnCount];
      for (int c = 0; c < columnCount; c++) {
        row[c] = in.readValue();
      }
      rows.add(row);
    }
    return rows;
  }

  @Override
  public RowBatch transform(RowBatch batch) {
    return batch;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  /** Appends one tagged value per visit. */
  private static final class Writer implements ValueVisitor<RuntimeException> {
    private final Buffer buffer;

    Writer(Buffer buffer) {
      this.buffer = buffer;
    }

    private void appendString(String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      buffer.appendInt(bytes.length).appendBytes(bytes);
    }

    @Override
    public void visitNull() {
      buffer.appendByte(NULL);
    }

    @Override
    public void visitBoolean(boolean value) {
      buffer.appendByte(value ? TRUE : FALSE);
    }

    @Override
    public void visitLong(long value) {
      buffer.appendByte(LONG).appendLong(value);
    }

    @Override
    public void visitDouble(double value) {
      buffer.appendByte(DOUBLE).appendDouble(value);
    }

    @Override
    public void visitDecimal(BigDecimal value) {
      byte[] unscaled = value.unscaledValue().toByteArray();
      buffer.appendByte(DECIMAL).appendInt(value.scale()).appendInt(unscaled.length).appendBytes(unscaled);
    }

    @Override
    public void visitText(String value) {
      buffer.appendByte(STRING);
      appendString(value);
    }

    @Override
    public void visitJson(RawJson value) {
      buffer.appendByte(JSON);
      appendString(value.text());
    }

    @Override
    public void visitBytes(byte[] value) {
      buffer.appendByte(BYTES).appendInt(value.length).appendBytes(value);
    }

    @Override
    public void visitList(List<?> values) {
      buffer.appendByte(ARRAY).appendInt(values.size());
      for (Object element : values) {
        Values.accept(element, this);
      }
    }
  }

  /** Sequential reader over a buffer. */
  private static final class Reader {
    private final Buffer buffer;
    private int pos;

    Reader(Buffer buffer, int pos) {
      this.buffer = buffer;
      this.pos = pos;
    }

    int readInt() {
      int v = buffer.getInt(pos);
      pos += 4;
      return v;
    }

    long readLong() {
      long v = buffer.getLong(pos);
      pos += 8;
      return v;
    }

    byte[] readBytes(int length) {
      byte[] bytes = buffer.getBytes(pos, pos + length);
      pos += length;
      return bytes;
    }

    String readString() {
      return new String(readBytes(readInt()), StandardCharsets.UTF_8);
    }

    Object readValue() {
      byte tag = buffer.getByte(pos++);
      return switch (tag) {
        case NULL -> null;
        case FALSE -> Boolean.FALSE;
        case TRUE -> Boolean.TRUE;
        case LONG -> readLong();
        case DOUBLE -> {
          double d = buffer.getDouble(pos);
          pos += 8;
          yield d;
        }
        case DECIMAL -> {
          int scale = readInt();
          yield new BigDecimal(new BigInteger(readBytes(readInt())), scale);
        }
        case STRING -> readString();
        case JSON -> new RawJson(readString());
        case BYTES -> readBytes(readInt());
        case ARRAY -> {
          int size = readInt();
          List<Object> list = new ArrayList<>(size);
          for (int i = 0; i < size; i++) {
            list.add(readValue());
          }
          yield list;
        }
        default -> throw new IllegalStateException("unknown value tag " + tag + " in a row batch");
      };
    }
  }
}
