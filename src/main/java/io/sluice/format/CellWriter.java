package io.sluice.format;

import io.sluice.value.JsonValues;
import io.sluice.value.RawJson;
import io.sluice.value.ValueVisitor;
import io.sluice.value.Values;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.List;

/**
 * Writes one CSV/TSV cell per value: numbers in plain notation, bytea as base64, JSON and
 * arrays as JSON text. In a text column with protection on, a cell starting with {@code =},
 * {@code +}, {@code -}, {@code @}, tab or CR, which a spreadsheet would run as a formula
 * (CWE-1236), is prefixed with {@code '}.
 */
final class CellWriter implements ValueVisitor<RuntimeException> {

  private final DelimitedWriter csv;
  private boolean defuse;

  CellWriter(DelimitedWriter csv) {
    this.csv = csv;
  }

  void write(Object value, boolean defuseFormulas) {
    this.defuse = defuseFormulas;
    Values.accept(value, this);
  }

  static boolean looksLikeFormula(String text) {
    if (text.isEmpty()) {
      return false;
    }
    char first = text.charAt(0);
    return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r';
  }

  @Override
  public void visitNull() {
    csv.nullField();
  }

  @Override
  public void visitBoolean(boolean value) {
    csv.text(value ? "true" : "false", (char) 0);
  }

  @Override
  public void visitLong(long value) {
    csv.number(value); // the same digits, written without a String in between
  }

  @Override
  public void visitDouble(double value) {
    csv.text(Double.toString(value), (char) 0);
  }

  @Override
  public void visitDecimal(BigDecimal value) {
    csv.text(value.toPlainString(), (char) 0);
  }

  @Override
  public void visitText(String value) {
    csv.text(value, defuse && looksLikeFormula(value) ? '\'' : (char) 0);
  }

  @Override
  public void visitJson(RawJson value) {
    csv.text(value.text(), (char) 0);
  }

  @Override
  public void visitBytes(byte[] value) {
    csv.text(Base64.getEncoder().encodeToString(value), (char) 0);
  }

  @Override
  public void visitList(List<?> values) {
    csv.text(JsonValues.toJson(values), (char) 0);
  }
}
