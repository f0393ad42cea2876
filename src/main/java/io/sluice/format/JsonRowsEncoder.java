package io.sluice.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.sluice.value.ChangeKey;
import io.sluice.value.Column;
import io.sluice.value.JsonValues;
import io.sluice.value.SnapshotKey;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What the JSON-based formats share: each row is one JSON object, keys in column order,
 * written with Jackson's streaming generator; a format adds only what goes around a row and
 * its in-band records (summary, error, sampling change).
 */
abstract class JsonRowsEncoder implements RowEncoder {

  /** The key of the in-band summary and error records. */
  static final String RESERVED_KEY = "_sluice";
  /** The field of the {@code _sluice} record that announces a change of sampling rate. */
  static final String SAMPLING_KEY = "sampling";

  protected final EncodingOptions options;
  private SerializedString[] names;
  /** Rows encoded so far. */
  protected long rows;
  private final BufferOutput output = new BufferOutput();

  JsonRowsEncoder(EncodingOptions options) {
    this.options = options;
  }

  /** What goes before the first row. */
  protected Buffer prefix() {
    return Buffer.buffer();
  }

  /** Writes what goes before a row, given its key (or null); {@link #rows} counts the rows before it. */
  protected abstract void beforeRow(JsonGenerator json, Object[] key) throws IOException;

  /** Writes what goes after a row. */
  protected abstract void afterRow(JsonGenerator json) throws IOException;

  @Override
  public final Buffer start(List<Column> columns) {
    names = columns.stream().map(c -> new SerializedString(c.name())).toArray(SerializedString[]::new);
    return prefix();
  }

  @Override
  public final Buffer encode(List<Object[]> batch) {
    return encode(batch, List.of());
  }

  @Override
  public final Buffer encode(List<Object[]> batch, List<Object[]> keys) {
    try (JsonGenerator json = JsonValues.FACTORY.createGenerator(output.begin(batch.size(), names.length))) {
      json.setRootValueSeparator(null);
      JsonValues values = new JsonValues(json);
      for (int r = 0; r < batch.size(); r++) {
        Object[] row = batch.get(r);
        Object[] key = keys.isEmpty() ? null : keys.get(r);
        boolean change = ChangeKey.is(key);
        if (change && ChangeKey.isStatus(key)) {
          writeStatus(json, key);
          continue;
        }
        if (change) {
          // a change's row is every follower's with these parameters: its object is written once
          beforeChange(json, key);
          json.writeRawValue(SharedRowTexts.of(row, names));
          afterChange(json);
          rows++;
          continue;
        }
        beforeRow(json, key);
        json.writeStartObject();
        for (int i = 0; i < names.length; i++) {
          json.writeFieldName(names[i]);
          values.write(row[i]);
        }
        json.writeEndObject();
        afterRow(json);
        rows++;
      }
      if (!keys.isEmpty() && SnapshotKey.is(keys.get(keys.size() - 1))) {
        afterSnapshotBatch(json, keys.get(keys.size() - 1));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return output.finish(batch.size());
  }

  /**
   * Writes what goes after a batch of a followed stream's snapshot rows, given its last row's
   * {@link SnapshotKey}: nothing, unless the format names no row by itself (NDJSON: a checkpoint).
   */
  protected void afterSnapshotBatch(JsonGenerator json, Object[] lastKey) throws IOException {}

  /** Writes what goes before a followed stream's changed row, given its {@link ChangeKey}; only formats that {@link OutputFormat#follows()}. */
  protected void beforeChange(JsonGenerator json, Object[] key) throws IOException {
    throw new UnsupportedOperationException(getClass().getName() + " cannot follow");
  }

  /** Writes what goes after a followed stream's changed row. */
  protected void afterChange(JsonGenerator json) throws IOException {
    throw new UnsupportedOperationException(getClass().getName() + " cannot follow");
  }

  /** Writes a followed stream's status record ({@code live}, {@code must-refetch}), given its {@link ChangeKey}. */
  protected void writeStatus(JsonGenerator json, Object[] key) throws IOException {
    throw new UnsupportedOperationException(getClass().getName() + " cannot follow");
  }

  /** The fields a followed stream's record carries: {@code "op"} or {@code "status"}, {@code "lsn"}, {@code "resume"}. */
  protected void writeChangeFields(JsonGenerator json, Object[] key, boolean status) throws IOException {
    json.writeStringField(status ? "status" : "op", ChangeKey.op(key));
    if (ChangeKey.lsn(key) != null) {
      json.writeStringField("lsn", ChangeKey.lsn(key));
      if (options.rowIds() != null) {
        json.writeStringField("resume", options.rowIds().of(key));
      }
    }
  }

  /** A line break: whitespace that JSON readers skip and line-based ones see as an empty line. */
  @Override
  public Buffer heartbeat() {
    return Buffer.buffer("\n");
  }

  /** The summary or error record: {@code {"_sluice": {...}}}. */
  static String record(StreamSummary summary) {
    return new JsonObject().put(RESERVED_KEY, summary.toJson()).encode();
  }

  /** The moved record: {@code {"_sluice":{"status":"moved","from":...,"to":...,"resume":...}}}. */
  static String movedRecord(MovedRecord moved) {
    return new JsonObject().put(RESERVED_KEY, moved.toJson()).encode();
  }

  /** Whether a complete body ends with the summary record: when asked, and always when rows were sampled out. */
  protected boolean endsWithSummary(StreamSummary summary) {
    return options.summary() || summary.sampled() != null;
  }

  /** The sampling record: {@code {"_sluice":{"sampling":{"rate":5,"after":"v1...","key":[4900]}}}}. */
  static Buffer samplingRecord(SamplingChange change) {
    return generate(json -> {
      json.writeStartObject();
      json.writeFieldName(RESERVED_KEY);
      json.writeStartObject();
      json.writeFieldName(SAMPLING_KEY);
      writeSampling(json, change);
      json.writeEndObject();
      json.writeEndObject();
    });
  }

  /** A sampling change as one object, {@code {"rate":5,"after":"v1...","key":[4900]}}, the key's values written as in rows. */
  static Buffer samplingObject(SamplingChange change) {
    return generate(json -> writeSampling(json, change));
  }

  private static void writeSampling(JsonGenerator json, SamplingChange change) throws IOException {
    json.writeStartObject();
    json.writeNumberField("rate", change.rate());
    if (change.after() != null) {
      json.writeStringField("after", change.after());
    }
    if (change.key() != null) {
      json.writeArrayFieldStart("key");
      JsonValues values = new JsonValues(json);
      for (Object value : change.key()) {
        values.write(value);
      }
      json.writeEndArray();
    }
    json.writeEndObject();
  }

  private static Buffer generate(JsonWriting writing) {
    ByteArrayBuilder out = new ByteArrayBuilder(256);
    try (JsonGenerator json = JsonValues.FACTORY.createGenerator(out)) {
      writing.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  @FunctionalInterface
  private interface JsonWriting {
    void write(JsonGenerator json) throws IOException;
  }
}
