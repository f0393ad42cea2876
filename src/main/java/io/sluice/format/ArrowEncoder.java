package io.sluice.format;

import io.sluice.value.Column;
import io.sluice.value.JsonValues;
import io.sluice.value.RawJson;
import io.sluice.value.ValueKind;
import io.sluice.value.Values;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TimeStampMicroVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes one response as an Arrow IPC stream. Types: int2/4/8 → Int16/32/64, float4/8 →
 * Float32/64 (NaN and ±Infinity kept), bool → Bool, date → Date32, timestamptz →
 * Timestamp(µs, "UTC"), timestamp → Timestamp(µs), bytea → Binary, numeric with a declared
 * precision → Decimal128(p, s), arrays → List of their element type, everything else (text,
 * numeric without precision, json, uuid, interval, enums, ...) → Utf8.
 *
 * <p>A value the Arrow type cannot hold (numeric NaN/±Infinity in a Decimal column, a
 * ±infinity date or timestamp, a numeric over the declared precision) is never turned into a
 * null or another value: encoding fails with {@link UnrepresentableValueException}, which
 * cuts the stream. Cast such a column to text in the dataset's SQL to carry it.
 *
 * <p>Its vectors are allocated under an {@link ArrowMemory}'s cap: an allocation that would
 * pass it fails encoding with {@link EncoderMemoryException}, and {@link #close()} gives back
 * all the encoder held, however it ended.
 */
final class ArrowEncoder implements RowEncoder {

  private static final Logger LOG = LoggerFactory.getLogger(ArrowEncoder.class);
  private static final Pattern DECLARED_NUMERIC = Pattern.compile("numeric\\((\\d+),(\\d+)\\)");
  /** Vectors holding more than this after a batch are freed rather than kept for the next one. */
  private static final long RETAINED_MEMORY = 8L * 1024 * 1024;

  private final ArrowMemory memory;
  /** Whether {@link #memory} is this encoder's own, closed with it. */
  private final boolean ownsMemory;
  private final BufferAllocator allocator;
  private final ChunkChannel channel = new ChunkChannel();
  private VectorSchemaRoot root;
  private ArrowStreamWriter writer;
  private List<Column> columns;
  private ValueWriter[] writers;
  private long rows;
  private boolean allocated;
  private boolean closed;

  /** An encoder whose vectors {@code memory} caps; {@code ownsMemory}: it is this encoder's alone, closed with it. */
  ArrowEncoder(ArrowMemory memory, boolean ownsMemory) {
    this.memory = memory;
    this.ownsMemory = ownsMemory;
    this.allocator = memory.newResponseAllocator();
  }

  @Override
  public Buffer start(List<Column> typed) {
    try {
      return startStream(typed);
    } catch (OutOfMemoryException e) {
      throw new EncoderMemoryException(memory.limit(), e);
    }
  }

  private Buffer startStream(List<Column> typed) {
    columns = typed;
    List<Field> fields = new ArrayList<>(typed.size());
    for (Column column : typed) {
      fields.add(field(column));
    }
    root = VectorSchemaRoot.create(new Schema(fields), allocator);
    writer = new ArrowStreamWriter(root, null, channel);
    try {
      writer.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    writers = new ValueWriter[typed.size()];
    for (int i = 0; i < writers.length; i++) {
      writers[i] = valueWriter(typed.get(i), root.getVector(i));
    }
    return channel.take();
  }

  @Override
  public Buffer encode(List<Object[]> batch) {
    try {
      return encodeBatch(batch);
    } catch (OutOfMemoryException e) {
      throw new EncoderMemoryException(memory.limit(), e);
    }
  }

  private Buffer encodeBatch(List<Object[]> batch) {
    prepareVectors();
    for (int r = 0; r < batch.size(); r++) {
      Object[] row = batch.get(r);
      for (int c = 0; c < writers.length; c++) {
        try {
          writers[c].write(r, row[c]);
        } catch (OutOfMemoryException e) {
          throw e; // the budget, not the value
        } catch (RuntimeException e) {
          throw new UnrepresentableValueException(columns.get(c), rows + r + 1, row[c], e);
        }
      }
    }
    root.setRowCount(batch.size());
    try {
      writer.writeBatch();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rows += batch.size();
    if (allocator.getAllocatedMemory() > RETAINED_MEMORY) {
      root.clear();
      allocated = false;
    }
    return channel.take();
  }

  /** Empties the vectors for a batch, reusing what they hold from the one before. */
  private void prepareVectors() {
    if (!allocated) {
      root.allocateNew();
      allocated = true;
      return;
    }
    for (FieldVector vector : root.getFieldVectors()) {
      vector.reset();
    }
  }

  @Override
  public Buffer end(StreamSummary summary) {
    try {
      writer.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return channel.take();
  }

  @Override
  public Buffer cut(StreamSummary summary) {
    return truncatedMessage(summary);
  }

  /**
   * The end of a cut stream: a message start (continuation marker, then a metadata length
   * far larger than what follows) whose bytes name the cut, and nothing after it.
   */
  static Buffer truncatedMessage(StreamSummary summary) {
    String reason = "sluice: stream cut after " + summary.rows() + " rows"
        + (summary.error() == null ? "" : ": " + summary.errorText());
    return Buffer.buffer()
        .appendIntLE(-1)
        .appendIntLE(1 << 20)
        .appendString(reason);
  }

  /** Gives back every buffer the encoder holds, once, however the stream ended (a failed allocation too). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (writer != null) {
        writer.close();
      }
    } catch (RuntimeException e) {
      LOG.debug("closing the Arrow writer of a failed stream", e);
    }
    if (root != null) {
      root.close();
    }
    try {
      allocator.close();
    } catch (IllegalStateException leaked) {
      LOG.error("an Arrow response did not give back all its memory", leaked);
    }
    if (ownsMemory) {
      memory.close();
    }
  }

  private static Field field(Column column) {
    Field element = new Field(column.array() ? "item" : column.name(), FieldType.nullable(arrowType(column)), null);
    if (!column.array()) {
      return element;
    }
    return new Field(column.name(), FieldType.nullable(ArrowType.List.INSTANCE), List.of(element));
  }

  private static ArrowType arrowType(Column column) {
    return switch (column.kind()) {
      case BOOLEAN -> ArrowType.Bool.INSTANCE;
      case SMALLINT -> new ArrowType.Int(16, true);
      case INTEGER -> new ArrowType.Int(32, true);
      case BIGINT -> new ArrowType.Int(64, true);
      case REAL -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case DOUBLE -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case NUMERIC -> {
        Matcher declared = declaredNumeric(column);
        yield declared == null ? ArrowType.Utf8.INSTANCE
            : new ArrowType.Decimal(Integer.parseInt(declared.group(1)), Integer.parseInt(declared.group(2)), 128);
      }
      case BYTES -> ArrowType.Binary.INSTANCE;
      case DATE -> new ArrowType.Date(DateUnit.DAY);
      case TIMESTAMPTZ -> new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
      case TIMESTAMP -> new ArrowType.Timestamp(TimeUnit.MICROSECOND, null);
      case TEXT, JSON, UUID, OTHER -> ArrowType.Utf8.INSTANCE;
    };
  }

  private static Matcher declaredNumeric(Column column) {
    if (column.array() || column.dbType() == null) {
      return null;
    }
    Matcher matcher = DECLARED_NUMERIC.matcher(column.dbType());
    return matcher.matches() ? matcher : null;
  }

  /** Writes one value at an index of one vector. */
  private interface ValueWriter {
    void write(int index, Object value);
  }

  private static ValueWriter valueWriter(Column column, FieldVector vector) {
    if (column.array()) {
      ListVector list = (ListVector) vector;
      ValueWriter element = scalarWriter(column.kind(), list.getDataVector());
      return (index, value) -> {
        if (value == null) {
          list.setNull(index);
          return;
        }
        List<?> values = (List<?>) value;
        int offset = list.startNewValue(index);
        for (int i = 0; i < values.size(); i++) {
          element.write(offset + i, values.get(i));
        }
        list.endValue(index, values.size());
      };
    }
    return scalarWriter(column.kind(), vector);
  }

  private static ValueWriter scalarWriter(ValueKind kind, FieldVector vector) {
    ValueWriter write = switch (kind) {
      case BOOLEAN -> (i, value) -> ((BitVector) vector).setSafe(i, (Boolean) value ? 1 : 0);
      case SMALLINT -> (i, value) -> ((SmallIntVector) vector).setSafe(i, Math.toIntExact((Long) value));
      case INTEGER -> (i, value) -> ((IntVector) vector).setSafe(i, Math.toIntExact((Long) value));
      case BIGINT -> (i, value) -> ((BigIntVector) vector).setSafe(i, (Long) value);
      case REAL -> (i, value) -> ((Float4Vector) vector).setSafe(i, value instanceof String s ? (float) nonFinite(s) : ((Number) value).floatValue());
      case DOUBLE -> (i, value) -> ((Float8Vector) vector).setSafe(i, value instanceof String s ? nonFinite(s) : ((Number) value).doubleValue());
      case NUMERIC -> vector instanceof DecimalVector decimal
          ? (i, value) -> decimal.setSafe(i, ((BigDecimal) value).setScale(decimal.getScale()))
          : utf8((VarCharVector) vector);
      case DATE -> (i, value) -> ((DateDayVector) vector).setSafe(i, Math.toIntExact(ArrowTemporals.epochDay((String) value)));
      case TIMESTAMPTZ -> (i, value) -> ((TimeStampMicroTZVector) vector).setSafe(i, ArrowTemporals.offsetMicros((String) value));
      case TIMESTAMP -> (i, value) -> ((TimeStampMicroVector) vector).setSafe(i, ArrowTemporals.localMicros((String) value));
      case BYTES -> (i, value) -> ((VarBinaryVector) vector).setSafe(i, (byte[]) value);
      case TEXT, JSON, UUID, OTHER -> utf8((VarCharVector) vector);
    };
    return (index, value) -> {
      if (value == null) {
        vector.setNull(index);
      } else {
        write.write(index, value);
      }
    };
  }

  private static ValueWriter utf8(VarCharVector vector) {
    return (i, value) -> vector.setSafe(i, text(value).getBytes(StandardCharsets.UTF_8));
  }

  private static double nonFinite(String value) {
    return switch (value) {
      case "NaN" -> Double.NaN;
      case "Infinity" -> Double.POSITIVE_INFINITY;
      case "-Infinity" -> Double.NEGATIVE_INFINITY;
      default -> throw new IllegalArgumentException("not a number: " + value);
    };
  }

  private static String text(Object value) {
    if (value instanceof RawJson json) {
      return json.text();
    }
    if (value instanceof List<?>) {
      return JsonValues.toJson(value);
    }
    return Values.text(value);
  }

  /**
   * Collects what the Arrow writer writes, copied once into a buffer sized after the chunk
   * before it, handed out as one chunk per call.
   */
  private static final class ChunkChannel implements WritableByteChannel {
    private static final int MIN_CAPACITY = 4096;
    private Buffer chunk;
    private int capacity = MIN_CAPACITY;

    @Override
    public int write(ByteBuffer source) {
      if (chunk == null) {
        chunk = Buffer.buffer(capacity);
      }
      int length = source.remaining();
      // a slice, as Buffer.setBytes takes the source's limit for the end of what it copies
      chunk.setBytes(chunk.length(), source.slice());
      source.position(source.limit());
      return length;
    }

    Buffer take() {
      if (chunk == null) {
        return Buffer.buffer();
      }
      Buffer taken = chunk;
      chunk = null;
      capacity = Math.max(MIN_CAPACITY, taken.length() + taken.length() / 8);
      return taken;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
