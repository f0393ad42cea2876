package io.sluice.format;

import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import io.sluice.value.JsonValues;
import io.sluice.value.RawJson;
import io.sluice.value.ValueVisitor;
import io.sluice.value.Values;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.List;

/**
 * Writes one CSV/TSV cell per value: numbers in plain notation, bytea as base64, JSON and
 * arrays as JSON text. In a text column with protection on, a cell starting with {@code =},
 * {@code +}, {@code -}, {@code @}, tab or CR, which a spreadsheet would run as a formula
 * (CWE-1236), is prefixed with {@code '}.
 */
final class CellWriter implements ValueVisitor<IOException> {

  private final CsvGenerator csv;
  private boolean defuse;

  CellWriter(CsvGenerator csv) {
    this.csv = csv;
  }

  void write(Object value, boolean defuseFormulas) throws IOException {
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
  public void visitNull() throws IOException {
    csv.writeNull();
  }

  @Override
  public void visitBoolean(boolean value) throws IOException {
    csv.writeString(Boolean.toString(value));
  }

  @Override
  public void visitLong(long value) throws IOException {
    csv.writeNumber(value); // the same digits, written without a String in between
  }

  @Override
  public void visitDouble(double value) throws IOException {
    csv.writeString(Double.toString(value));
  }

  @Override
  public void visitDecimal(BigDecimal value) throws IOException {
    csv.writeString(value.toPlainString());
  }

  @Override
  public void visitText(String value) throws IOException {
    csv.writeString(defuse && looksLikeFormula(value) ? "'" + value : value);
  }

  @Override
  public void visitJson(RawJson value) throws IOException {
    csv.writeString(value.text());
  }

  @Override
  public void visitBytes(byte[] value) throws IOException {
    csv.writeString(Base64.getEncoder().encodeToString(value));
  }

  @Override
  public void visitList(List<?> values) throws IOException {
    csv.writeString(JsonValues.toJson(values));
  }
}
