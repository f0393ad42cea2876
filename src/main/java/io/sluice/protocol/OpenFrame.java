package io.sluice.protocol;

import io.vertx.core.json.JsonObject;

/**
 * The {@code open} frame, parsed in this one place: which stream, where its data goes, the
 * credits granted up front and the lease, the id of the request for every stage's logs (a
 * new one when the given one is not {@link RequestIds#sane}), and
 * an opaque {@code request} body that only the serving stage interprets, and how batches
 * travel ({@code encoding}: binary unless the consumer asks for JSON). {@code principal}
 * and {@code resumeToken} travel untouched for the stages that use them; either may be null.
 * {@code node} is the consumer's cluster node (null standalone): the producer gives the stream
 * up as soon as that node leaves the cluster ({@link PeerNodes}).
 *
 * <p>{@code transport} says which front end the stream serves: {@code http} (the HTTP stage, which
 * meters, limits and mints tokens for its own responses), {@code bridge} (set by the TCP bridge,
 * whatever its client wrote) or {@code bus} (any other consumer on the event bus, the default).
 * For the last two the transform stage does that work: {@code principal} is who asks (tokens are
 * bound to it; null: anonymous), {@code client} whose stream slots and quota the stream counts
 * against (null: the principal's, else the consumer's node), {@code maxRate} the rows per second
 * the consumer asks to be capped at (null: the dataset's {@code maxRowsPerSecond}, if any) and
 * {@code resumeToken} where it goes on (a token of an earlier stream's batch or error frame).
 */
public record OpenFrame(
    String streamId,
    String replyTo,
    String requestId,
    long credits,
    long leaseMs,
    JsonObject request,
    BatchEncoding encoding,
    String principal,
    String resumeToken,
    String node,
    String transport,
    String client,
    Long maxRate) {

  /** The field of an open frame, and of the reply that accepts it, naming the sender's cluster node. */
  public static final String NODE = "node";

  /** The transport of a stream the HTTP stage serves: it governs the stream itself. */
  public static final String HTTP = "http";
  /** The transport of a stream a client of the TCP bridge opened. */
  public static final String BRIDGE = "bridge";
  /** The transport of any other stream opened on the event bus (the Java client, say). */
  public static final String BUS = "bus";

  /** The most batches a consumer may have granted and not yet received. */
  public static final long MAX_CREDITS = 1L << 20;
  static final long MIN_LEASE_MS = 100;
  static final long MAX_LEASE_MS = 3_600_000;

  /**
   * Reads a frame; throws {@link IllegalArgumentException} naming what is wrong when it lacks a
   * stream id or reply address, a field has the wrong type, or credits or lease are out of range.
   */
  public static OpenFrame fromJson(JsonObject json) {
    OpenFrame frame;
    try {
      String stream = json.getString("stream");
      frame = new OpenFrame(
          stream,
          json.getString("replyTo"),
          RequestIds.accept(json.getString("requestId", stream)),
          json.getLong("credits", 0L),
          json.getLong("leaseMs", 10_000L),
          json.getJsonObject("request", new JsonObject()),
          BatchEncoding.of(json.getString("encoding", BatchEncoding.BINARY.wireName())),
          json.getString("principal"),
          json.getString("resumeToken"),
          json.getString(NODE),
          json.getString("transport", BUS),
          json.getString("client"),
          json.getLong("maxRate"));
    } catch (ClassCastException wrongType) {
      // the cast's message names Java classes: the cause keeps it for the log
      throw new IllegalArgumentException("malformed open frame: a field has the wrong type", wrongType);
    }
    if (frame.streamId == null || frame.replyTo == null) {
      throw new IllegalArgumentException("open needs 'stream' and 'replyTo'");
    }
    if (!RequestIds.sane(frame.streamId)) {
      // it names the stream's addresses and its log lines: nothing that could forge either
      throw new IllegalArgumentException("open: 'stream' must be 1 to " + RequestIds.MAX_LENGTH + " of the characters A-Z a-z 0-9 . _ : / + = -");
    }
    if (frame.node != null && !RequestIds.sane(frame.node)) {
      throw new IllegalArgumentException("open: 'node' must be 1 to " + RequestIds.MAX_LENGTH + " of the characters A-Z a-z 0-9 . _ : / + = -");
    }
    if (!frame.transport.equals(HTTP) && !frame.transport.equals(BRIDGE) && !frame.transport.equals(BUS)) {
      throw new IllegalArgumentException("open: 'transport' must be " + BUS + ", " + BRIDGE + " or " + HTTP + ", got '" + frame.transport + "'");
    }
    if (frame.maxRate != null && frame.maxRate < 1) {
      throw new IllegalArgumentException("open: 'maxRate' must be a whole number of rows per second from 1, got " + frame.maxRate);
    }
    if (frame.credits < 0 || frame.credits > MAX_CREDITS) {
      throw new IllegalArgumentException("open: credits must be 0.." + MAX_CREDITS + ", got " + frame.credits);
    }
    if (frame.leaseMs < MIN_LEASE_MS || frame.leaseMs > MAX_LEASE_MS) {
      throw new IllegalArgumentException("open: leaseMs must be " + MIN_LEASE_MS + ".." + MAX_LEASE_MS + ", got " + frame.leaseMs);
    }
    return frame;
  }

  /** Whether the transform stage governs this stream (meters, limits, tokens): a bus or bridge stream, not one HTTP serves. */
  public boolean governedByStage() {
    return !HTTP.equals(transport);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("stream", streamId)
        .put("replyTo", replyTo)
        .put("requestId", requestId)
        .put("credits", credits)
        .put("leaseMs", leaseMs)
        .put("request", request);
    if (encoding != BatchEncoding.BINARY) json.put("encoding", encoding.wireName());
    if (principal != null) json.put("principal", principal);
    if (resumeToken != null) json.put("resumeToken", resumeToken);
    if (node != null) json.put(NODE, node);
    if (!BUS.equals(transport)) json.put("transport", transport);
    if (client != null) json.put("client", client);
    if (maxRate != null) json.put("maxRate", maxRate);
    return json;
  }
}
