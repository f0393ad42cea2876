package io.sluice.changes;

import java.util.List;

/** A table as pgoutput describes it before its first change in a session: its schema, name, columns and their type oids. */
public record Relation(int oid, String schema, String name, List<String> columns, int[] typeOids) {

  /** The PostgreSQL type oids of {@code json} and {@code jsonb}, whose text is itself JSON. */
  static final int JSON = 114;
  static final int JSONB = 3802;

  /** Whether column {@code i} holds JSON text. */
  public boolean isJson(int i) {
    return typeOids[i] == JSON || typeOids[i] == JSONB;
  }

  /** {@code schema.name}, as {@code pg_publication_tables} and this class name a table. */
  public String qualifiedName() {
    return schema + "." + name;
  }
}
