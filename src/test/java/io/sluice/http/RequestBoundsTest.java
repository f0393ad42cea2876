package io.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.DisplayName;

@DisplayName("The query parameter count")
class RequestBoundsTest {

  @ParameterizedTest(name = "\"{0}\" has {1}")
  @CsvSource(delimiter = '|', value = {
      "a=1                | 1",
      "a=1&b=2            | 2",
      "a=1;b=2&c          | 3",
      "&&a=1&&b=&         | 2",
      "a=1&a=2&a=3        | 3",
      "=x&&;              | 1",
  })
  @DisplayName("counts the non-empty pieces between & and ;, as the decoder splits them, repeats included")
  void counts(String query, int expected) {
    assertThat(RequestBounds.countParameters(query.strip())).isEqualTo(expected);
  }
}
