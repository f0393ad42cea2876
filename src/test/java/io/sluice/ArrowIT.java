package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.support.Backends;
import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Arrow stream, read by Arrow's own reader")
class ArrowIT extends ServiceTest {

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx);
  }

  @AfterEach
  void nothingLeaks() {
    Backends.awaitReleased(sluice);
  }

  /** What the reader got: the schema and, per column, every value as Arrow's getObject gives it. */
  private record Table(Schema schema, List<List<Object>> columns, int batches) {
    Object value(String column, int row) {
      return columns.get(schema.getFields().indexOf(schema.findField(column))).get(row);
    }
  }

  private static Table read(byte[] body) throws IOException {
    try (RootAllocator allocator = new RootAllocator();
        ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(body), allocator)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      List<List<Object>> columns = new ArrayList<>();
      root.getSchema().getFields().forEach(f -> columns.add(new ArrayList<>()));
      int batches = 0;
      while (reader.loadNextBatch()) {
        batches++;
        for (int c = 0; c < root.getFieldVectors().size(); c++) {
          FieldVector vector = root.getVector(c);
          for (int r = 0; r < root.getRowCount(); r++) {
            Object value = vector.getObject(r);
            columns.get(c).add(value == null ? null : value instanceof byte[] bytes ? HexFormat.of().formatHex(bytes) : value.toString());
          }
        }
      }
      return new Table(root.getSchema(), columns, batches);
    }
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
  }

  private static byte[] get(String pathAndQuery) throws Exception {
    HttpResponse<byte[]> response = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/vnd.apache.arrow.stream");
    assertThat(response.headers().firstValue("sluice-status")).isEmpty(); // trailers, not headers
    return response.body();
  }

  @Test
  @DisplayName("holds the transactions as NDJSON does: Int64, Decimal128(12,2), Timestamp(µs, UTC), Utf8, one record batch per batch")
  void transactions() throws Exception {
    Table table = read(get("/v1/datasets/transactions_raw/rows?format=arrow&limit=2500"));
    String[] ndjson = Http.get(port, "/v1/datasets/transactions_raw/rows?limit=2500").body().split("\n");

    assertThat(table.schema().findField("id").getType()).isEqualTo(new ArrowType.Int(64, true));
    assertThat(table.schema().findField("amount").getType()).isEqualTo(new ArrowType.Decimal(12, 2, 128));
    assertThat(table.schema().findField("created_at").getType()).isEqualTo(new ArrowType.Timestamp(org.apache.arrow.vector.types.TimeUnit.MICROSECOND, "UTC"));
    assertThat(table.schema().findField("tags").getType()).isEqualTo(ArrowType.Utf8.INSTANCE);
    assertThat(table.batches()).as("one record batch per Sluice batch: 1 row, then 24 of 100 and 99").isEqualTo(26);
    assertThat(table.columns().get(0)).hasSize(2500);
    for (int r = 0; r < ndjson.length; r++) {
      JsonObject row = new JsonObject(ndjson[r]);
      assertThat(table.value("id", r)).isEqualTo(row.getLong("id").toString());
      assertThat(new BigDecimal((String) table.value("amount", r))).isEqualByComparingTo(new BigDecimal(row.getValue("amount").toString()));
      assertThat(table.value("currency", r)).isEqualTo(row.getString("currency"));
      assertThat(new JsonObject((String) table.value("tags", r))).isEqualTo(row.getJsonObject("tags"));
      assertThat(table.value("created_at", r)).isEqualTo(Long.toString(micros(OffsetDateTime.parse(row.getString("created_at")).toInstant())));
    }
  }

  @Test
  @DisplayName("maps every PostgreSQL type as documented, nulls included")
  void types() throws Exception {
    Table table = read(get("/v1/datasets/types/rows?format=arrow&limit=2"));

    assertThat(table.schema().getFields()).extracting(f -> f.getName() + ":" + f.getType())
        .containsExactly("id:Int(32, true)", "big:Int(64, true)", "num:Utf8", "dbl:FloatingPoint(DOUBLE)", "rl:FloatingPoint(SINGLE)",
            "flag:Bool", "ts:Timestamp(MICROSECOND, UTC)", "lts:Timestamp(MICROSECOND, null)", "day:Date(DAY)", "doc:Utf8", "js:Utf8",
            "bin:Binary", "tags:List", "nums:List", "ints:List", "uid:Utf8", "txt:Utf8", "dur:Utf8", "cash:Utf8", "tod:Utf8");
    assertThat(table.schema().findField("ints").getChildren().get(0).getType()).isEqualTo(new ArrowType.Int(32, true));
    List<Object> first = new ArrayList<>();
    table.columns().forEach(c -> first.add(c.get(0)));
    assertThat(first).containsExactly("1", "9223372036854775807", "12345678901234567890.123456789", "0.1", "1.5", "true",
        Long.toString(micros(Instant.parse("2024-02-29T11:45:01.123456Z"))), "2024-02-29T13:45:01",
        Long.toString(LocalDate.parse("2024-02-29").toEpochDay()), "{\"a\": [1, 2.50, \"x\"], \"b\": {\"c\": null}}", "{\"z\": 1,  \"a\": 2}",
        "00ff10",
        "[\"a\",\"b,c\",null]", "[\"1.10\",null]", "[1,-2]", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "line1\nsay \"hi\", ok",
        "1 day 02:00:00", "$1.50", "12:00:00");
    assertThat(table.columns()).allSatisfy(column -> assertThat(column).hasSize(2));
    assertThat(table.columns().subList(1, table.columns().size())).allSatisfy(column -> assertThat(column.get(1)).isNull());
  }

  @Test
  @DisplayName("cuts the stream rather than write a value its type cannot hold (an infinite timestamp), naming it")
  void unrepresentable() throws Exception {
    try (RawHttpClient client = RawHttpClient.send(port, "GET /v1/datasets/types/rows?format=arrow HTTP/1.0\r\n\r\n")) {
      byte[] body = client.readBodyToEnd();

      assertThatThrownBy(() -> read(body)).isInstanceOf(IOException.class);
      assertThat(new String(body, StandardCharsets.UTF_8)).contains("unrepresentable-value").contains("column 'ts'").contains("infinity");
    }
  }

  @Test
  @DisplayName("ends a stream cut mid-way with a truncated message, so the reader raises after the complete batches")
  void cut() throws Exception {
    try (RawHttpClient client = RawHttpClient.send(port, "GET /v1/datasets/failing/rows?fail_at=3000&format=arrow HTTP/1.0\r\n\r\n")) {
      byte[] body = client.readBodyToEnd();

      assertThatThrownBy(() -> read(body)).isInstanceOf(IOException.class);
      String text = new String(body, StandardCharsets.ISO_8859_1);
      assertThat(text).contains("sluice: stream cut after").contains("bad-request").doesNotContain("division by zero");
    }
  }

  @Test
  @DisplayName("is offered as a file and never compressed")
  void headers() throws Exception {
    HttpResponse<byte[]> response = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/datasets/series/rows?count=3&format=arrow"))
        .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.headers().firstValue("content-disposition").orElse("")).contains(".arrows");
    assertThat(response.headers().firstValue("content-encoding").orElse("identity")).isEqualTo("identity");
    assertThat(read(response.body()).columns().get(0)).containsExactly("1", "2", "3");
  }
}
