package io.sluice.value;

/**
 * The key a followed stream gives each record after its snapshot, in place of a row's key:
 * what happened ({@link #INSERT}, {@link #UPDATE}, {@link #DELETE}, or a status: {@link
 * #LIVE}, {@link #MUST_REFETCH}), the LSN of the transaction's commit and how many of its
 * changes have been delivered with this one ({@code Long.MAX_VALUE}: all). It is made of row
 * values, so it travels in a {@link RowBatch}'s keys like any key; its first value, a text
 * starting with a NUL character (which no PostgreSQL text holds), tells it apart. A status
 * record's row is all nulls and is not a row: formats write the status instead.
 *
 * <p>A change that a stream resumed inside its snapshot delivers before the new snapshot's rows
 * (docs/delivery.md) also carries the cut it is part of ({@link #ofCut}): where a token from it goes on.
 */
public final class ChangeKey {

  public static final String INSERT = "insert";
  public static final String UPDATE = "update";
  public static final String DELETE = "delete";
  public static final String LIVE = "live";
  public static final String MUST_REFETCH = "must-refetch";

  private static final String MARK = "\u0000change";

  private ChangeKey() {}

  public static Object[] of(String op, String lsn, long delivered) {
    return new Object[] {MARK, op, lsn, delivered};
  }

  /**
   * A change that brings the rows at or before {@code key} from the snapshot that saw {@code base}
   * to the one that saw {@code target}, read from the log after {@code start}.
   */
  public static Object[] ofCut(String op, String lsn, long delivered, String start, String base, String target, Object[] key) {
    Object[] marked = new Object[7 + key.length];
    marked[0] = MARK;
    marked[1] = op;
    marked[2] = lsn;
    marked[3] = delivered;
    marked[4] = start;
    marked[5] = base;
    marked[6] = target;
    System.arraycopy(key, 0, marked, 7, key.length);
    return marked;
  }

  public static boolean is(Object[] key) {
    return key != null && key.length >= 4 && MARK.equals(key[0]);
  }

  /** Whether it is a change of a cut ({@link #ofCut}), whose token goes on inside the snapshot. */
  public static boolean hasCut(Object[] key) {
    return key.length > 7;
  }

  /** The cut of {@link #ofCut}: its start, base, target, and the key. */
  public static String cutStart(Object[] key) {
    return (String) key[4];
  }

  public static String cutBase(Object[] key) {
    return (String) key[5];
  }

  public static String cutTarget(Object[] key) {
    return (String) key[6];
  }

  public static Object[] cutKey(Object[] key) {
    return java.util.Arrays.copyOfRange(key, 7, key.length);
  }

  public static String op(Object[] key) {
    return (String) key[1];
  }

  public static String lsn(Object[] key) {
    return (String) key[2];
  }

  public static long delivered(Object[] key) {
    return ((Number) key[3]).longValue();
  }

  /** Whether the record is a status ({@link #LIVE}, {@link #MUST_REFETCH}) rather than a changed row. */
  public static boolean isStatus(Object[] key) {
    String op = op(key);
    return LIVE.equals(op) || MUST_REFETCH.equals(op);
  }
}
