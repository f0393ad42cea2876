package io.sluice.error;

import java.util.Arrays;

/** The kinds of {@link Failure}, each with the stable code clients see. */
public enum Reason {
  /** A request that cannot be served as asked: a bad parameter, say. */
  BAD_REQUEST("bad-request"),
  UNAUTHORIZED("unauthorized"),
  FORBIDDEN("forbidden"),
  NOT_FOUND("not-found"),
  NOT_ACCEPTABLE("not-acceptable"),
  DATABASE_UNAVAILABLE("database-unavailable"),
  QUERY_FAILED("query-failed"),
  QUERY_TIMEOUT("query-timeout"),
  LEASE_EXPIRED("lease-expired"),
  /** A peer broke the stream protocol (a frame out of order, say). */
  PROTOCOL("protocol-error"),
  /** A value the response's format cannot hold. */
  UNREPRESENTABLE("unrepresentable-value"),
  INTERNAL("internal-error"),
  /** Every stream connection is taken and the wait for one ran out: the database itself may be fine. */
  BUSY("busy"),
  /** The client already runs as many streams as it may. */
  TOO_MANY_STREAMS("too-many-streams"),
  /** The client's export quota (rows or bytes per window) is used up. */
  QUOTA_EXCEEDED("quota-exceeded"),
  /** The stream ran past its deadline. */
  DEADLINE_EXCEEDED("deadline-exceeded"),
  /** The client took nothing for the stall timeout. */
  CLIENT_STALLED("client-stalled"),
  /** The memory the response's encoder may take (Arrow's vectors, under their cap) is used up: the stream fails, not the process. */
  MEMORY_EXHAUSTED("memory-exhausted"),
  /** The dataset cannot be followed here (wal_level is not logical, its table lacks REPLICA IDENTITY FULL, ...): the message says why. */
  FOLLOW_UNAVAILABLE("follow-unavailable"),
  /** The node is shutting down: streams are no longer taken, and those in flight are ended once the drain time is over. */
  SHUTTING_DOWN("shutting-down"),
  /** The export a partition belongs to is gone: deleted, past its expiry, or its snapshot's holder ended. */
  EXPORT_EXPIRED("export-expired");

  private final String code;

  Reason(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }

  /** The reason a code names; {@link #INTERNAL} for a code this version does not know. */
  public static Reason ofCode(String code) {
    return Arrays.stream(values()).filter(r -> r.code.equals(code)).findFirst().orElse(INTERNAL);
  }
}
