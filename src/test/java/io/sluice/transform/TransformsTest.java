package io.sluice.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sluice.error.ConfigException;
import io.sluice.value.Column;
import io.sluice.value.RawJson;
import io.sluice.value.ValueKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Transforms")
class TransformsTest {

  private static final List<Column> COLUMNS = List.of(
      Column.of("id", ValueKind.BIGINT), Column.of("amount", ValueKind.NUMERIC), Column.of("currency", ValueKind.TEXT),
      Column.of("card", ValueKind.TEXT), Column.of("tags", ValueKind.JSON), Column.of("status", ValueKind.TEXT));
  private final TransformRegistry registry = new TransformRegistry();

  private TransformChain chain(JsonObject... specs) {
    TransformPlan plan = registry.plan("test", List.of(specs), COLUMNS, new TransformContext(null, null)).result();
    return plan.bind(COLUMNS, List.of());
  }

  private static List<Object[]> rows() {
    List<Object[]> rows = new ArrayList<>();
    rows.add(new Object[] {1L, new BigDecimal("1234.5"), "EUR", "4000123456789012", new RawJson("{\"risk\": 0.75}"), "settled"});
    rows.add(new Object[] {2L, new BigDecimal("-3"), "JPY", "12", new RawJson("{\"risk\": 0.1}"), "pending"});
    rows.add(new Object[] {3L, null, "XXQ", null, new RawJson("{}"), null});
    return rows;
  }

  @Test
  @DisplayName("money formats an amount in its row's currency")
  void money() {
    TransformChain chain = chain(new JsonObject().put("type", "money").put("amount", "amount").put("currency", "currency").put("as", "pretty"));

    List<Object[]> out = chain.apply(rows());

    assertThat(chain.columns()).endsWith(Column.of("pretty", ValueKind.TEXT));
    assertThat(out.get(0)[6]).isEqualTo("€1,234.50");
    assertThat(out.get(1)[6]).isEqualTo("-¥3");
    assertThat(out.get(2)[6]).isNull();
  }

  @Test
  @DisplayName("mask keeps the last characters and the length; short values are hidden whole")
  void mask() {
    List<Object[]> out = chain(new JsonObject().put("type", "mask").put("column", "card").put("keep", 4)).apply(rows());

    assertThat(out.get(0)[3]).isEqualTo("************9012");
    assertThat(out.get(1)[3]).isEqualTo("**");
    assertThat(out.get(2)[3]).isNull();
  }

  @Test
  @DisplayName("band reads a number out of JSON and labels it")
  void band() {
    JsonObject spec = new JsonObject().put("type", "band").put("column", "tags").put("pointer", "/risk").put("as", "risk")
        .put("bands", new JsonArray().add(new JsonObject().put("below", 0.3).put("label", "low")).add(new JsonObject().put("below", 0.7).put("label", "medium")))
        .put("otherwise", "high").put("missing", "unknown");

    List<Object[]> out = chain(spec).apply(rows());

    assertThat(out).extracting(r -> r[6]).containsExactly("high", "low", "unknown");
  }

  @Test
  @DisplayName("band follows a nested pointer and calls anything but a number there missing")
  void bandNested() {
    JsonObject spec = new JsonObject().put("type", "band").put("column", "tags").put("pointer", "/score/value").put("as", "risk")
        .put("bands", new JsonArray().add(new JsonObject().put("below", 10).put("label", "low")))
        .put("otherwise", "high").put("missing", "unknown");
    List<Object[]> rows = new ArrayList<>();
    for (String json : List.of("{\"score\": {\"value\": 3}}", "{\"value\": 3, \"score\": {\"x\": 1, \"value\": 12.5}}",
        "{\"score\": {\"value\": \"3\"}}", "{\"score\": {\"value\": {\"n\": 3}}}", "{\"score\": 3}", "[1, 2]", "{\"score\": {\"value\": 9.99999999999999999999}}")) {
      rows.add(new Object[] {1L, null, null, null, new RawJson(json), null});
    }

    assertThat(chain(spec).apply(rows)).extracting(r -> r[6])
        .containsExactly("low", "high", "unknown", "unknown", "unknown", "unknown", "low");
  }

