package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("A request's id")
class RequestIdsTest {

  private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  @ParameterizedTest
  @ValueSource(strings = {"b38f7a6a-7ab8-4f20-9782-c6282e90dbae", "4bf92f3577b34da6a3ce929d0e0e4736", "req_42.retry:2",
      "Root=1-67891233-abcdef012345678912345678", "dGhpcyBpcyBhbiBpZA==", "a/b+c", "x"})
  @DisplayName("is the client's when it is made of letters, digits and . _ : / + = -")
  void saneIsKept(String given) {
    assertThat(RequestIds.accept(given)).isEqualTo(given);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", " ", "with space", "quote\"d", "semi;colon", "comma,separated", "[bracketed]", "tab\there", "new\nline",
      "caf\u00e9", "<script>", "100%"})
  @DisplayName("is a new random UUID when the client's is absent or holds anything else")
  void unfitIsReplaced(String given) {
    assertThat(RequestIds.accept(given)).matches(UUID_TEXT);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 127, 128})
  @DisplayName("may be up to 128 characters long")
  void upTo128(int length) {
    String given = "a".repeat(length);
    assertThat(RequestIds.accept(given)).isEqualTo(given);
  }

  @ParameterizedTest
  @ValueSource(ints = {129, 10_000})
  @DisplayName("is replaced when longer")
  void longerIsReplaced(int length) {
    assertThat(RequestIds.accept("a".repeat(length))).matches(UUID_TEXT);
  }
}
