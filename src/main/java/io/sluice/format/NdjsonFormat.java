package io.sluice.format;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.List;

/**
 * NDJSON: one JSON object per row and line. A cut body ends with one more line, an object
 * under the reserved key {@code _sluice} holding status {@code error}; a complete body ends
 * with one holding status {@code complete} when the client asks for a summary. A sampled
 * body has a line {@code {"_sluice":{"sampling":{...}}}} before the first row of each new
 * rate, and always ends with the summary, status {@code sampled}. A followed stream's changes
 * are lines {@code {"_sluice":{"op":...,"lsn":...,"resume":...},"row":{...}}} and its statuses
 * lines {@code {"_sluice":{"status":"live"|"must-refetch",...}}}. A stream that moved to another server mid-way
 * says so with a line {@code {"_sluice":{"status":"moved",...}}} before the rows read there.
 */
public final class NdjsonFormat implements OutputFormat {

  @Override
  public String name() {
    return "ndjson";
  }

  @Override
  public List<String> aliases() {
    return List.of("jsonl");
  }

  @Override
  public List<String> mediaTypes() {
    return List.of("application/x-ndjson", "application/jsonl");
  }

  @Override
  public boolean marksSampling() {
    return true;
  }

  /** The status of the checkpoint after each batch of a followed stream's snapshot rows. */
  static final String SNAPSHOT_STATUS = "snapshot";

  @Override
  public boolean follows() {
    return true;
  }

  @Override
  public RowEncoder newEncoder(EncodingOptions options) {
    return new Encoder(options);
  }

  private static final class Encoder extends JsonRowsEncoder {

    Encoder(EncodingOptions options) {
      super(options);
    }

    @Override
    protected void beforeRow(JsonGenerator json, Object[] key) {}

    @Override
    protected void afterRow(JsonGenerator json) throws IOException {
      json.writeRaw('\n');
    }

    /**
     * {@code {"_sluice":{"status":"snapshot","resume":"v1..."}}} after each batch of a followed
     * stream's snapshot: NDJSON rows carry no token, so a client cut inside the snapshot goes on
     * from the last checkpoint (applying a batch's rows when its checkpoint comes).
     */
    @Override
    protected void afterSnapshotBatch(JsonGenerator json, Object[] lastKey) throws IOException {
      if (options.rowIds() == null) {
        return;
      }
      json.writeStartObject();
      json.writeFieldName(RESERVED_KEY);
      json.writeStartObject();
      json.writeStringField("status", SNAPSHOT_STATUS);
      json.writeStringField("resume", options.rowIds().of(lastKey));
      json.writeEndObject();
      json.writeEndObject();
      json.writeRaw('\n');
    }

    /** {@code {"_sluice":{"op":"update","lsn":"0/16B3748","resume":"v1..."},"row":} ... {@code }}. */
    @Override
    protected void beforeChange(JsonGenerator json, Object[] key) throws IOException {
      json.writeStartObject();
      json.writeFieldName(RESERVED_KEY);
      json.writeStartObject();
      writeChangeFields(json, key, false);
      json.writeEndObject();
      json.writeFieldName("row");
    }

    @Override
    protected void afterChange(JsonGenerator json) throws IOException {
      json.writeEndObject();
      json.writeRaw('\n');
    }

    /** {@code {"_sluice":{"status":"live","lsn":"0/16B3748","resume":"v1..."}}}. */
    @Override
    protected void writeStatus(JsonGenerator json, Object[] key) throws IOException {
      json.writeStartObject();
      json.writeFieldName(RESERVED_KEY);
      json.writeStartObject();
      writeChangeFields(json, key, true);
      json.writeEndObject();
      json.writeEndObject();
      json.writeRaw('\n');
    }

    @Override
    public Buffer end(StreamSummary summary) {
      return endsWithSummary(summary) ? line(summary) : Buffer.buffer();
    }

    @Override
    public Buffer samplingChange(SamplingChange change) {
      return samplingRecord(change).appendString("\n");
    }

    @Override
    public Buffer moved(MovedRecord moved) {
      return Buffer.buffer(movedRecord(moved) + "\n");
    }

    @Override
    public Buffer cut(StreamSummary summary) {
      return line(summary);
    }


    private static Buffer line(StreamSummary summary) {
      return Buffer.buffer(record(summary) + "\n");
    }
  }
}
