package io.sluice.format;

/**
 * An encoder needed more off-heap memory than its budget has left ({@link ArrowMemory}): other
 * responses hold it, or one batch needs more than all of it. The stream fails, not the process.
 */
public final class EncoderMemoryException extends RuntimeException {

  private final long limitBytes;

  EncoderMemoryException(long limitBytes, Throwable cause) {
    super("the memory for Arrow's vectors (" + limitBytes + " bytes) is used up", cause);
    this.limitBytes = limitBytes;
  }

  /** The budget that ran out, in bytes. */
  public long limitBytes() {
    return limitBytes;
  }
}
