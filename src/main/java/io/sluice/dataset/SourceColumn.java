package io.sluice.dataset;

import io.sluice.value.Column;

/** A column of a dataset's SQL: what it carries, and how the cursor reads it. */
public record SourceColumn(Column column, ReadMode readMode) {

  public String name() {
    return column.name();
  }
}
