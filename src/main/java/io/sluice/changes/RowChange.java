package io.sluice.changes;

/**
 * One changed row of a committed transaction, as pgoutput sends it in text format: the new
 * values of an insert or update, the old values of an update or delete (all of them under
 * {@code REPLICA IDENTITY FULL}), each a column's text or null. An update's unchanged TOASTed
 * values, which pgoutput leaves out, are taken from its old row.
 */
public record RowChange(Relation relation, Kind kind, String[] newValues, String[] oldValues) {

  /** What happened to the row. */
  public enum Kind {
    INSERT, UPDATE, DELETE
  }
}
