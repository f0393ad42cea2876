package io.sluice.format;

import io.sluice.value.Column;

/** A value that the response's format cannot hold in its column's type; the stream is cut, naming it. */
public final class UnrepresentableValueException extends IllegalArgumentException {

  UnrepresentableValueException(Column column, long row, Object value, Throwable cause) {
    super("row " + row + ", column '" + column.name() + "': " + value + " cannot be held by its Arrow type"
        + " (cast the column to text in the dataset's SQL to carry it)", cause);
  }
}
