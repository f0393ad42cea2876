package io.sluice.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.error.InvalidRequestException;
import io.sluice.error.Reason;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The request's own names")
class RequestNamesTest {

  private static InvalidRequestException refusal(ThrowingCallable parse) {
    InvalidRequestException refused = catchThrowableOfType(InvalidRequestException.class, parse);
    assertThat(refused).as("refused").isNotNull();
    assertThat(refused.reason()).isEqualTo(Reason.BAD_REQUEST);
    return refused;
  }

  @Test
  @DisplayName("are reserved, every one of them, and no dataset parameter may take one")
  void reserved() {
    assertThat(RequestNames.RESERVED).containsExactlyInAnyOrder("limit", "format", "header", "csv_safe", "meta", "columns", "after",
        "resume", "degrade", "max_rate", "access_token", "follow");
  }

  @Test
  @DisplayName("leave the dataset's parameters, each given once, and refuse the first name given twice, reserved or not")
  void parameters() {
    Map<String, List<String>> given = new LinkedHashMap<>();
    given.put("status", List.of("ok"));
    given.put("limit", List.of("5"));
    given.put("access_token", List.of("secret"));
    given.put("since", List.of(""));
    assertThat(RequestNames.parameters(given)).containsExactly(Map.entry("since", ""), Map.entry("status", "ok"));

    given.put("format", List.of("csv", "tsv"));
    given.put("status", List.of("ok", "failed"));
    InvalidRequestException twice = refusal(() -> RequestNames.parameters(given));
    assertThat(twice.parameter()).isEqualTo("status");
    assertThat(twice.getMessage()).isEqualTo("parameter 'status': given more than once");
  }

  @Test
  @DisplayName("read limit as a whole number, absent as null, and anything else as an error naming limit")
  void limit() {
    assertThat(RequestNames.limit(null)).isNull();
    assertThat(RequestNames.limit("-3")).isEqualTo(-3L);
    assertThat(refusal(() -> RequestNames.limit("")).getMessage()).isEqualTo("parameter 'limit': expected a whole number");
    assertThat(refusal(() -> RequestNames.limit("1.5")).parameter()).isEqualTo("limit");
  }

  @Test
  @DisplayName("read columns as stripped comma-separated names, none empty")
  void columns() {
    assertThat(RequestNames.columns(null)).isEmpty();
    assertThat(RequestNames.columns("")).isEmpty();
    assertThat(RequestNames.columns(" b, a ,b")).containsExactly("b", "a", "b");
    assertThat(refusal(() -> RequestNames.columns("a,,b")).getMessage())
        .isEqualTo("parameter 'columns': a comma-separated list of column names, none empty");
    assertThat(refusal(() -> RequestNames.columns("a, ")).parameter()).isEqualTo("columns");
  }

  @Test
  @DisplayName("split after by commas only for a key of more than one column")
  void afterKey() {
    assertThat(RequestNames.afterKey("a,b", 1)).containsExactly("a,b");
    assertThat(RequestNames.afterKey("2024-01-01,7,", 3)).containsExactly("2024-01-01", "7", "");
    assertThat(RequestNames.afterKey("7", 2)).containsExactly("7");
  }

  @Test
  @DisplayName("read a flag as true or false in any case, absent or empty as its default")
  void flags() {
    assertThat(RequestNames.flag("header", null, true)).isTrue();
    assertThat(RequestNames.flag("meta", "", false)).isFalse();
    assertThat(RequestNames.flag("meta", "TRUE", false)).isTrue();
    assertThat(RequestNames.flag("csv_safe", "False", true)).isFalse();
    assertThat(refusal(() -> RequestNames.flag("csv_safe", "yes", true)).getMessage())
        .isEqualTo("parameter 'csv_safe': must be true or false");
  }

  @ParameterizedTest(name = "max_rate=\"{0}\"")
  @ValueSource(strings = {"0", "-3", "1.5", "1e3", "abc", " 5"})
  @DisplayName("refuse a max_rate that is not a whole number of at least 1")
  void badMaxRate(String value) {
    assertThat(refusal(() -> RequestNames.maxRate(value)).getMessage())
        .isEqualTo("parameter 'max_rate': expected a whole number of rows per second, at least 1");
  }

  @Test
  @DisplayName("read max_rate as rows per second, absent or empty as null")
  void maxRate() {
    assertThat(RequestNames.maxRate(null)).isNull();
    assertThat(RequestNames.maxRate("")).isNull();
    assertThat(RequestNames.maxRate("250")).isEqualTo(250L);
  }
}
