package io.sluice.dataset;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a client asks of a dataset: its raw (string) parameters, an optional row limit and the
 * output columns it wants ({@code columns}, empty for all, in that order). This is the body of
 * the protocol's {@code open} frame; the cursor stage checks it, once, with {@link Dataset#bind}.
 */
public record StreamRequest(String dataset, Map<String, String> params, Long limit, List<String> columns) {

  public StreamRequest(String dataset, Map<String, String> params, Long limit) {
    this(dataset, params, limit, List.of());
  }

  public JsonObject toJson() {
    JsonObject p = new JsonObject();
    params.forEach(p::put);
    JsonObject json = new JsonObject().put("dataset", dataset).put("params", p).put("limit", limit);
    if (!columns.isEmpty()) {
      json.put("columns", new JsonArray(columns));
    }
    return json;
  }

  public static StreamRequest fromJson(JsonObject json) {
    Map<String, String> params = new TreeMap<>();
    JsonObject p = json.getJsonObject("params", new JsonObject());
    p.forEach(e -> params.put(e.getKey(), String.valueOf(e.getValue())));
    List<String> columns = json.getJsonArray("columns", new JsonArray()).stream().map(String::valueOf).toList();
    return new StreamRequest(json.getString("dataset"), params, json.getLong("limit"), columns);
  }
}
