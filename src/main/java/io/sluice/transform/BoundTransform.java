package io.sluice.transform;

import io.sluice.value.Column;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A transform bound to its input columns: the typed columns it outputs and the function
 * mapping one row. The function owns the row array it receives and may change it in place: the
 * chain hands the first step a copy of the batch's row ({@link TransformChain}), never a row
 * that other streams share.
 */
public record BoundTransform(List<Column> columns, UnaryOperator<Object[]> rows) {}
