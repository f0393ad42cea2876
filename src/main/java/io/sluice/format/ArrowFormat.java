package io.sluice.format;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The Arrow IPC streaming format ({@code application/vnd.apache.arrow.stream}): the schema
 * from the typed columns, then one record batch per Sluice batch (see {@link ArrowEncoder}
 * for the type mapping). A cut stream ends with a deliberately truncated IPC message, so
 * Arrow readers raise instead of returning a short table as complete.
 */
public final class ArrowFormat implements OutputFormat {

  /** The most off-heap memory one response's vectors may hold. */
  private static final long RESPONSE_MEMORY_LIMIT = 256L * 1024 * 1024;

  private final BufferAllocator allocator = new RootAllocator();

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
    return new ArrowEncoder(allocator.newChildAllocator("response", 0, RESPONSE_MEMORY_LIMIT));
  }
}
