package io.sluice.format;

import io.sluice.protocol.StreamError;
import io.vertx.core.json.JsonObject;

/**
 * How a stream ended, as the in-band summary and error records state it: {@code complete}
 * with the rows sent, or {@code partial} with the rows sent before the error, the error and
 * {@code resume}, the token that goes on after the last of those rows.
 */
public record StreamSummary(String status, long rows, StreamError error, String resume) {

  public static final String COMPLETE = "complete";
  public static final String PARTIAL = "partial";

  public static StreamSummary complete(long rows) {
    return new StreamSummary(COMPLETE, rows, null, null);
  }

  public static StreamSummary partial(long rows, StreamError error, String resume) {
    return new StreamSummary(PARTIAL, rows, error, resume);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("status", status).put("rows", rows);
    if (error != null) {
      json.put("error", new JsonObject().put("code", error.code()).put("message", error.message()));
    }
    if (resume != null) {
      json.put("resume", resume);
    }
    return json;
  }
}
