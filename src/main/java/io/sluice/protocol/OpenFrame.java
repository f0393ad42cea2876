package io.sluice.protocol;

import io.vertx.core.json.JsonObject;

/**
 * The {@code open} frame, parsed in this one place: which stream, where its data goes, the
 * credits granted up front and the lease, the id of the request for every stage's logs, and
 * an opaque {@code request} body that only the serving stage interprets. {@code principal}
 * and {@code resumeToken} travel untouched for the stages that use them; either may be null.
 */
public record OpenFrame(
    String streamId,
    String replyTo,
    String requestId,
    long credits,
    long leaseMs,
    JsonObject request,
    String principal,
    String resumeToken) {

  /** Reads a frame; throws {@link IllegalArgumentException} when it lacks a stream id or reply address. */
  public static OpenFrame fromJson(JsonObject json) {
    String stream = json.getString("stream");
    String replyTo = json.getString("replyTo");
    if (stream == null || replyTo == null) {
      throw new IllegalArgumentException("open needs 'stream' and 'replyTo'");
    }
    return new OpenFrame(
        stream,
        replyTo,
        json.getString("requestId", stream),
        json.getLong("credits", 0L),
        json.getLong("leaseMs", 10_000L),
        json.getJsonObject("request", new JsonObject()),
        json.getString("principal"),
        json.getString("resumeToken"));
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("stream", streamId)
        .put("replyTo", replyTo)
        .put("requestId", requestId)
        .put("credits", credits)
        .put("leaseMs", leaseMs)
        .put("request", request);
    if (principal != null) json.put("principal", principal);
    if (resumeToken != null) json.put("resumeToken", resumeToken);
    return json;
  }
}
