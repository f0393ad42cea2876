package io.sluice.changes;

/** Log sequence numbers in PostgreSQL's text form, {@code 16/B374D848}. */
public final class Lsn {

  private Lsn() {}

  public static String text(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }

  /** Reads {@code 16/B374D848}; throws {@link IllegalArgumentException} when it is not an LSN. */
  public static long parse(String text) {
    int slash = text == null ? -1 : text.indexOf('/');
    if (slash < 1 || slash == text.length() - 1 || text.length() > 17) {
      throw new IllegalArgumentException("not an LSN: " + text);
    }
    try {
      return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an LSN: " + text);
    }
  }
}
