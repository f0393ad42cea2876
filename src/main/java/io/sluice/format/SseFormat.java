package io.sluice.format;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.value.ChangeKey;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.List;

/**
 * Server-sent events ({@code text/event-stream}) for browsers' {@code EventSource}: one
 * {@code message} event per row, its data the row as JSON and its {@code id} the row's resume
 * token (or, without one, its number: 1, 2, ...), so that the browser's own reconnect, which
 * sends the last id as {@code Last-Event-ID}, resumes after the last row it received. A complete stream ends with an {@value #END} event (id {@value #END_ID})
 * whose data is the summary; a cut one with a {@value #FAIL} event carrying the error record
 * (not {@code error}, which EventSource fires on its own at every reconnect). A sampled
 * stream sends a {@value #SAMPLING} event before the first row of each new rate. A followed
 * stream's changes are events {@code insert}, {@code update}, {@code delete} (data: the row), its
 * statuses events {@code live} and {@code must-refetch}; each id is the token after it. A stream
 * that moved to another server mid-way sends a {@value #MOVED} event (no id) before the rows read there.
 */
public final class SseFormat implements OutputFormat {

  public static final String END = "end";
  public static final String FAIL = "fail";
  public static final String SAMPLING = "sampling";
  public static final String MOVED = "moved";
  /** The id of the end event: a reconnect that names it asks for nothing more. */
  public static final String END_ID = "end";

  @Override
  public String name() {
    return "sse";
  }

  @Override
  public List<String> mediaTypes() {
    return List.of("text/event-stream");
  }

  @Override
  public String contentType() {
    return "text/event-stream; charset=utf-8";
  }

  @Override
  public boolean marksSampling() {
    return true;
  }

  @Override
  public boolean follows() {
    return true;
  }

  @Override
  public RowEncoder newEncoder(EncodingOptions options) {
    return new Encoder(options);
  }

  private static final class Encoder extends JsonRowsEncoder {

    /** The id of the last row event: a failure repeats it, so the browser resumes after that row. */
    private String lastId;

    Encoder(EncodingOptions options) {
      super(options);
    }

    @Override
    protected void beforeRow(JsonGenerator json, Object[] key) throws IOException {
      lastId = key == null || options.rowIds() == null ? Long.toString(rows + 1) : options.rowIds().of(key);
      json.writeRaw("id: " + lastId + "\ndata: ");
    }

    @Override
    protected void afterRow(JsonGenerator json) throws IOException {
      json.writeRaw("\n\n");
    }

    /** A change is an event named by its operation, its id the token after it, its data the row. */
    @Override
    protected void beforeChange(JsonGenerator json, Object[] key) throws IOException {
      lastId = options.rowIds() == null ? Long.toString(rows + 1) : options.rowIds().of(key);
      json.writeRaw("event: " + ChangeKey.op(key) + "\nid: " + lastId + "\ndata: ");
    }

    @Override
    protected void afterChange(JsonGenerator json) throws IOException {
      json.writeRaw("\n\n");
    }

    /** {@code live} with the token of its position as id; {@code must-refetch} without one. */
    @Override
    protected void writeStatus(JsonGenerator json, Object[] key) throws IOException {
      json.writeRaw("event: " + ChangeKey.op(key) + "\n");
      if (ChangeKey.lsn(key) != null && options.rowIds() != null) {
        lastId = options.rowIds().of(key);
        json.writeRaw("id: " + lastId + "\n");
      }
      json.writeRaw("data: ");
      json.writeStartObject();
      writeChangeFields(json, key, true);
      json.writeEndObject();
      json.writeRaw("\n\n");
    }

    @Override
    public Buffer end(StreamSummary summary) {
      return Buffer.buffer("event: " + END + "\nid: " + END_ID + "\ndata: " + summary.toJson().encode() + "\n\n");
    }

    /** No id: the browser's last event id stays the last row's, so a reconnect resumes after it. */
    @Override
    public Buffer samplingChange(SamplingChange change) {
      return Buffer.buffer("event: " + SAMPLING + "\ndata: ").appendBuffer(samplingObject(change)).appendString("\n\n");
    }

    /** {@code event: moved}, no id: the browser's last event id stays the last row's, where the stream went on from. */
    @Override
    public Buffer moved(MovedRecord moved) {
      return Buffer.buffer("event: " + MOVED + "\ndata: " + moved.toJson().encode() + "\n\n");
    }

    @Override
    public Buffer heartbeat() {
      return Buffer.buffer(": heartbeat\n\n");
    }

    @Override
    public Buffer cut(StreamSummary summary) {
      String id = lastId != null ? lastId : summary.resume() != null ? summary.resume() : "0";
      return Buffer.buffer("event: " + FAIL + "\nid: " + id + "\ndata: " + summary.toJson().encode() + "\n\n");
    }
  }
}
