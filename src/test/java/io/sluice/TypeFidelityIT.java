package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.support.Backends;
import io.sluice.support.Csv;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Values keep their type")
class TypeFidelityIT extends ServiceTest {

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);


  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx);
  }


  private static List<JsonNode> ndjsonRows() throws Exception {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/types/rows");
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonNode> rows = new java.util.ArrayList<>();
    for (String line : response.body().split("\n")) {
      rows.add(JSON.readTree(line));
    }
    assertThat(rows).hasSize(6);
    return rows;
  }

  @Test
  @DisplayName("in NDJSON: exact integers and numerics, ISO timestamps, embedded JSON, base64 bytea, arrays")
  void typicalValues() throws Exception {
    JsonNode row = ndjsonRows().get(0);

    assertThat(row.get("big").bigIntegerValue()).isEqualTo(new java.math.BigInteger("9223372036854775807"));
    assertThat(row.get("num").isBigDecimal()).isTrue();
    assertThat(row.get("num").decimalValue()).isEqualByComparingTo(new BigDecimal("12345678901234567890.123456789"));
    assertThat(row.get("dbl").decimalValue()).isEqualByComparingTo("0.1");
    assertThat(row.get("rl").decimalValue()).isEqualByComparingTo("1.5");
    assertThat(row.get("flag").booleanValue()).isTrue();
    assertThat(row.get("ts").asText()).isEqualTo("2024-02-29T11:45:01.123456Z");
    assertThat(row.get("lts").asText()).isEqualTo("2024-02-29T13:45:01");
    assertThat(row.get("day").asText()).isEqualTo("2024-02-29");
    assertThat(row.get("doc").isObject()).isTrue();
    assertThat(row.get("doc")).isEqualTo(JSON.readTree("{\"a\": [1, 2.50, \"x\"], \"b\": {\"c\": null}}"));
    assertThat(row.get("js")).isEqualTo(JSON.readTree("{\"z\": 1, \"a\": 2}"));
    assertThat(row.get("bin").asText()).isEqualTo("AP8Q");
    assertThat(row.get("tags").toString()).isEqualTo("[\"a\",\"b,c\",null]");
    assertThat(row.get("nums").get(0).decimalValue()).isEqualByComparingTo("1.10");
    assertThat(row.get("nums").get(1).isNull()).isTrue();
    assertThat(row.get("ints").toString()).isEqualTo("[1,-2]");
    assertThat(row.get("uid").asText()).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    assertThat(row.get("txt").asText()).isEqualTo("line1\nsay \"hi\", ok");
    assertThat(row.get("dur").asText()).isEqualTo("1 day 02:00:00");
    assertThat(row.get("cash").asText()).as("money in the server's lc_monetary").matches(".*1[.,]50.*");
    assertThat(row.get("tod").asText()).isEqualTo("12:00:00");
  }

  @Test
  @DisplayName("in NDJSON: NaN, ±Infinity and ±infinity become strings, NULLs null, and the connection survives")
  void nonFiniteValues() throws Exception {
    List<JsonNode> rows = ndjsonRows();

    rows.get(1).fields().forEachRemaining(f -> {
      if (!f.getKey().equals("id")) {
        assertThat(f.getValue().isNull()).as(f.getKey()).isTrue();
      }
    });
    JsonNode nan = rows.get(2);
    assertThat(nan.get("big").asText()).isEqualTo("-9223372036854775808");
    assertThat(List.of(nan.get("num"), nan.get("dbl"), nan.get("rl"))).allSatisfy(v -> assertThat(v.textValue()).isEqualTo("NaN"));
    assertThat(List.of(nan.get("ts"), nan.get("lts"), nan.get("day"))).allSatisfy(v -> assertThat(v.textValue()).isEqualTo("infinity"));
    assertThat(nan.get("doc").textValue()).isEqualTo("just a string");
    assertThat(nan.get("bin").asText()).isEmpty();
    assertThat(nan.get("nums").toString()).isEqualTo("[\"NaN\"]");
    assertThat(nan.get("txt").textValue()).isEmpty();
    JsonNode inf = rows.get(3);
    assertThat(List.of(inf.get("num"), inf.get("dbl"), inf.get("rl"))).allSatisfy(v -> assertThat(v.textValue()).isEqualTo("Infinity"));
    assertThat(List.of(inf.get("ts"), inf.get("lts"), inf.get("day"))).allSatisfy(v -> assertThat(v.textValue()).isEqualTo("-infinity"));
    assertThat(inf.get("doc").isNull()).isTrue();
    assertThat(inf.get("nums").toString()).isEqualTo("[\"Infinity\",\"-Infinity\"]");
    assertThat(inf.get("txt").textValue()).isEqualTo("ünïcødé ✓");
    JsonNode negInf = rows.get(4);
    assertThat(List.of(negInf.get("num"), negInf.get("dbl"), negInf.get("rl"))).allSatisfy(v -> assertThat(v.textValue()).isEqualTo("-Infinity"));
    assertThat(negInf.get("ts").textValue()).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(negInf.get("doc").decimalValue()).isEqualByComparingTo(new BigDecimal("1e400"));
    JsonNode tiny = rows.get(5);
    assertThat(tiny.get("num").decimalValue()).isEqualByComparingTo("0.000000000000000000001");
    assertThat(tiny.get("dbl").decimalValue()).isEqualByComparingTo("1e300");
    assertThat(tiny.get("doc").decimalValue()).isEqualByComparingTo("12345678901234567890.5");

    // numeric 'Infinity' used to kill the pg connection (pitfalls): the same pool still serves
    ndjsonRows();
    Backends.awaitReleased(sluice);
  }

  @Test
  @DisplayName("in CSV: NULL is an empty field, an empty string is \"\", JSON and arrays are JSON text")
  void csvValues() {
    HttpResponse<String> response = Http.get(port, "/v1/datasets/types/rows", "Accept", "text/csv");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\r\n");
    List<List<String>> rows = Csv.parse(response.body());
    List<String> header = rows.get(0);
    assertThat(rows).hasSize(7);
    List<String> typical = rows.get(1);
    assertThat(typical.get(header.indexOf("num"))).isEqualTo("12345678901234567890.123456789");
    assertThat(typical.get(header.indexOf("txt"))).isEqualTo("line1\nsay \"hi\", ok");
    assertThat(typical.get(header.indexOf("tags"))).isEqualTo("[\"a\",\"b,c\",null]");
    assertThat(typical.get(header.indexOf("doc"))).isEqualTo("{\"a\": [1, 2.50, \"x\"], \"b\": {\"c\": null}}");
    assertThat(rows.get(2).subList(1, header.size())).containsOnlyNulls();
    assertThat(rows.get(3).get(header.indexOf("txt"))).isEmpty();
    assertThat(rows.get(3).get(header.indexOf("num"))).isEqualTo("NaN");
    assertThat(rows.get(5).get(header.indexOf("txt"))).isEqualTo(" ");
  }
}
