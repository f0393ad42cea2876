package io.sluice.cursor;

import io.sluice.dataset.Dataset;
import io.sluice.metrics.SluiceMetrics;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The followers of this node, grouped by dataset and parameter values: every group shares one
 * {@link ChangeRows}, so a committed transaction is run through the dataset's query once per
 * group, not once per follower. Each follower still reads from its own position at its own pace.
 * A group lives while someone follows with it. Thread-safe.
 */
final class FollowGroups {

  /** A dataset with one set of its parameters' values (nulls included). */
  private record Key(Dataset dataset, List<Object> parameters) {}

  private static final class Group {
    final ChangeRows rows;
    int followers;

    Group(ChangeRows rows) {
      this.rows = rows;
    }
  }

  private final Pool pool;
  private final SluiceMetrics metrics;
  private final Map<Key, Group> groups = new HashMap<>();

  FollowGroups(Pool pool, SluiceMetrics metrics) {
    this.pool = pool;
    this.metrics = metrics;
  }

  /** A follower of {@code dataset} whose statement takes {@code arguments}: the changes it shares, and what to call when it is done. */
  Joined join(Dataset dataset, Tuple arguments) {
    int count = dataset.definition().parameters().size();
    List<Object> values = new ArrayList<>(count);
    Tuple parameters = Tuple.tuple();
    for (int i = 0; i < count; i++) {
      values.add(arguments.getValue(i));
      parameters.addValue(arguments.getValue(i));
    }
    Key key = new Key(dataset, values);
    Group group;
    synchronized (groups) {
      group = groups.computeIfAbsent(key, k -> new Group(new ChangeRows(pool, metrics, dataset, parameters)));
      group.followers++;
    }
    Group joined = group;
    return new Joined(joined.rows, () -> leave(key, joined));
  }

  private void leave(Key key, Group group) {
    synchronized (groups) {
      if (--group.followers == 0) {
        groups.remove(key, group);
      }
    }
  }

  /** How many groups are followed now. */
  int size() {
    synchronized (groups) {
      return groups.size();
    }
  }

  /** A follower's share: the group's changes, and how it leaves (once). */
  record Joined(ChangeRows rows, Runnable leave) {}
}
