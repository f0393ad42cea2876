package io.sluice.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Why a stream failed or was refused, as it travels in an {@code error} frame or an {@code
 * open} rejection: a stable {@link #code()} clients can switch on, a human message, the HTTP
 * status it maps to, when PostgreSQL raised it, the SQLSTATE, for a refusal worth retrying,
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

  public static final String BAD_REQUEST = "bad-request";
  public static final String UNAUTHORIZED = "unauthorized";
  public static final String FORBIDDEN = "forbidden";
  public static final String NOT_FOUND = "not-found";
  public static final String NOT_ACCEPTABLE = "not-acceptable";
  public static final String DATABASE_UNAVAILABLE = "database-unavailable";
  public static final String CANNOT_RESUME = "cannot-resume";
  public static final String QUERY_FAILED = "query-failed";
  public static final String QUERY_TIMEOUT = "query-timeout";
  public static final String LEASE_EXPIRED = "lease-expired";
  public static final String PROTOCOL = "protocol-error";
  public static final String UNREPRESENTABLE = "unrepresentable-value";
  public static final String INTERNAL = "internal-error";
  /** Every stream connection is taken and the wait for one ran out: the database itself may be fine. */
  public static final String BUSY = "busy";
  /** The client already runs as many streams as it may. */
  public static final String TOO_MANY_STREAMS = "too-many-streams";
  /** 429: the client's export quota (rows or bytes per window) is used up. */
  public static final String QUOTA_EXCEEDED = "quota-exceeded";
  /** The stream ran past its deadline. */
  public static final String DEADLINE_EXCEEDED = "deadline-exceeded";
  /** The client took nothing for the stall timeout. */
  public static final String CLIENT_STALLED = "client-stalled";
  /** The node is shutting down: streams are no longer taken, and those in flight are ended once the drain time is over. */
  public static final String SHUTTING_DOWN = "shutting-down";

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

  /** The refusal of a request that asks for what cannot be served: 400, 403, 404 or 406 by {@code status}. */
  public static StreamError invalid(int status, String parameter, String message) {
    String code = switch (status) {
      case 403 -> FORBIDDEN;
      case 404 -> NOT_FOUND;
      case 406 -> NOT_ACCEPTABLE;
      default -> BAD_REQUEST;
    };
    return new StreamError(code, status, message, parameter, null, null);
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
