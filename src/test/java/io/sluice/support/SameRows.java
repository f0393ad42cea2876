package io.sluice.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/** A follower's materialised rows against PostgreSQL's, by id: every difference is reported. */
public final class SameRows {

  private SameRows() {}

  public static void assertSameRows(Map<Long, JsonObject> followed, Map<Long, JsonObject> selected) {
    List<String> differences = new ArrayList<>();
    TreeSet<Long> ids = new TreeSet<>(followed.keySet());
    ids.addAll(selected.keySet());
    for (Long id : ids) {
      if (!Objects.equals(followed.get(id), selected.get(id))) {
        differences.add(id + ": followed " + followed.get(id) + " selected " + selected.get(id));
      }
    }
    assertThat(differences).as("rows that differ (of %d selected)", selected.size()).isEmpty();
  }
}
