package io.sluice.dataset;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a client asks for: a dataset, its raw (string) parameters and an optional row limit.
 * This is the language-neutral form that travels in the protocol's {@code open} frame; each
 * hop validates it again with {@link DatasetDefinition#bind}.
 */
public record StreamRequest(String dataset, Map<String, String> params, Long limit) {

  public JsonObject toJson() {
    JsonObject p = new JsonObject();
    params.forEach(p::put);
    return new JsonObject().put("dataset", dataset).put("params", p).put("limit", limit);
  }

  public static StreamRequest fromJson(JsonObject json) {
    Map<String, String> params = new TreeMap<>();
    JsonObject p = json.getJsonObject("params", new JsonObject());
    p.forEach(e -> params.put(e.getKey(), String.valueOf(e.getValue())));
    return new StreamRequest(json.getString("dataset"), params, json.getLong("limit"));
  }
}
