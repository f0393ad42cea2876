package io.sluice.protocol;

import io.sluice.value.RowBatch;
import java.util.Arrays;

/**
 * How a producer puts batches on the event bus, chosen by the open frame's {@code encoding}:
 * a {@link RowBatch} (by reference in the JVM, {@link RowBatchCodec} across a cluster), or a
 * JSON object ({@link JsonBatch}) for consumers that cannot read the codec, such as clients
 * of the TCP bridge.
 */
public enum BatchEncoding {
  BINARY("binary"),
  JSON("json");

  private final String wireName;

  BatchEncoding(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The encoding an open frame names; throws {@link IllegalArgumentException} for any other name. */
  public static BatchEncoding of(String name) {
    return Arrays.stream(values()).filter(e -> e.wireName.equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("open: encoding must be 'binary' or 'json', got '" + name + "'"));
  }
}
