package io.sluice.cursor;

/** A statement not run because its stream had already stopped; nothing to report. */
final class StreamStoppedException extends RuntimeException {

  StreamStoppedException() {
    super("stream stopped", null, false, false);
  }
}
