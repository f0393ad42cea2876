package io.sluice.format;

import io.vertx.core.json.JsonObject;

/**
 * A keyset stream's move to another server, announced in-band before the first row read there:
 * the server it left ({@code from}), the one it reads now ({@code to}), and {@code resume}, the
 * token after the last row sent before the move (the stream went on from there, each row once).
 * Not a failure: the body goes on and ends as it would have.
 */
public record MovedRecord(String from, String to, String resume) {

  /** {@code {"status":"moved","from":...,"to":...,"resume":...}}. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("status", "moved").put("from", from).put("to", to);
    if (resume != null) {
      json.put("resume", resume);
    }
    return json;
  }
}
