package io.sluice.protocol;

import io.sluice.error.Failure;
import io.sluice.error.Reason;
import io.vertx.core.json.JsonObject;

/**
 * Why a stream failed or was refused, as it travels in an {@code error} frame or an {@code
 * open} rejection: the wire form of a domain {@link Failure}. A stable {@link #code()} clients can
 * switch on, a human message, the status it maps to (the event bus's failure code, which is the
 * HTTP status, {@link #statusOf}), when PostgreSQL raised it, the SQLSTATE, for a refusal worth retrying,
 * how many seconds to wait first (HTTP's {@code Retry-After}), and the id of the request it
 * ended, which names the log lines that hold the detail.
 *
 * <p>The message is public: whoever opened the stream reads it, bridge clients included. It is
 * Sluice's own words (what was wrong with a request, what Sluice decided), never PostgreSQL's
 * text, SQL, exception classes or event-bus addresses: whoever makes an error from a failure
 * logs the failure, with the request id, and gives the error a message of its own.
 */
public record StreamError(String code, int status, String message, String parameter, String sqlState, Integer retryAfterSeconds,
    String requestId) {

  public static final String BAD_REQUEST = Reason.BAD_REQUEST.code();
  public static final String UNAUTHORIZED = Reason.UNAUTHORIZED.code();
  public static final String FORBIDDEN = Reason.FORBIDDEN.code();
  public static final String NOT_FOUND = Reason.NOT_FOUND.code();
  public static final String NOT_ACCEPTABLE = Reason.NOT_ACCEPTABLE.code();
  public static final String DATABASE_UNAVAILABLE = Reason.DATABASE_UNAVAILABLE.code();
  public static final String QUERY_FAILED = Reason.QUERY_FAILED.code();
  public static final String QUERY_TIMEOUT = Reason.QUERY_TIMEOUT.code();
  public static final String LEASE_EXPIRED = Reason.LEASE_EXPIRED.code();
  public static final String PROTOCOL = Reason.PROTOCOL.code();
  public static final String UNREPRESENTABLE = Reason.UNREPRESENTABLE.code();
  public static final String INTERNAL = Reason.INTERNAL.code();
  public static final String BUSY = Reason.BUSY.code();
  public static final String TOO_MANY_STREAMS = Reason.TOO_MANY_STREAMS.code();
  public static final String QUOTA_EXCEEDED = Reason.QUOTA_EXCEEDED.code();
  public static final String DEADLINE_EXCEEDED = Reason.DEADLINE_EXCEEDED.code();
  public static final String CLIENT_STALLED = Reason.CLIENT_STALLED.code();
  public static final String MEMORY_EXHAUSTED = Reason.MEMORY_EXHAUSTED.code();
  public static final String SHUTTING_DOWN = Reason.SHUTTING_DOWN.code();
  public static final String EXPORT_EXPIRED = Reason.EXPORT_EXPIRED.code();

  /** An error not (yet) tied to a request. */
  public StreamError(String code, int status, String message, String parameter, String sqlState, Integer retryAfterSeconds) {
    this(code, status, message, parameter, sqlState, retryAfterSeconds, null);
  }

  public static StreamError of(String code, int status, String message) {
    return new StreamError(code, status, message, null, null, null);
  }

  /** The same error, telling the client to retry after {@code seconds}. */
  public StreamError withRetryAfter(int seconds) {
    return new StreamError(code, status, message, parameter, sqlState, seconds, requestId);
  }

  /** The same error, naming {@code id} as the request it ended unless it names one already. */
  public StreamError withRequestId(String id) {
    return requestId != null || id == null ? this : new StreamError(code, status, message, parameter, sqlState, retryAfterSeconds, id);
  }

  /** The wire form of a domain failure, with the status its reason maps to. */
  public static StreamError of(Failure failure) {
    return new StreamError(failure.code(), statusOf(failure.reason()), failure.message(), failure.parameter(), failure.sqlState(),
        failure.retryAfterSeconds(), failure.requestId());
  }

  /** The domain failure this error states; a code this version does not know is an internal error. */
  public Failure toFailure() {
    return new Failure(Reason.ofCode(code), message, parameter, sqlState, retryAfterSeconds, requestId);
  }

  /**
   * The status a reason maps to: the event bus's failure code of a refused {@code open}, and the
   * HTTP status of a response refused before its first byte.
   */
  public static int statusOf(Reason reason) {
    return switch (reason) {
      case BAD_REQUEST, PROTOCOL -> 400;
      case UNAUTHORIZED -> 401;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case NOT_ACCEPTABLE -> 406;
      case EXPORT_EXPIRED -> 410;
      case CLIENT_STALLED -> 408;
      case FOLLOW_UNAVAILABLE -> 409;
      case TOO_MANY_STREAMS, QUOTA_EXCEEDED -> 429;
      case DATABASE_UNAVAILABLE, BUSY, SHUTTING_DOWN, MEMORY_EXHAUSTED -> 503;
      case QUERY_TIMEOUT, LEASE_EXPIRED, DEADLINE_EXCEEDED -> 504;
      case QUERY_FAILED, UNREPRESENTABLE, INTERNAL -> 500;
    };
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("code", code).put("status", status).put("message", message);
    if (parameter != null) json.put("parameter", parameter);
    if (sqlState != null) json.put("sqlState", sqlState);
    if (retryAfterSeconds != null) json.put("retryAfter", retryAfterSeconds);
    if (requestId != null) json.put("requestId", requestId);
    return json;
  }

  public static StreamError fromJson(JsonObject json) {
    return new StreamError(
        json.getString("code", INTERNAL),
        json.getInteger("status", 500),
        json.getString("message", ""),
        json.getString("parameter"),
        json.getString("sqlState"),
        json.getInteger("retryAfter"),
        json.getString("requestId"));
  }
}