  @Test
  @DisplayName("round, map, concat, rename and drop compose in order")
  void composition() {
    TransformChain chain = chain(
        new JsonObject().put("type", "round").put("column", "amount").put("scale", 0),
        new JsonObject().put("type", "map").put("column", "status").put("values", new JsonObject().put("settled", "done").put("pending", 7)).put("default", "other"),
        new JsonObject().put("type", "concat").put("columns", new JsonArray().add("currency").add("amount")).put("separator", " ").put("as", "label"),
        new JsonObject().put("type", "rename").put("columns", new JsonObject().put("id", "key")),
        new JsonObject().put("type", "drop").put("columns", new JsonArray().add("tags").add("card")));

    List<Object[]> out = chain.apply(rows());

    assertThat(chain.columns()).containsExactly(Column.of("key", ValueKind.BIGINT), Column.of("amount", ValueKind.NUMERIC),
        Column.of("currency", ValueKind.TEXT), Column.of("status", ValueKind.OTHER), Column.of("label", ValueKind.TEXT));
    assertThat(out.get(0)).containsExactly(1L, new BigDecimal("1235"), "EUR", "done", "EUR 1235");
    assertThat(out.get(1)).containsExactly(2L, new BigDecimal("-3"), "JPY", 7L, "JPY -3");
    assertThat(out.get(2)).containsExactly(3L, null, "XXQ", "other", "XXQ");
  }

  @Test
  @DisplayName("a user's own transform is found through ServiceLoader")
  void custom() {
    TransformChain chain = chain(new JsonObject().put("type", "upper").put("column", "status"));

    assertThat(chain.apply(rows())).extracting(r -> r[5]).containsExactly("SETTLED", "PENDING", null);
  }

  @Test
  @DisplayName("a transform naming a missing column or an unknown type stops start-up with a clear message")
  void badConfiguration() {
    Throwable missing = registry.plan("ds", List.of(new JsonObject().put("type", "mask").put("column", "ssn")), COLUMNS,
        new TransformContext(null, null)).cause();
    Throwable unknown = registry.plan("ds", List.of(new JsonObject().put("type", "explode")), COLUMNS,
        new TransformContext(null, null)).cause();

    assertThat(missing).isInstanceOf(ConfigException.class).hasMessageContaining("ds").hasMessageContaining("ssn");
    assertThat(unknown).isInstanceOf(ConfigException.class).hasMessageContaining("explode");
    assertThat(catchThrowable(() -> new MaskText(new JsonObject().put("column", "card").put("keep", -1)))).hasMessageContaining("keep");
  }

  @Test
  @DisplayName("chains bound alike share what they make of a shared row; a plan keeps at most SHAPES of them however many selections clients make")
  void sharedResultsPerShape() {
    TransformPlan plan = registry.plan("test", List.of(new JsonObject().put("type", "mask").put("column", "card").put("keep", 4)), COLUMNS,
        new TransformContext(null, null)).result();
    TransformChain one = plan.bind(COLUMNS, List.of("id", "card"));
    TransformChain other = plan.bind(COLUMNS, List.of("id", "card"));
    assertThat(other.shared()).isSameAs(one.shared());
    Object[] row = rows().get(0);
    Object[] made = one.applyShared(List.<Object[]>of(row)).get(0);
    assertThat(other.applyShared(List.<Object[]>of(row)).get(0)).isSameAs(made);
    assertThat(made).containsExactly(1L, "************9012");
    assertThat(row[3]).as("the shared row itself is left as read").isEqualTo("4000123456789012");
    List<String> names = List.of("id", "amount", "currency", "card", "tags", "status");
    for (int i = 0; i < 500; i++) {
      plan.bind(COLUMNS, List.of(names.get(i % 6), names.get((i / 6) % 6), names.get((i / 36) % 6)).stream().distinct().toList());
    }
    assertThat(plan.chains().size()).isLessThanOrEqualTo(SharedResults.SHAPES);
  }
}
