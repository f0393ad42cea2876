package io.sluice.dataset;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a client asks of a dataset: its raw (string) parameters, an optional row limit, the
 * output columns it wants ({@code columns}, empty for all, in that order) and the {@link
 * Position} to start at (to resume: after the key of the last row it has, which the JSON form
 * carries as {@code after}, one text value per {@code orderBy} column). This is the body of the protocol's {@code open} frame;
 * the cursor stage checks it, once, with {@link Dataset#bind}. {@code callerRoles} are the
 * roles of whoever asks ({@code "*"}: every role), which the transform stage's column rules
 * heed; the stage that authenticated the caller sets them, and cluster members are trusted to.
 */
public record StreamRequest(String dataset, Map<String, String> params, Long limit, List<String> columns, Position position,
    Set<String> callerRoles) {

  public StreamRequest(String dataset, Map<String, String> params, Long limit, List<String> columns, Position position) {
    this(dataset, params, limit, columns, position, Set.of());
  }

  public StreamRequest(String dataset, Map<String, String> params, Long limit) {
    this(dataset, params, limit, List.of(), Position.START);
  }

  public StreamRequest(String dataset, Map<String, String> params, Long limit, List<String> columns) {
    this(dataset, params, limit, columns, Position.START);
  }

  /** The same request, resumed after the row with {@code key}. */
  public StreamRequest after(List<String> key) {
    return at(Position.afterKey(key));
  }

  /** The same request, starting at {@code start}. */
  public StreamRequest at(Position start) {
    return new StreamRequest(dataset, params, limit, columns, start, callerRoles);
  }

  /** The same request, from a caller holding {@code roles}. */
  public StreamRequest withCallerRoles(Set<String> roles) {
    return new StreamRequest(dataset, params, limit, columns, position, Set.copyOf(roles));
  }

  /** Whether the caller holds {@code role}. */
  public boolean callerHolds(String role) {
    return callerRoles.contains("*") || callerRoles.contains(role);
  }

  /** Whether it starts anywhere but at the first row. */
  public boolean resumed() {
    return !position.isStart();
  }

  public JsonObject toJson() {
    JsonObject p = new JsonObject();
    params.forEach(p::put);
    JsonObject json = new JsonObject().put("dataset", dataset).put("params", p).put("limit", limit);
    if (!columns.isEmpty()) {
      json.put("columns", new JsonArray(columns));
    }
    position.writeTo(json);
    if (!callerRoles.isEmpty()) {
      json.put("callerRoles", new JsonArray(callerRoles.stream().sorted().toList()));
    }
    return json;
  }

  /** Reads a request; throws {@link IllegalArgumentException} when a field has the wrong type. */
  public static StreamRequest fromJson(JsonObject json) {
    try {
      return read(json);
    } catch (ClassCastException wrongType) {
      // the cast's message names Java classes: the cause keeps it for the log
      throw new IllegalArgumentException("malformed stream request: a field has the wrong type", wrongType);
    }
  }

  private static StreamRequest read(JsonObject json) {
    Map<String, String> params = new TreeMap<>();
    JsonObject p = json.getJsonObject("params", new JsonObject());
    p.forEach(e -> params.put(e.getKey(), String.valueOf(e.getValue())));
    List<String> columns = json.getJsonArray("columns", new JsonArray()).stream().map(String::valueOf).toList();
    Set<String> roles = Set.copyOf(json.getJsonArray("callerRoles", new JsonArray()).stream().map(String::valueOf).toList());
    return new StreamRequest(json.getString("dataset"), params, json.getLong("limit"), columns, Position.readFrom(json), roles);
  }
}
