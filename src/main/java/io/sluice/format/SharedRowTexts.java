package io.sluice.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.sluice.value.JsonValues;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The JSON objects of the change rows that several followed streams write: the followers of a
 * dataset with the same parameters and transforms get the very same row arrays, and each would
 * write every row's values again. Each thread (event loop) keeps the newest texts in {@link
 * #SLOTS} slots picked by the row's identity (never its values), with the column names it was
 * written with: no lock, no chain to walk (a hash map of a few thousand rows took microseconds
 * per lookup under a hundred followers); a row whose slot another took is written again.
 */
final class SharedRowTexts {

  /** Slots per thread: enough for followers some batches apart. */
  static final int SLOTS = 4096;

  private static final ThreadLocal<SharedRowTexts> PER_THREAD = ThreadLocal.withInitial(SharedRowTexts::new);

  private final Object[][] rows = new Object[SLOTS][];
  private final SerializedString[][] names = new SerializedString[SLOTS][];
  private final SerializedString[] texts = new SerializedString[SLOTS];

  private SharedRowTexts() {}

  /** {@code row} as a JSON object with {@code columns} for keys, in order, as the encoders write it. */
  static SerializedString of(Object[] row, SerializedString[] columns) {
    return PER_THREAD.get().find(row, columns);
  }

  private SerializedString find(Object[] row, SerializedString[] columns) {
    int slot = System.identityHashCode(row) & (SLOTS - 1);
    if (rows[slot] == row && (names[slot] == columns || Arrays.equals(names[slot], columns))) {
      return texts[slot];
    }
    SerializedString text = new SerializedString(write(row, columns));
    text.asUnquotedUTF8(); // its bytes, made once here rather than by every writer
    rows[slot] = row;
    names[slot] = columns;
    texts[slot] = text;
    return text;
  }

  private static String write(Object[] row, SerializedString[] columns) {
    StringWriter out = new StringWriter(32 * columns.length);
    try (JsonGenerator json = JsonValues.FACTORY.createGenerator(out)) {
      JsonValues values = new JsonValues(json);
      json.writeStartObject();
      for (int i = 0; i < columns.length; i++) {
        json.writeFieldName(columns[i]);
        values.write(row[i]);
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
