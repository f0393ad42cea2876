package io.sluice.protocol;

/**
 * How a {@link StreamConsumer} opens, beside its request: the open frame's {@code transport}
 * ({@link OpenFrame#HTTP}, {@link OpenFrame#BRIDGE} or {@link OpenFrame#BUS}), {@code principal}
 * (null: anonymous), {@code client} whose limits it counts against (null: the stage decides),
 * {@code maxRate} (rows per second, null: only the dataset's cap) and {@code resumeToken}
 * (where an earlier stream's token says to go on; null: where the request starts).
 */
public record OpenTerms(String transport, String principal, String client, Long maxRate, String resumeToken) {

  /** A stream the HTTP stage serves, which meters, limits and resumes it itself. */
  public static final OpenTerms HTTP = new OpenTerms(OpenFrame.HTTP, null, null, null, null);
  /** An anonymous stream of the event bus. */
  public static final OpenTerms BUS = new OpenTerms(OpenFrame.BUS, null, null, null, null);

  /** An event-bus stream of {@code principal} (null: anonymous), capped at {@code maxRate} (null: none), going on at {@code resumeToken}. */
  public static OpenTerms bus(String principal, Long maxRate, String resumeToken) {
    return new OpenTerms(OpenFrame.BUS, principal, null, maxRate, resumeToken);
  }

  /** The same terms, for {@code principal}. */
  public OpenTerms forPrincipal(String name) {
    return new OpenTerms(transport, name, client, maxRate, resumeToken);
  }
}
