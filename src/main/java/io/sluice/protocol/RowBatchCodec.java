package io.sluice.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Event-bus codec for {@link RowBatch}: by reference within a JVM, a compact tagged binary
 * form across a cluster (layout in {@code docs/protocol.md}).
 */
public final class RowBatchCodec implements MessageCodec<RowBatch, RowBatch> {

  public static final String NAME = "sluice-row-batch";

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
    buffer.appendLong(batch.seq());
    buffer.appendInt(batch.columns().size());
    for (String column : batch.columns()) {
      appendString(buffer, column);
    }
    buffer.appendInt(batch.rows().size());
    for (Object[] row : batch.rows()) {
      for (Object value : row) {
        appendValue(buffer, value);
      }
    }
    buffer.setInt(start, buffer.length() - start - 4);
  }

  @Override
  public RowBatch decodeFromWire(int pos, Buffer buffer) {
    Reader in = new Reader(buffer, pos + 4);
    long seq = in.readLong();
    int columnCount = in.readInt();
    List<String> columns = new ArrayList<>(columnCount);
    for (int i = 0; i < columnCount; i++) {
      columns.add(in.readString());
    }
    int rowCount = in.readInt();
    List<Object[]> rows = new ArrayList<>(rowCount);
    for (int r = 0; r < rowCount; r++) {
      Object[] row = new Object[columnCount];
      for (int c = 0; c < columnCount; c++) {
        row[c] = in.readValue();
      }
      rows.add(row);
    }
    return new RowBatch(seq, List.copyOf(columns), rows);
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

  private static void appendString(Buffer buffer, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }

  private static void appendValue(Buffer buffer, Object value) {
    if (value == null) {
      buffer.appendByte(NULL);
    } else if (value instanceof Boolean b) {
      buffer.appendByte(b ? TRUE : FALSE);
    } else if (value instanceof Long l) {
      buffer.appendByte(LONG).appendLong(l);
    } else if (value instanceof Double d) {
      buffer.appendByte(DOUBLE).appendDouble(d);
    } else if (value instanceof BigDecimal d) {
      byte[] unscaled = d.unscaledValue().toByteArray();
      buffer.appendByte(DECIMAL).appendInt(d.scale()).appendInt(unscaled.length).appendBytes(unscaled);
    } else if (value instanceof String s) {
      buffer.appendByte(STRING);
      appendString(buffer, s);
    } else if (value instanceof RawJson j) {
      buffer.appendByte(JSON);
      appendString(buffer, j.text());
    } else if (value instanceof byte[] bytes) {
      buffer.appendByte(BYTES).appendInt(bytes.length).appendBytes(bytes);
    } else if (value instanceof List<?> list) {
      buffer.appendByte(ARRAY).appendInt(list.size());
      for (Object element : list) {
        appendValue(buffer, element);
      }
    } else {
      throw new IllegalArgumentException("a row value of type " + value.getClass().getName() + " cannot be encoded");
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
