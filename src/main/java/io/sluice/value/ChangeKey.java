package io.sluice.value;

/**
 * The key a followed stream gives each record after its snapshot, in place of a row's key:
 * what happened ({@link #INSERT}, {@link #UPDATE}, {@link #DELETE}, or a status: {@link
 * #LIVE}, {@link #MUST_REFETCH}), the LSN of the transaction's commit and how many of its
 * changes have been delivered with this one ({@code Long.MAX_VALUE}: all). It is made of row
 * values, so it travels in a {@link RowBatch}'s keys like any key; its first value, a text
 * starting with a NUL character (which no PostgreSQL text holds), tells it apart. A status
 * record's row is all nulls and is not a row: formats write the status instead.
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

  public static boolean is(Object[] key) {
    return key != null && key.length == 4 && MARK.equals(key[0]);
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
