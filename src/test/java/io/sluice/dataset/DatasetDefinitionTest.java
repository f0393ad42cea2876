package io.sluice.dataset;

import io.sluice.error.Reason;
import io.sluice.error.InvalidRequestException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A dataset definition")
class DatasetDefinitionTest {

  private static final DatasetDefinition DATASET = DatasetDefinition.from(new JsonObject()
      .put("name", "payments")
      .put("sql", "SELECT * FROM payments WHERE status = $1 AND amount >= $2 AND created_at >= $3 AND ($4::bigint IS NULL OR account = $4);")
      .put("orderBy", "id")
      .put("parameters", new JsonArray()
          .add(new JsonObject().put("name", "status").put("allowed", new JsonArray().add("ok").add("failed")).put("default", "ok"))
          .add(new JsonObject().put("name", "min").put("type", "decimal").put("min", 0).put("max", "1000.50"))
          .add(new JsonObject().put("name", "since").put("type", "timestamp").put("required", true))
          .add(new JsonObject().put("name", "account").put("type", "integer"))));

  private static Tuple bind(Map<String, String> params, Long limit) {
    return DATASET.bind(new StreamRequest("payments", params, limit), 1_000_000);
  }

  private static InvalidRequestException rejection(Map<String, String> params, Long limit) {
    return catchThrowableOfType(InvalidRequestException.class, () -> bind(params, limit));
  }

  @Test
  @DisplayName("binds parameters in declaration order, defaults and NULLs included, the limit last")
  void bindsInOrder() {
    Tuple tuple = bind(Map.of("min", "10.25", "since", "2024-01-01T00:00:00+02:00"), 5L);

    assertThat(tuple.size()).isEqualTo(5);
    assertThat(tuple.getValue(0)).isEqualTo("ok");
    assertThat(tuple.getValue(1)).isEqualTo(new BigDecimal("10.25"));
    assertThat(tuple.getValue(2)).isEqualTo(OffsetDateTime.parse("2024-01-01T00:00:00+02:00"));
    assertThat(tuple.getValue(3)).isNull();
    assertThat(tuple.getValue(4)).isEqualTo(5L);
    assertThat(DATASET.sql()).doesNotEndWith(";");
  }

  @Test
  @DisplayName("names the parameter that is unknown, missing, mistyped or out of range")
  void namesTheCulprit() {
    Map<String, String> since = Map.of("since", "2024-01-01T00:00:00Z");
    assertThat(rejection(Map.of(), null).parameter()).isEqualTo("since");
    assertThat(rejection(Map.of("since", "2024-01-01T00:00:00Z", "colour", "red"), null).parameter()).isEqualTo("colour");
    assertThat(rejection(Map.of("since", "2024-01-01"), null).getMessage()).contains("since").contains("ISO-8601");
    assertThat(rejection(Map.of("since", "2024-01-01T00:00:00Z", "status", "lost"), null).getMessage()).contains("one of [ok, failed]");
    assertThat(rejection(Map.of("since", "2024-01-01T00:00:00Z", "min", "-0.01"), null).getMessage()).contains(">= 0");
    assertThat(rejection(Map.of("since", "2024-01-01T00:00:00Z", "min", "1000.51"), null).getMessage()).contains("<= 1000.50");
    assertThat(rejection(Map.of("since", "2024-01-01T00:00:00Z", "account", "1.5"), null).parameter()).isEqualTo("account");
    assertThat(rejection(since, -1L).parameter()).isEqualTo("limit");
    assertThat(rejection(since, 1_000_001L).reason()).isEqualTo(Reason.BAD_REQUEST);
  }

  @Test
  @DisplayName("is refused at start-up without an ordering key or with a reserved parameter name")
  void refusesBadDefinitions() {
    JsonObject noKey = new JsonObject().put("name", "x").put("sql", "SELECT 1");
    assertThat(catchThrowableOfType(ConfigException.class, () -> DatasetDefinition.from(noKey)).getMessage()).contains("orderBy");
    JsonObject reserved = noKey.copy().put("orderBy", "id")
        .put("parameters", new JsonArray().add(new JsonObject().put("name", "limit")));
    assertThat(catchThrowableOfType(ConfigException.class, () -> DatasetDefinition.from(reserved)).getMessage()).contains("reserved");
    JsonObject badType = noKey.copy().put("orderBy", "id")
        .put("parameters", new JsonArray().add(new JsonObject().put("name", "a").put("type", "money")));
    assertThat(catchThrowableOfType(ConfigException.class, () -> DatasetDefinition.from(badType)).getMessage()).contains("money");
  }

  @Test
  @DisplayName("reads an optional maxRowsPerSecond, a whole number of at least 1, and reserves max_rate")
  void maxRowsPerSecond() {
    JsonObject base = new JsonObject().put("name", "capped").put("sql", "SELECT 1 AS id").put("orderBy", "id");

    assertThat(DatasetDefinition.from(base.copy()).maxRowsPerSecond()).isNull();
    assertThat(DatasetDefinition.from(base.copy().put("maxRowsPerSecond", 500)).maxRowsPerSecond()).isEqualTo(500L);
    for (Object bad : new Object[] {0, -1, 1.5, "fast"}) {
      assertThat(catchThrowableOfType(ConfigException.class, () -> DatasetDefinition.from(base.copy().put("maxRowsPerSecond", bad))))
          .as("maxRowsPerSecond %s", bad).hasMessageContaining("maxRowsPerSecond");
    }
    JsonObject parameterNamedMaxRate = base.copy().put("parameters", new JsonArray().add(new JsonObject().put("name", "max_rate")));
    assertThat(catchThrowableOfType(ConfigException.class, () -> DatasetDefinition.from(parameterNamedMaxRate)))
        .hasMessageContaining("max_rate");
  }
}
