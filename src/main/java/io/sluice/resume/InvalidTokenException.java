package io.sluice.resume;

/**
 * A resume token that cannot be used, with why: the message completes "the resume token ...".
 * {@link #otherPrincipal()} tells a token of someone else's (a 403) from a broken or mismatched one.
 */
public final class InvalidTokenException extends RuntimeException {

  private final boolean otherPrincipal;

  public InvalidTokenException(String why) {
    this(why, false);
  }

  private InvalidTokenException(String why, boolean otherPrincipal) {
    super(why, null, false, false);
    this.otherPrincipal = otherPrincipal;
  }

  static InvalidTokenException ofOtherPrincipal() {
    return new InvalidTokenException("was issued to another caller", true);
  }

  public boolean otherPrincipal() {
    return otherPrincipal;
  }
}
