package io.sluice.export;

import io.sluice.dataset.Position;
import io.sluice.value.Column;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One export as the cluster keeps it: who made it, of which dataset with which (checked)
 * parameters, the snapshot its partitions import, when it was made and ends, and its
 * partitions' key ranges, contiguous and in key order. {@code ended} once it was deleted or
 * expired: its partitions then answer {@code export-expired}.
 */
public record Export(String id, String principal, String dataset, Map<String, String> params, String snapshot, long createdAtMs,
    long expiresAtMs, List<Range> ranges, String note, boolean ended) {

  /** A partition's range of the first {@code orderBy} column: {@code lower} inclusive, {@code upper} exclusive, null: open. */
  public record Range(String lower, String upper, Long estimatedRows) {}

  public Export {
    params = Map.copyOf(params);
    ranges = List.copyOf(ranges);
  }

  public int partitions() {
    return ranges.size();
  }

  /** Whether its partitions can no longer be read at {@code nowMs}. */
  public boolean over(long nowMs) {
    return ended || nowMs >= expiresAtMs;
  }

  /** The same export, deleted or expired. */
  public Export asEnded() {
    return new Export(id, principal, dataset, params, snapshot, createdAtMs, expiresAtMs, ranges, note, true);
  }

  /** Where partition {@code index} starts. */
  public Position.Partition partition(int index) {
    Range range = ranges.get(index);
    return new Position.Partition(id, snapshot, index, ranges.size(), range.lower(), range.upper(), List.of());
  }

  /** The path of partition {@code index}'s rows. */
  public String partitionPath(int index) {
    return "/v1/exports/" + id + "/partitions/" + index + "/rows";
  }

  /** What a client is told of it: never the snapshot id nor the parameters' values. */
  public JsonObject manifest(List<Column> columns) {
    JsonArray partitions = new JsonArray();
    long estimated = 0;
    boolean known = true;
    for (int i = 0; i < ranges.size(); i++) {
      Long rows = ranges.get(i).estimatedRows();
      partitions.add(new JsonObject().put("index", i).put("url", partitionPath(i)).put("estimatedRows", rows));
      known &= rows != null;
      estimated += rows == null ? 0 : rows;
    }
    JsonObject json = new JsonObject()
        .put("id", id)
        .put("dataset", dataset)
        .put("createdAt", Instant.ofEpochMilli(createdAtMs).toString())
        .put("expiresAt", Instant.ofEpochMilli(expiresAtMs).toString())
        .put("columns", new JsonArray(columns.stream().map(Column::toJson).toList()))
        .put("estimatedRows", known ? estimated : null)
        // contiguous ranges of the first key column, in manifest order
        .put("ordered", true)
        .put("partitions", partitions);
    if (note != null) {
      json.put("note", note);
    }
    return json;
  }

  /** The form the cluster-wide map holds. */
  public JsonObject toJson() {
    JsonObject p = new JsonObject();
    new TreeMap<>(params).forEach(p::put);
    JsonArray r = new JsonArray();
    ranges.forEach(range -> r.add(new JsonObject().put("lower", range.lower()).put("upper", range.upper())
        .put("estimatedRows", range.estimatedRows())));
    return new JsonObject().put("id", id).put("principal", principal).put("dataset", dataset).put("params", p)
        .put("snapshot", snapshot).put("createdAtMs", createdAtMs).put("expiresAtMs", expiresAtMs).put("ranges", r)
        .put("note", note).put("ended", ended);
  }

  public static Export fromJson(JsonObject json) {
    Map<String, String> params = new TreeMap<>();
    json.getJsonObject("params").forEach(e -> params.put(e.getKey(), String.valueOf(e.getValue())));
    List<Range> ranges = json.getJsonArray("ranges").stream().map(JsonObject.class::cast)
        .map(r -> new Range(r.getString("lower"), r.getString("upper"), r.getLong("estimatedRows"))).toList();
    return new Export(json.getString("id"), json.getString("principal"), json.getString("dataset"), params, json.getString("snapshot"),
        json.getLong("createdAtMs"), json.getLong("expiresAtMs"), ranges, json.getString("note"), json.getBoolean("ended", false));
  }
}
