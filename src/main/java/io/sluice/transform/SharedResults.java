package io.sluice.transform;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one chain made of the rows several streams share, for the other streams with the same
 * chain: the followers of a dataset with the same parameters get the very same change rows
 * (the follow source runs each change through the query once for all of them), and those whose
 * chains are bound alike (same selection, same column rules applied) would each transform every
 * row again. Keyed by the row itself (its identity, never its values), the newest {@link
 * #CAPACITY} rows, so followers a few batches apart find what the first one made. Thread-safe.
 */
final class SharedResults {

  /** Rows remembered per chain: about a few thousand changes, enough for followers some batches apart. */
  static final int CAPACITY = 8192;

  /** Shapes remembered per plan: a client choosing columns may make any number of them. */
  static final int SHAPES = 64;

  /**
   * The chains of one plan, by what makes them alike: their source columns, selection and column
   * rules applied; the {@link #SHAPES} most recently bound (a chain bound earlier keeps its own,
   * only no longer shared with the chains bound after).
   */
  static final class Chains {
    private final LinkedHashMap<List<Object>, SharedResults> byShape = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<List<Object>, SharedResults> eldest) {
        return size() > SHAPES;
      }
    };

    synchronized SharedResults of(List<Object> shape) {
      return byShape.computeIfAbsent(shape, s -> new SharedResults());
    }

    synchronized int size() {
      return byShape.size();
    }
  }

  private final LinkedHashMap<Object[], Object[]> made = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Object[], Object[]> eldest) {
      return size() > CAPACITY;
    }
  };

  /** What the chain made of {@code row}, or null. An {@code Object[]}'s equality is its identity: only this very row matches. */
  synchronized Object[] get(Object[] row) {
    return made.get(row);
  }

  synchronized void put(Object[] row, Object[] result) {
    made.put(row, result);
  }
}
