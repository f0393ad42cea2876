package io.sluice.format;

import java.util.List;

/**
 * The Arrow IPC streaming format ({@code application/vnd.apache.arrow.stream}): the schema
 * from the typed columns, then one record batch per Sluice batch (see {@link ArrowEncoder}
 * for the type mapping). A cut stream ends with a deliberately truncated IPC message, so
 * Arrow readers raise instead of returning a short table as complete. Each response's vectors
 * are allocated under the process's cap ({@link EncodingOptions#arrowMemory()}); without one,
 * under a cap of its own of {@value ArrowMemory#RESPONSE_MEMORY_LIMIT} bytes.
 */
public final class ArrowFormat implements OutputFormat {

  @Override
  public String name() {
    return "arrow";
  }

  @Override
  public List<String> aliases() {
    return List.of("arrows");
  }

  @Override
  public List<String> mediaTypes() {
    return List.of("application/vnd.apache.arrow.stream");
  }

  @Override
  public String fileExtension() {
    return "arrows";
  }

  @Override
  public boolean compressible() {
    return false;
  }

  @Override
  public RowEncoder newEncoder(EncodingOptions options) {
    if (options.arrowMemory() != null) {
      return new ArrowEncoder(options.arrowMemory(), false);
    }
    // no process budget (a tool, a test): one of its own, closed with the encoder
    return new ArrowEncoder(new ArrowMemory(ArrowMemory.RESPONSE_MEMORY_LIMIT), true);
  }
}
