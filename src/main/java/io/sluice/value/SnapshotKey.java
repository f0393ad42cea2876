package io.sluice.value;

import java.util.Arrays;

/**
 * The key a followed stream gives a row of its snapshot, in place of the row's own key, so that
 * a resume token minted from it can go on inside the snapshot: the row's key values and the cut
 * they make ({@code start}: the log position the snapshot began after; {@code base}: the
 * snapshot's {@code pg_current_snapshot()} text). The same cut, with a {@code target}
 * visibility, ends a {@link ChangeKey} of a change that brings the rows before the key from one
 * snapshot to a later one. Made of row values like any key; its first value, a text starting
 * with a NUL character, tells it apart. The row is a row: formats write it as one.
 */
public final class SnapshotKey {

  private static final String MARK = "\u0000snapshot";

  private SnapshotKey() {}

  /** The key of the snapshot row whose own key is {@code key}, in the snapshot that began after {@code start} and saw {@code base}. */
  public static Object[] of(String start, String base, Object[] key) {
    Object[] marked = new Object[3 + key.length];
    marked[0] = MARK;
    marked[1] = start;
    marked[2] = base;
    System.arraycopy(key, 0, marked, 3, key.length);
    return marked;
  }

  public static boolean is(Object[] key) {
    return key != null && key.length > 3 && MARK.equals(key[0]);
  }

  public static String start(Object[] key) {
    return (String) key[1];
  }

  public static String base(Object[] key) {
    return (String) key[2];
  }

  /** The row's own key values. */
  public static Object[] key(Object[] key) {
    return Arrays.copyOfRange(key, 3, key.length);
  }
}
