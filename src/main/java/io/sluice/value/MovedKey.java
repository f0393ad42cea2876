package io.sluice.value;

import java.util.Arrays;

/**
 * The key of a {@code moved} record: a keyset stream whose server failed under it (a hot-standby
 * conflict, a lost replica) goes on from its last row on another server, and says so in-band
 * with a batch of this one record before the rows read there. It names the server it left
 * ({@code from}), the one it reads now ({@code to}) and the key of the last row delivered
 * before the move ({@code after}: where it went on, null when no row came yet), so a resume
 * token minted from it goes on from the same row. Like a {@link ChangeKey} it is made of row
 * values and travels in a {@link RowBatch}'s keys; its first value, a text starting with a NUL
 * character, tells it apart. Its row is all nulls and is not a row.
 */
public final class MovedKey {

  /** The status the record states. */
  public static final String MOVED = "moved";

  private static final String MARK = "\u0000moved";

  private MovedKey() {}

  /** The record of a move from server {@code from} to server {@code to} after the row with key {@code after} (null: before any row). */
  public static Object[] of(String from, String to, Object[] after) {
    int length = after == null ? 0 : after.length;
    Object[] key = new Object[3 + length];
    key[0] = MARK;
    key[1] = from;
    key[2] = to;
    if (length > 0) {
      System.arraycopy(after, 0, key, 3, length);
    }
    return key;
  }

  public static boolean is(Object[] key) {
    return key != null && key.length >= 3 && MARK.equals(key[0]);
  }

  public static String from(Object[] key) {
    return (String) key[1];
  }

  public static String to(Object[] key) {
    return (String) key[2];
  }

  /** The key of the last row delivered before the move, or null when none was. */
  public static Object[] after(Object[] key) {
    return key.length == 3 ? null : Arrays.copyOfRange(key, 3, key.length);
  }
}
