package io.sluice.format;

import io.sluice.protocol.StreamError;
import io.vertx.core.json.JsonObject;

/**
 * How a stream ended, as the in-band summary and error records state it: {@code complete}
 * with the rows sent, or {@code error} with the rows sent before it and the error.
 */
public record StreamSummary(String status, long rows, StreamError error) {

  public static final String COMPLETE = "complete";
  public static final String ERROR = "error";

  public static StreamSummary complete(long rows) {
    return new StreamSummary(COMPLETE, rows, null);
  }

  public static StreamSummary failed(long rows, StreamError error) {
    return new StreamSummary(ERROR, rows, error);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("status", status).put("rows", rows);
    if (error != null) {
      json.put("error", new JsonObject().put("code", error.code()).put("message", error.message()));
    }
    return json;
  }
}
