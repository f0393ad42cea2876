package io.sluice.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.dataset.Position;
import io.sluice.value.ChangeKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Resume tokens: what a minter writes is what {@link ResumeTokens#verify} reads, for any text, and tokens of the JSON-object form still verify. */
@DisplayName("Resume tokens: minted by hand, read back exactly, old tokens still good")
class ResumeTokensTest {

  private static final String KEY = "0123456789abcdef0123456789abcdef";
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC);
  private static final ResumeTokens TOKENS = new ResumeTokens(KEY, 3600, CLOCK);
  private static final Map<String, String> PARAMS = Map.of("status", "open", "note", "a \"quoted\" one");

  @ParameterizedTest
  @ValueSource(strings = {"plain", "with \"quotes\" and \\backslash\\", "line\nbreak\ttab", "ünïcødé €", "\u2028\u0000\u001f", "", "null"})
  @DisplayName("a key of any text comes back as it went in")
  void keysRoundTrip(String text) {
    List<String> key = List.of(text, "42");
    String token = TOKENS.minter("data\"set", PARAMS, "al\"ice").after(key);
    assertThat(TOKENS.verify(token, "data\"set", PARAMS, "al\"ice")).isEqualTo(Position.afterKey(key));
    assertThat(payload(token)).isEqualTo(new JsonObject().put("d", "data\"set").put("p", payload(token).getString("p"))
        .put("k", new JsonArray(key)).put("e", CLOCK.instant().getEpochSecond() + 3600).put("u", "al\"ice"));
  }

  @Test
  @DisplayName("from the start, after a change, without a principal")
  void otherPositions() {
    ResumeTokens.Minter minter = TOKENS.minter("d", PARAMS, null);
    assertThat(TOKENS.verify(minter.after(null), "d", PARAMS, null)).isEqualTo(Position.afterKey(List.of()));
    String change = minter.afterRow(ChangeKey.of(ChangeKey.UPDATE, "0/16B3748", 3));
    assertThat(TOKENS.verify(change, "d", PARAMS, null)).isEqualTo(Position.afterChange("0/16B3748", 3));
    assertThat(payload(change).getValue("u")).isNull();
    assertThatThrownBy(() -> TOKENS.verify(change, "d", PARAMS, "mallory")).isInstanceOf(InvalidTokenException.class);
    assertThatThrownBy(() -> TOKENS.verify(change, "d", Map.of("status", "closed"), null)).isInstanceOf(InvalidTokenException.class);
  }

  @Test
  @DisplayName("a token whose payload was written as a JSON object (the form before) verifies")
  void earlierFormVerifies() throws Exception {
    String hash = payload(TOKENS.minter("d", PARAMS, "bob").after(null)).getString("p");
    JsonObject payload = new JsonObject().put("d", "d").put("p", hash).put("c", new JsonArray().add("1/0").add(Long.MAX_VALUE))
        .put("e", CLOCK.instant().getEpochSecond() + 10).put("u", "bob");
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    String body = "v1." + encoder.encodeToString(payload.encode().getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String token = body + "." + encoder.encodeToString(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    assertThat(TOKENS.verify(token, "d", PARAMS, "bob")).isEqualTo(Position.afterChange("1/0", Position.Changes.ALL));
  }

  @Test
  @DisplayName("a changed payload or signature is refused")
  void tampering() {
    String token = TOKENS.minter("d", PARAMS, "bob").after(List.of("7"));
    String[] parts = token.split("\\.");
    char[] body = parts[1].toCharArray();
    body[5] = body[5] == 'A' ? 'B' : 'A';
    assertThatThrownBy(() -> TOKENS.verify(parts[0] + "." + new String(body) + "." + parts[2], "d", PARAMS, "bob"))
        .isInstanceOf(InvalidTokenException.class);
    assertThat(Arrays.asList(parts)).hasSize(3);
  }

  private static JsonObject payload(String token) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
  }
}
