package io.sluice.http.openapi;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.FollowStatus;
import io.sluice.dataset.RequestNames;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Following a dataset ({@code follow=true} on its rows path), for the datasets that declare
 * {@code follow: true}: the {@code follow} parameter with the catalogue's availability ({@code
 * x-sluice-follow}), the change and status records NDJSON and SSE write after the snapshot, and
 * the {@code 409 follow-unavailable}. Runs after {@link RowsPaths}, whose path item it extends.
 */
public final class FollowPaths implements DatasetPaths {

  /** The schema of a followed stream's status record ({@code live}, {@code snapshot}, {@code must-refetch}). */
  static final String STATUS = "FollowStatus";

  /** The schema name of a followed dataset's change record. */
  static String changeSchema(Dataset dataset) {
    return dataset.name() + ".change";
  }

  @Override
  public void addTo(JsonObject paths, Dataset dataset) {
    if (!dataset.definition().follow()) {
      return;
    }
    JsonObject item = paths.getJsonObject("/v1/datasets/" + dataset.name() + "/rows");
    if (item == null) {
      return;
    }
    FollowStatus status = dataset.follow();
    item.getJsonArray("parameters").add(RowsPaths.query(RequestNames.FOLLOW,
        "true: the snapshot's rows, then a live record, then every change committed after the snapshot, in commit order;"
            + " NDJSON and SSE only, not with limit or degrade. " + (status.available() ? "Available here."
            : "Not available here (409 follow-unavailable): " + status.reason()),
        new JsonObject().put("type", "boolean").put("default", false)).put("x-sluice-follow", status.toJson()));
    JsonObject get = item.getJsonObject("get");
    get.put("description", get.getString("description") + "\n\nWith follow=true (NDJSON, SSE) the snapshot's rows are followed by"
        + " {\"_sluice\":{\"status\":\"live\",\"lsn\",\"resume\"}} (again when quiet), then one record per committed change:"
        + " {\"_sluice\":{\"op\":\"insert|update|delete\",\"lsn\",\"resume\"},\"row\":{...}} (the new row; for delete the row as it was)."
        + " resume= with a change's or live record's token goes on right after it, each change once; a snapshot row's token (SSE id)"
        + " goes on inside the snapshot: the changes since to the rows before it, then the rest of the rows; a position no longer held"
        + " gives {\"_sluice\":{\"status\":\"must-refetch\"}} and the end of the body: start again without a token."
        + " NDJSON rows carry no token: each batch of snapshot rows ends with {\"_sluice\":{\"status\":\"snapshot\",\"resume\"}},"
        + " whose token goes on right after that batch."
        + " SSE: events insert, update, delete (data: the row), live and must-refetch, each id the token after it.");
    JsonObject responses = get.getJsonObject("responses");
    JsonObject content = responses.getJsonObject("200").getJsonObject("content");
    JsonObject ndjson = content.getJsonObject("application/x-ndjson");
    if (ndjson != null) {
      ndjson.put("schema", new JsonObject()
          .put("description", "one object per line: a row (this dataset's row schema); with follow=true also the live, snapshot, must-refetch"
              + " and change records")
          .put("anyOf", new JsonArray().add(Schemas.ref(RowsPaths.rowSchema(dataset))).add(Schemas.ref(changeSchema(dataset)))
              .add(Schemas.ref(STATUS))));
    }
    JsonObject sse = content.getJsonObject("text/event-stream");
    if (sse != null) {
      sse.getJsonObject("schema").put("description", "server-sent events; with follow=true also events insert, update, delete"
          + " (data: the row, " + RowsPaths.rowSchema(dataset) + "), live and must-refetch (data: " + STATUS + "'s _sluice object)");
    }
    responses.put("409", new JsonObject().put("$ref", Schemas.ERROR_RESPONSE)
        .put("description", "follow=true on a dataset that cannot be followed here: code follow-unavailable, with the reason"));
    item.getJsonObject("head").getJsonObject("responses").put("409", new JsonObject().put("$ref", Schemas.ERROR_RESPONSE));
  }

  /** The change record of {@code dataset}: {@code {"_sluice":{"op","lsn","resume"},"row":{...}}}. */
  static JsonObject changeComponent(Dataset dataset) {
    JsonObject meta = new JsonObject().put("type", "object").put("required", new JsonArray().add("op").add("lsn"))
        .put("properties", new JsonObject()
            .put("op", new JsonObject().put("enum", new JsonArray().add("insert").add("update").add("delete")))
            .put("lsn", lsn())
            .put("resume", new JsonObject().put("type", "string").put("description", "the token that goes on right after this change")))
        .put("additionalProperties", false);
    return new JsonObject().put("type", "object").put("additionalProperties", false)
        .put("required", new JsonArray().add("_sluice").add("row"))
        .put("properties", new JsonObject().put("_sluice", meta).put("row", Schemas.ref(RowsPaths.rowSchema(dataset))));
  }

  /** The status record every followed stream writes: {@code live} with its position, {@code must-refetch} alone. */
  static JsonObject statusComponent() {
    JsonObject meta = new JsonObject().put("type", "object").put("required", new JsonArray().add("status"))
        .put("additionalProperties", false)
        .put("properties", new JsonObject()
            .put("status", new JsonObject().put("enum", new JsonArray().add("live").add("snapshot").add("must-refetch")))
            .put("lsn", lsn())
            .put("resume", new JsonObject().put("type", "string")))
        .put("allOf", new JsonArray()
            .add(when("live", new JsonObject().put("required", new JsonArray().add("lsn"))))
            .add(when("snapshot", new JsonObject().put("required", new JsonArray().add("resume")).put("maxProperties", 2)))
            .add(when("must-refetch", new JsonObject().put("maxProperties", 1))));
    return new JsonObject().put("type", "object").put("additionalProperties", false)
        .put("required", new JsonArray().add("_sluice")).put("properties", new JsonObject().put("_sluice", meta))
        .put("description", "live: the stream is past its snapshot, at lsn (again when quiet); snapshot (NDJSON): the checkpoint"
            + " after each batch of the snapshot's rows, its token goes on right after the batch; must-refetch: the position is"
            + " no longer held, the body ends, start again without a token");
  }

  /** {@code then} applies to the status records whose status is {@code status}. */
  private static JsonObject when(String status, JsonObject then) {
    return new JsonObject().put("if", new JsonObject().put("properties", new JsonObject().put("status", new JsonObject().put("const", status))))
        .put("then", then);
  }

  private static JsonObject lsn() {
    return new JsonObject().put("type", "string").put("pattern", "^[0-9A-F]+/[0-9A-F]+$").put("description", "the commit's WAL position");
  }
}
