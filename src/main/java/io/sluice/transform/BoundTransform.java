package io.sluice.transform;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A transform bound to its input columns: the columns it outputs and the function mapping
 * one row. The function owns the row array it receives and may change it in place.
 */
public record BoundTransform(List<String> columns, UnaryOperator<Object[]> rows) {}
