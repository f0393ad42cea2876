package io.sluice.config;

import io.sluice.error.ConfigException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The http configuration")
class HttpConfigTest {

  @Test
  @DisplayName("samples a stream blocked more than half of a 10 s window by default, and reads other values")
  void samplingSettings() {
    HttpConfig defaults = HttpConfig.from(new JsonObject());
    HttpConfig set = HttpConfig.from(new JsonObject().put("sampleWindowSeconds", 2).put("sampleBlockedShare", 0.25));

    assertThat(defaults.sampleWindowSeconds()).isEqualTo(10);
    assertThat(defaults.sampleBlockedShare()).isEqualTo(0.5);
    assertThat(set.sampleWindowSeconds()).isEqualTo(2);
    assertThat(set.sampleBlockedShare()).isEqualTo(0.25);
    assertThat(set.withCorsOrigins(List.of("*")).sampleBlockedShare()).isEqualTo(0.25);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{\"sampleWindowSeconds\": 0}", "{\"sampleBlockedShare\": 0}", "{\"sampleBlockedShare\": 1}",
      "{\"sampleBlockedShare\": -0.5}", "{\"sampleBlockedShare\": 1.5}"})
  @DisplayName("refuses a window under a second and a share not strictly between 0 and 1")
  void refusesBadSamplingSettings(String http) {
    assertThatThrownBy(() -> HttpConfig.from(new JsonObject(http)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("sampleWindowSeconds").hasMessageContaining("sampleBlockedShare");
  }

  @Test
  @DisplayName("caps Arrow's vectors at 64 MiB by default, at what SLUICE_ARROW_MEMORY_BYTES says, never under 1 MiB")
  void arrowMemory() {
    assertThat(HttpConfig.from(new JsonObject()).arrowMemoryBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(SluiceConfig.from(ConfigLoader.applyEnvironment(new JsonObject().put("SLUICE_ARROW_MEMORY_BYTES", "268435456")))
        .http().arrowMemoryBytes()).isEqualTo(256L * 1024 * 1024);
    assertThat(HttpConfig.from(new JsonObject().put("arrowMemoryBytes", 2_000_000)).withCorsOrigins(List.of("*")).arrowMemoryBytes())
        .isEqualTo(2_000_000);
    assertThatThrownBy(() -> HttpConfig.from(new JsonObject().put("arrowMemoryBytes", 1024 * 1024 - 1)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("arrowMemoryBytes");
  }

  @Test
  @DisplayName("bounds requests to an 8 KiB line, 16 KiB of headers, a 4 KiB query string and 64 parameters by default")
  void requestLimits() {
    RequestLimits defaults = HttpConfig.from(new JsonObject()).limits();
    RequestLimits set = HttpConfig.from(new JsonObject().put("maxRequestLineBytes", 2048).put("maxHeaderBytes", 4096)
        .put("maxQueryBytes", 1000).put("maxQueryParameters", 10)).limits();

    assertThat(defaults).isEqualTo(new RequestLimits(8192, 16384, 4096, 64));
    assertThat(set).isEqualTo(new RequestLimits(2048, 4096, 1000, 10));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{\"maxRequestLineBytes\": 100}", "{\"maxHeaderBytes\": 512}", "{\"maxQueryBytes\": 0}",
      "{\"maxQueryParameters\": 0}"})
  @DisplayName("refuses request bounds too small to serve any request")
  void refusesTinyRequestLimits(String http) {
    assertThatThrownBy(() -> HttpConfig.from(new JsonObject(http)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("maxRequestLineBytes").hasMessageContaining("maxQueryParameters");
  }
}
