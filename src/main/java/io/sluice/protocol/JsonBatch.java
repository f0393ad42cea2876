package io.sluice.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sluice.value.ChangeKey;
import io.sluice.value.MovedKey;
import io.sluice.value.SnapshotKey;
import io.sluice.value.JsonValues;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A batch as JSON, for consumers that cannot read {@link RowBatchCodec}:
 * {@code {"seq": 1, "rows": [{"id": 1, ...}, ...], "keys": [[1], ...]}}. Each row is an object
 * keyed by column name, like an NDJSON line, its values written by {@link JsonValues} (the
 * NDJSON mapping: exact numbers, JSON columns embedded, bytea as base64, arrays as arrays);
 * {@code keys} is there only when the producer has keys, one array per row; a followed
 * stream's record after its snapshot has, in place of its key, what NDJSON's {@code _sluice}
 * object says: {@code {"op": "insert"|"update"|"delete", "lsn": ...}} or {@code {"status":
 * "live"|"must-refetch", ...}} (a status record's row is all nulls, not a row); a keyset stream that moved
 * to another server has a batch of one record {@code {"status": "moved", "from": ..., "to": ...}}.
 *
 * <p>The Vert.x JSON types cannot hold raw JSON text, so the text is read back into them, with
 * every fraction as a {@code BigDecimal}: no value loses a digit on the way.
 */
final class JsonBatch {

  /** Reads the text back into maps and lists, fractions as {@code BigDecimal}. */
  private static final ObjectMapper READER = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  private JsonBatch() {}

  static JsonObject of(long seq, List<String> names, List<Object[]> rows, List<Object[]> keys) {
    ByteArrayBuilder out = new ByteArrayBuilder(rows.size() * 64 * Math.max(names.size(), 1));
    try (JsonGenerator json = JsonValues.FACTORY.createGenerator(out)) {
      JsonValues values = new JsonValues(json);
      json.writeStartObject();
      json.writeNumberField("seq", seq);
      json.writeArrayFieldStart("rows");
      for (Object[] row : rows) {
        json.writeStartObject();
        for (int i = 0; i < names.size(); i++) {
          json.writeFieldName(names.get(i));
          values.write(row[i]);
        }
        json.writeEndObject();
      }
      json.writeEndArray();
      if (!keys.isEmpty()) {
        json.writeArrayFieldStart("keys");
        for (Object[] key : keys) {
          if (ChangeKey.is(key)) {
            writeChange(json, key);
          } else if (MovedKey.is(key)) {
            json.writeStartObject();
            json.writeStringField("status", MovedKey.MOVED);
            json.writeStringField("from", MovedKey.from(key));
            json.writeStringField("to", MovedKey.to(key));
            json.writeEndObject();
          } else if (SnapshotKey.is(key)) {
            values.write(Arrays.asList(SnapshotKey.key(key))); // a followed stream's snapshot row: its own key, as any row's
          } else {
            values.write(Arrays.asList(key));
          }
        }
        json.writeEndArray();
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return read(out.toByteArray());
  }

  /** A followed stream's record, as NDJSON's {@code _sluice} object has it: {@code {"op"|"status": ..., "lsn": ...}}. */
  private static void writeChange(JsonGenerator json, Object[] key) throws IOException {
    json.writeStartObject();
    json.writeStringField(ChangeKey.isStatus(key) ? "status" : "op", ChangeKey.op(key));
    if (ChangeKey.lsn(key) != null) {
      json.writeStringField("lsn", ChangeKey.lsn(key));
    }
    json.writeEndObject();
  }

  @SuppressWarnings("unchecked")
  private static JsonObject read(byte[] text) {
    try {
      return new JsonObject(READER.readValue(text, Map.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
