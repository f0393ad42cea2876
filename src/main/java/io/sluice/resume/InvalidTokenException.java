package io.sluice.resume;

/** A resume token that cannot be used, with why: the message completes "the resume token ...". */
public final class InvalidTokenException extends RuntimeException {

  public InvalidTokenException(String why) {
    super(why, null, false, false);
  }
}
