package io.sluice.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.sluice.value.JsonValues;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON objects of the change rows that several followed streams write: the followers of a
 * dataset with the same parameters and transforms get the very same row arrays, and each would
 * write every row's values again. Keyed by the row itself (its identity, never its values) and
 * the column names it is written with; the newest {@link #CAPACITY} rows of the process.
 * Thread-safe.
 */
final class SharedRowTexts {

  /** Rows remembered: enough for followers some batches apart. */
  static final int CAPACITY = 8192;

  /** The process's one cache: rows are shared across the streams of every event loop. */
  static final SharedRowTexts ROWS = new SharedRowTexts();

  private record Key(Object[] row, SerializedString[] names) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Key key && key.row == row && (key.names == names || java.util.Arrays.equals(key.names, names));
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(row);
    }
  }

  private final LinkedHashMap<Key, SerializedString> texts = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Key, SerializedString> eldest) {
      return size() > CAPACITY;
    }
  };

  /** {@code row} as a JSON object with {@code names} for keys, in order, as the encoders write it. */
  SerializedString of(Object[] row, SerializedString[] names) {
    Key key = new Key(row, names);
    synchronized (this) {
      SerializedString known = texts.get(key);
      if (known != null) {
        return known;
      }
    }
    SerializedString text = new SerializedString(write(row, names));
    text.asUnquotedUTF8(); // its bytes, made once here rather than by every writer
    synchronized (this) {
      texts.put(key, text);
    }
    return text;
  }

  private static String write(Object[] row, SerializedString[] names) {
    StringWriter out = new StringWriter(32 * names.length);
    try (JsonGenerator json = JsonValues.FACTORY.createGenerator(out)) {
      JsonValues values = new JsonValues(json);
      json.writeStartObject();
      for (int i = 0; i < names.length; i++) {
        json.writeFieldName(names[i]);
        values.write(row[i]);
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
