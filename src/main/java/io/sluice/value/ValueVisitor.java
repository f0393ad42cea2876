package io.sluice.value;

import java.math.BigDecimal;
import java.util.List;

/**
 * What a writer does with each family of row values; {@link Values#accept} picks the method.
 * {@code E} is the checked exception the writer may throw (use {@link RuntimeException} for none).
 */
public interface ValueVisitor<E extends Exception> {

  void visitNull() throws E;

  void visitBoolean(boolean value) throws E;

  void visitLong(long value) throws E;

  void visitDouble(double value) throws E;

  void visitDecimal(BigDecimal value) throws E;

  void visitText(String value) throws E;

  void visitJson(RawJson value) throws E;

  void visitBytes(byte[] value) throws E;

  void visitList(List<?> values) throws E;
}
