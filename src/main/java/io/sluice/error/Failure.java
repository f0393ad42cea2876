package io.sluice.error;

/**
 * Why a stream cannot be served, or why it was cut, in Sluice's own terms: a {@link Reason}
 * clients can switch on (its stable {@link Reason#code()}), a message, the request parameter at
 * fault, the SQLSTATE when PostgreSQL raised it, for a refusal worth retrying how many seconds to
 * wait first, and the id of the request it ended, which names the log lines that hold the detail.
 *
 * <p>This is the domain's error: it knows no transport. The event-bus protocol maps it to its
 * wire form, and HTTP to a status. The message is public: it is Sluice's own words, never
 * PostgreSQL's text, SQL, exception classes or event-bus addresses.
 */
public record Failure(Reason reason, String message, String parameter, String sqlState, Integer retryAfterSeconds, String requestId) {

  public static Failure of(Reason reason, String message) {
    return new Failure(reason, message, null, null, null, null);
  }

  /** A failure PostgreSQL raised with SQLSTATE {@code sqlState}. */
  public static Failure ofDatabase(Reason reason, String message, String sqlState) {
    return new Failure(reason, message, null, sqlState, null, null);
  }

  /** The stable code clients switch on. */
  public String code() {
    return reason.code();
  }

  /** The same failure, telling the client to retry after {@code seconds}. */
  public Failure withRetryAfter(int seconds) {
    return new Failure(reason, message, parameter, sqlState, seconds, requestId);
  }

  /** The same failure, naming {@code id} as the request it ended unless it names one already. */
  public Failure withRequestId(String id) {
    return requestId != null || id == null ? this : new Failure(reason, message, parameter, sqlState, retryAfterSeconds, id);
  }
}
