package io.sluice.format;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.List;

/**
 * One JSON array of row objects, streamed: valid JSON only when complete. A cut body gets
 * the {@code _sluice} error record as its last element and no closing bracket, so any JSON
 * parser rejects it; with {@code meta=true} a complete array ends with the summary record.
 * A sampled array holds a {@code {"_sluice":{"sampling":{...}}}} element before the first row
 * of each new rate, and always ends with the summary, status {@code sampled}.
 */
public final class JsonArrayFormat implements OutputFormat {

  @Override
  public String name() {
    return "json";
  }

  @Override
  public List<String> mediaTypes() {
    return List.of("application/json");
  }

  @Override
  public boolean marksSampling() {
    return true;
  }

  @Override
  public RowEncoder newEncoder(EncodingOptions options) {
    return new Encoder(options);
  }

  private static final class Encoder extends JsonRowsEncoder {

    /** Whether the array has an element yet (a row or a sampling record): the next one needs a comma. */
    private boolean hasElement;

    Encoder(EncodingOptions options) {
      super(options);
    }

    @Override
    protected Buffer prefix() {
      return Buffer.buffer("[");
    }

    @Override
    protected void beforeRow(JsonGenerator json, Object[] key) throws IOException {
      json.writeRaw(separator());
    }

    @Override
    protected void afterRow(JsonGenerator json) {}

    private String separator() {
      String separator = hasElement ? ",\n" : "\n";
      hasElement = true;
      return separator;
    }

    @Override
    public Buffer end(StreamSummary summary) {
      String last = endsWithSummary(summary) ? separator() + record(summary) : "";
      return Buffer.buffer(last + "\n]\n");
    }

    @Override
    public Buffer samplingChange(SamplingChange change) {
      return Buffer.buffer(separator()).appendBuffer(samplingRecord(change));
    }


    @Override
    public Buffer moved(MovedRecord moved) {
      return Buffer.buffer(separator() + movedRecord(moved));
    }

    @Override
    public Buffer cut(StreamSummary summary) {
      return Buffer.buffer(separator() + record(summary) + "\n");
    }
  }
}
