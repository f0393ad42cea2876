package io.sluice.format;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The off-heap memory Arrow's vectors may take in one process. Arrow allocates them outside
 * {@code -XX:MaxDirectMemorySize} ({@code arrow-memory-unsafe}), so this cap is the only one
 * they have: one root allocator of {@code limitBytes}, and each response's encoder a child of
 * it. An encoder that would pass the cap fails with an {@link EncoderMemoryException} (its
 * stream is refused or cut, never the process), and what it held goes back when it is closed.
 * Thread-safe: every HTTP verticle of the process shares it.
 */
public final class ArrowMemory implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ArrowMemory.class);
  /** The most one response's vectors may hold, whatever the process's cap leaves. */
  static final long RESPONSE_MEMORY_LIMIT = 256L * 1024 * 1024;

  private final RootAllocator root;
  private final long limitBytes;

  public ArrowMemory(long limitBytes) {
    this.limitBytes = limitBytes;
    this.root = new RootAllocator(limitBytes);
  }

  /** The cap, in bytes. */
  public long limit() {
    return limitBytes;
  }

  /** Bytes the vectors of every Arrow response of the process hold now. */
  public long allocated() {
    return root.getAllocatedMemory();
  }

  /** The allocator of one response: a child of the root, so that the process's cap binds it. */
  BufferAllocator newResponseAllocator() {
    return root.newChildAllocator("response", 0, Math.min(limitBytes, RESPONSE_MEMORY_LIMIT));
  }

  /** Releases the root; memory a response still holds (a leak) is logged, never thrown at a shutdown. */
  @Override
  public void close() {
    try {
      root.close();
    } catch (IllegalStateException leaked) {
      LOG.error("Arrow memory still held at close: {} bytes", root.getAllocatedMemory(), leaked);
    }
  }
}
