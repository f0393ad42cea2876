package io.sluice.cursor;

import io.sluice.error.Failure;

/** Sluice itself ends a stream, not the database: the error the consumer gets says why. */
abstract class StreamEndedException extends RuntimeException {

  StreamEndedException(String message) {
    super(message, null, false, false);
  }

  abstract Failure error();
}
