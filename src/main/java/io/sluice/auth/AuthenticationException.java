package io.sluice.auth;

/**
 * A request that cannot be authenticated, with its RFC 6750 error code: {@code null} when it
 * carries no token at all, {@code invalid_request} or {@code invalid_token}.
 */
public final class AuthenticationException extends RuntimeException {

  private final String bearerError;

  private AuthenticationException(String bearerError, String message) {
    super(message, null, false, false);
    this.bearerError = bearerError;
  }

  public static AuthenticationException missing() {
    return new AuthenticationException(null, "this API needs a bearer token: Authorization: Bearer <JWT>");
  }

  public static AuthenticationException invalidRequest(String message) {
    return new AuthenticationException("invalid_request", message);
  }

  public static AuthenticationException invalidToken(String message) {
    return new AuthenticationException("invalid_token", message);
  }

  /** The RFC 6750 error code, or null for a request with no token. */
  public String bearerError() {
    return bearerError;
  }
}
