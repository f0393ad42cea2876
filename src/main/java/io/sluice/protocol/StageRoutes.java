package io.sluice.protocol;

/**
 * Where a stage sends the {@code open} of the next one. A node that runs the next stage uses
 * its own instances (no network hop) through the stage's node-local address, {@link
 * Frames#local}; a node without it sends to the cluster-wide address, and the event bus
 * spreads the opens round-robin over the nodes that registered it. Standalone, both are the same.
 */
public record StageRoutes(String transformOpen, String sourceOpen, String sourceCheck) {

  /** The routes of a node that runs the transform and source stages, or not. */
  public static StageRoutes of(boolean transformHere, boolean sourceHere) {
    return new StageRoutes(
        transformHere ? Frames.local(Frames.TRANSFORM_OPEN) : Frames.TRANSFORM_OPEN,
        sourceHere ? Frames.local(Frames.SOURCE_OPEN) : Frames.SOURCE_OPEN,
        sourceHere ? Frames.local(Frames.SOURCE_CHECK) : Frames.SOURCE_CHECK);
  }
}
