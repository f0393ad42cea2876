package io.sluice.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("The log format SLUICE_LOG_FORMAT chooses")
class LogFormatTest {

  @ParameterizedTest(name = "{0} on a terminal: {1}, off one: {2}")
  @CsvSource(nullValues = "null", value = {
      "json, json, json",
      "JSON, json, json",
      "text, text, text",
      " Text , text, text",
      "auto, text, json",
      "null, text, json",
      "'', text, json",
      "xml, text, json"})
  @DisplayName("is json or text as asked; auto, unset or unknown: text on a terminal, JSON elsewhere")
  void choose(String configured, String onTerminal, String offTerminal) {
    assertThat(LogFormat.choose(configured, () -> true)).isEqualTo(onTerminal);
    assertThat(LogFormat.choose(configured, () -> false)).isEqualTo(offTerminal);
  }
}
