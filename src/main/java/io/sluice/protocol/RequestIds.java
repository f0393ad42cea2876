package io.sluice.protocol;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The id of a request ({@code X-Request-Id}): the client's own when it is a sane one, else a
 * random UUID. Sane means 1 to {@value #MAX_LENGTH} characters among letters, digits and
 * {@code . _ : / + = -}, enough for UUIDs, trace ids and base64 tokens, and nothing that could
 * forge a log line, a CSV field or a header: the id is echoed in the response, written in error
 * bodies and cut records, and logged on every line of the request's stream. The same rule
 * holds for the ids an open frame brings from the event bus or the TCP bridge.
 */
public final class RequestIds {

  public static final int MAX_LENGTH = 128;
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:/+=-]{1," + MAX_LENGTH + "}");

  private RequestIds() {}

  /** {@code given} (the request's header, null if absent) if it is sane, else a new random UUID. */
  public static String accept(String given) {
    return sane(given) ? given : UUID.randomUUID().toString();
  }

  /** Whether {@code id} may be logged and echoed as it is. */
  public static boolean sane(String id) {
    return id != null && SANE.matcher(id).matches();
  }
}
