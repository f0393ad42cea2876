package io.sluice.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link MoneyText} writes what the currency's {@link NumberFormat} writes, character for character (seeded amounts). */
@DisplayName("MoneyText: the NumberFormat's text, written directly")
class MoneyTextTest {

  private static final String[] LOCALES = {"en-US", "en-GB", "de-DE", "de-CH", "fr-FR", "fr-CH", "it-IT", "es-ES", "pt-BR", "nl-NL",
      "sv-SE", "pl-PL", "ru-RU", "ja-JP", "zh-CN", "ko-KR", "en-IN", "hi-IN", "ar-EG", "ar-SA", "fa-IR", "he-IL", "tr-TR", "th-TH", "bn-BD"};
  private static final String[] CURRENCIES = {"EUR", "USD", "GBP", "JPY", "CHF", "BHD", "INR", "XXX"};

  static Stream<Arguments> formats() {
    List<Arguments> all = new ArrayList<>();
    for (String locale : LOCALES) {
      for (String currency : CURRENCIES) {
        all.add(Arguments.of(locale, currency));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("formats")
  void sameText(String tag, String code) {
    NumberFormat format = NumberFormat.getCurrencyInstance(Locale.forLanguageTag(tag));
    Currency currency = Currency.getInstance(code);
    format.setCurrency(currency);
    int digits = Math.max(0, currency.getDefaultFractionDigits());
    format.setMinimumFractionDigits(digits);
    format.setMaximumFractionDigits(digits);
    MoneyText text = new MoneyText(format);
    Random random = new Random(tag.hashCode() * 31L + code.hashCode());
    List<BigDecimal> amounts = new ArrayList<>(List.of(BigDecimal.ZERO, new BigDecimal("-0.001"), new BigDecimal("0.005"), new BigDecimal("0.015"),
        new BigDecimal("-0.005"), new BigDecimal("999.995"), new BigDecimal("1234.5"), new BigDecimal("-1234567.891"), new BigDecimal("1E+3"),
        new BigDecimal("1E-12"), new BigDecimal("12345678901234567890.12345")));
    for (int i = 0; i < 400; i++) {
      amounts.add(BigDecimal.valueOf(random.nextLong() % 10_000_000_000L, random.nextInt(6)).multiply(BigDecimal.valueOf(random.nextBoolean() ? 1 : -1)));
    }
    if (tag.equals("en-US") || tag.equals("de-DE") || tag.equals("fr-CH") || tag.equals("ja-JP")) {
      assertThat(text.direct()).as("written directly in %s", tag).isTrue();
    }
    for (BigDecimal amount : amounts) {
      assertThat(text.format(amount)).as("%s in %s", amount, tag).isEqualTo(format.format(amount));
    }
  }
}
