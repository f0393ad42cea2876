package io.sluice.transform;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.text.NumberFormat;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code money}: formats {@code amount} as money in the currency named by the {@code
 * currency} column (or the fixed {@code currencyCode}), for {@code locale} (default en-US):
 * 1234.5 EUR becomes "€1,234.50".
 */
final class MoneyFormat extends ComputedField {

  private final String amountColumn;
  private final String currencyColumn;
  private final String currencyCode;
  private final Locale locale;

  MoneyFormat(JsonObject spec) {
    super(spec.getString("as"));
    this.amountColumn = required(spec, "amount");
    this.currencyColumn = spec.getString("currency");
    this.currencyCode = spec.getString("currencyCode");
    if ((currencyColumn == null) == (currencyCode == null)) {
      throw new IllegalArgumentException("give either 'currency' (a column) or 'currencyCode'");
    }
    this.locale = Locale.forLanguageTag(spec.getString("locale", "en-US"));
  }

  @Override
  protected Function<Object[], Object> compile(List<String> columns) {
    int amount = indexOf(columns, amountColumn);
    int currency = currencyColumn == null ? -1 : indexOf(columns, currencyColumn);
    Map<String, MoneyText> formats = new HashMap<>();
    return row -> {
      Object value = row[amount];
      if (!(value instanceof Number number)) {
        return value == null ? null : value.toString();
      }
      if (currency >= 0 && row[currency] == null) {
        return text(value);
      }
      String code = currency < 0 ? currencyCode : String.valueOf(row[currency]).trim();
      MoneyText format = formats.computeIfAbsent(code, this::formatFor);
      if (format == null) {
        return text(value) + " " + code;
      }
      return format.format(number instanceof BigDecimal d ? d : new BigDecimal(number.toString()));
    };
  }

  private MoneyText formatFor(String code) {
    try {
      Currency currency = Currency.getInstance(code);
      NumberFormat format = NumberFormat.getCurrencyInstance(locale);
      format.setCurrency(currency);
      format.setMinimumFractionDigits(currency.getDefaultFractionDigits());
      format.setMaximumFractionDigits(currency.getDefaultFractionDigits());
      return new MoneyText(format);
    } catch (IllegalArgumentException unknownCurrency) {
      return null;
    }
  }
}
