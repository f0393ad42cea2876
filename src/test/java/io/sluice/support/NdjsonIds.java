package io.sluice.support;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** The {@code id}s of NDJSON row lines, as text, to compare with a {@code COPY}. */
public final class NdjsonIds {

  private NdjsonIds() {}

  public static List<String> of(List<String> lines) {
    List<String> ids = new ArrayList<>(lines.size());
    lines.forEach(line -> ids.add(new JsonObject(line).getValue("id").toString()));
    return ids;
  }
}
