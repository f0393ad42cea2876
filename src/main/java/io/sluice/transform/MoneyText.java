package io.sluice.transform;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.NumberFormat;

/**
 * An amount as a currency's {@link NumberFormat} writes it, written directly: its prefix and
 * suffix, the integer digits grouped, the fraction rounded half-even to the currency's digits.
 * {@link DecimalFormat} went through a {@code StringBuffer}, a {@code FieldPosition} and a
 * digit list for every value and was a quarter of an enriched export's CPU. Formats this cannot
 * reproduce exactly (other digits than 0-9, a multiplier, a minimum of integer digits other than
 * one, a varying number of fraction digits) are left to the {@link NumberFormat} itself.
 * Used from one thread, as the number format it stands for.
 */
final class MoneyText {

  private final NumberFormat format;
  private final boolean direct;
  private final String positivePrefix;
  private final String positiveSuffix;
  private final String negativePrefix;
  private final String negativeSuffix;
  private final int groupingSize;
  private final char groupingSeparator;
  private final char decimalSeparator;
  private final int fractionDigits;

  MoneyText(NumberFormat format) {
    this.format = format;
    if (format instanceof DecimalFormat decimal) {
      DecimalFormatSymbols symbols = decimal.getDecimalFormatSymbols();
      this.direct = symbols.getZeroDigit() == '0' && decimal.getMultiplier() == 1 && decimal.getMinimumIntegerDigits() == 1
          && decimal.getMinimumFractionDigits() == decimal.getMaximumFractionDigits() && decimal.getRoundingMode() == RoundingMode.HALF_EVEN
          && !decimal.isDecimalSeparatorAlwaysShown() && !decimal.isParseBigDecimal();
      this.positivePrefix = decimal.getPositivePrefix();
      this.positiveSuffix = decimal.getPositiveSuffix();
      this.negativePrefix = decimal.getNegativePrefix();
      this.negativeSuffix = decimal.getNegativeSuffix();
      this.groupingSize = decimal.isGroupingUsed() ? decimal.getGroupingSize() : 0;
      this.groupingSeparator = symbols.getMonetaryGroupingSeparator();
      this.decimalSeparator = symbols.getMonetaryDecimalSeparator();
      this.fractionDigits = decimal.getMaximumFractionDigits();
    } else {
      this.direct = false;
      this.positivePrefix = this.positiveSuffix = this.negativePrefix = this.negativeSuffix = "";
      this.groupingSize = 0;
      this.groupingSeparator = this.decimalSeparator = 0;
      this.fractionDigits = 0;
    }
  }

  /** Whether it writes the text itself rather than through the number format. */
  boolean direct() {
    return direct;
  }

  String format(BigDecimal amount) {
    if (!direct) {
      return format.format(amount);
    }
    boolean negative = amount.signum() < 0;
    String digits = amount.abs().setScale(fractionDigits, RoundingMode.HALF_EVEN).toPlainString();
    int integers = fractionDigits == 0 ? digits.length() : digits.length() - fractionDigits - 1;
    StringBuilder text = new StringBuilder(digits.length() + 8 + digits.length() / 3);
    text.append(negative ? negativePrefix : positivePrefix);
    for (int i = 0; i < integers; i++) {
      if (groupingSize > 0 && i > 0 && (integers - i) % groupingSize == 0) {
        text.append(groupingSeparator);
      }
      text.append(digits.charAt(i));
    }
    if (fractionDigits > 0) {
      text.append(decimalSeparator).append(digits, integers + 1, digits.length());
    }
    return text.append(negative ? negativeSuffix : positiveSuffix).toString();
  }
}
