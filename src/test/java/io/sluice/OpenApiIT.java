package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.format.OutputFormat;
import io.sluice.format.OutputFormats;
import io.sluice.support.Http;
import io.sluice.support.Jwt;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/openapi.json} against a Sluice with JWT on: a valid OpenAPI 3.1 document (checked
 * by vertx-openapi against the official 3.1 schema), shown only to a caller who may list the
 * catalogue and describing only what that caller may read, with each dataset's parameters as the
 * catalogue declares them, and schemas that the real responses satisfy.
 */
@DisplayName("The OpenAPI document")
class OpenApiIT extends ServiceTest {

  private static Vertx vertx;
  private static Jwt jwt;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    jwt = Jwt.on(vertx);
    startSluice(vertx, json -> {
      Jwt.configure(json);
      json.getJsonArray("datasets").add(new JsonObject()
          .put("name", "typed_params")
          .put("description", "one parameter of each type")
          .put("sql", "SELECT g AS n, $1::text AS s, $2::numeric AS d, $3::bool AS b, $4::timestamptz AS t, $5::date AS day, $6::bigint AS tenant"
              + " FROM generate_series(1, 3) AS g")
          .put("orderBy", new JsonArray().add("n"))
          .put("parameters", new JsonArray()
              .add(new JsonObject().put("name", "colour").put("type", "string").put("allowed", new JsonArray().add("red").add("blue"))
                  .put("description", "which colour").put("default", "red"))
              .add(new JsonObject().put("name", "ratio").put("type", "decimal").put("min", "0.5").put("max", 10).put("required", true))
              .add(new JsonObject().put("name", "on").put("type", "boolean"))
              .add(new JsonObject().put("name", "since").put("type", "timestamp").put("sensitive", true))
              .add(new JsonObject().put("name", "day").put("type", "date"))
              .add(new JsonObject().put("name", "tenant").put("type", "integer").put("claim", "tenant_id"))));
    });
  }

  private static HttpResponse<String> get(String path, String token) {
    return token == null ? Http.get(port, path) : Http.get(port, path, "Authorization", "Bearer " + token);
  }

  private static JsonObject document(String token) {
    HttpResponse<String> response = get("/v1/openapi.json", token);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    return new JsonObject(response.body());
  }

  private static Set<String> rowsPaths(JsonObject document) {
    return document.getJsonObject("paths").fieldNames().stream().filter(p -> p.endsWith("/rows")).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  @DisplayName("is a valid OpenAPI 3.1 document, and the validator rejects a broken one")
  void valid() throws Exception {
    JsonObject document = document(jwt.token("alice", new JsonObject().put("tenant_id", 1), "pii-reader", "analyst"));
    assertThat(document.getString("openapi")).isEqualTo("3.1.0");
    OutputUnit result = validate(document);
    assertThat(result.getValid()).as(String.valueOf(result.getErrors())).isTrue();
    JsonObject resolved = OpenAPIVersion.V3_1.resolve(vertx, repository(), document).await(30, TimeUnit.SECONDS);
    assertThat(resolved.getJsonObject("paths").getJsonObject("/v1/datasets/series/rows").getJsonObject("get").getJsonObject("responses")
        .getJsonObject("400").getJsonObject("content")).as("every $ref resolves").isNotNull();

    JsonObject broken = document.copy();
    broken.getJsonObject("paths").getJsonObject("/v1/datasets/series/rows").getJsonArray("parameters").getJsonObject(0).put("in", "body");
    assertThat(validate(broken).getValid()).as("a real validator: a parameter 'in: body' is not OpenAPI 3.1").isFalse();
    JsonObject untyped = document.copy();
    untyped.getJsonObject("components").getJsonObject("schemas").getJsonObject("Error").put("type", "struct");
    assertThat(validate(untyped).getValid()).as("the schemas are checked against the 3.1 dialect too").isFalse();
  }

  private static SchemaRepository repository() throws Exception {
    return OpenAPIVersion.V3_1.getRepository(vertx, "https://sluice.test/").await(30, TimeUnit.SECONDS);
  }

  /** The official OpenAPI 3.1 schema (and its schema dialect), as vertx-openapi bundles them, on {@code document}. */
  private static OutputUnit validate(JsonObject document) throws Exception {
    return OpenAPIVersion.V3_1.validateContract(vertx, repository(), document).await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("is the catalogue's: 401 without a token, and only the datasets the caller may read")
  void visibility() {
    HttpResponse<String> anonymous = get("/v1/openapi.json", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(anonymous.body()).getJsonObject("error").getString("code")).isEqualTo("unauthorized");

    for (String role : List.of("analyst", "pii-reader", "nobody")) {
      String token = jwt.token("bob", role);
      Set<String> listed = new JsonObject(get("/v1/datasets", token).body()).getJsonArray("datasets").stream()
          .map(d -> ((JsonObject) d).getString("rows")).collect(Collectors.toCollection(TreeSet::new));
      assertThat(rowsPaths(document(token))).as(role).isEqualTo(listed);
    }
    assertThat(rowsPaths(document(jwt.token("bob", "analyst")))).contains("/v1/datasets/transactions/rows")
        .doesNotContain("/v1/datasets/transactions_raw/rows");
    assertThat(rowsPaths(document(jwt.token("bob", "pii-reader")))).contains("/v1/datasets/transactions_raw/rows");
    assertThat(document(jwt.token("bob", "analyst")).getJsonArray("security")).containsExactly(new JsonObject().put("bearer", new JsonArray()));
    assertThat(document(jwt.token("bob", "analyst")).getJsonObject("paths").getJsonObject("/health/ready").getJsonObject("get")
        .getJsonArray("security")).isEmpty();
  }

  @Test
  @DisplayName("gives each dataset its own parameters, typed as the catalogue declares them, and every format")
  void parameters() {
    String token = jwt.token("alice", new JsonObject().put("tenant_id", 1), "pii-reader", "analyst");
    JsonObject document = document(token);
    JsonArray catalogue = new JsonObject(get("/v1/datasets", token).body()).getJsonArray("datasets");
    for (Object entry : catalogue) {
      JsonObject dataset = (JsonObject) entry;
      JsonObject item = document.getJsonObject("paths").getJsonObject(dataset.getString("rows"));
      Map<String, JsonObject> params = byName(item.getJsonArray("parameters"));
      for (Object p : dataset.getJsonArray("parameters")) {
        JsonObject declared = (JsonObject) p;
        if (declared.containsKey("fromToken")) {
          assertThat(params).as("a claim-bound parameter is not the request's to give").doesNotContainKey(declared.getString("name"));
          continue;
        }
        JsonObject described = params.get(declared.getString("name"));
        assertThat(described).as(dataset.getString("name") + "." + declared.getString("name")).isNotNull();
        assertThat(described.getBoolean("required")).isEqualTo(declared.getBoolean("required"));
        assertThat(described.getString("in")).isEqualTo("query");
        String type = described.getJsonObject("schema").getString("type");
        assertThat(type).isEqualTo(switch (declared.getString("type")) {
          case "integer" -> "integer";
          case "decimal" -> "number";
          case "boolean" -> "boolean";
          default -> "string";
        });
      }
      assertThat(params.keySet()).contains("limit", "format", "columns", "resume", "header", "csv_safe", "meta", "max_rate", "degrade");
      assertThat(params.containsKey("after")).isEqualTo(dataset.getJsonObject("resume").getBoolean("after"));
      JsonObject content = item.getJsonObject("get").getJsonObject("responses").getJsonObject("200").getJsonObject("content");
      assertThat(content.fieldNames()).containsExactlyInAnyOrderElementsOf(OutputFormats.ALL.stream().map(f -> f.mediaTypes().get(0)).toList());
    }

    Map<String, JsonObject> typed = byName(document.getJsonObject("paths").getJsonObject("/v1/datasets/typed_params/rows").getJsonArray("parameters"));
    assertThat(typed.get("colour").getJsonObject("schema")).isEqualTo(new JsonObject()
        .put("type", "string").put("maxLength", 1024).put("enum", new JsonArray().add("red").add("blue")).put("default", "red"));
    assertThat(typed.get("colour").getString("description")).isEqualTo("which colour");
    assertThat(typed.get("ratio").getBoolean("required")).isTrue();
    assertThat(typed.get("ratio").getJsonObject("schema").getValue("minimum").toString()).isEqualTo("0.5");
    assertThat(typed.get("ratio").getJsonObject("schema").getValue("maximum").toString()).isEqualTo("10");
    assertThat(typed.get("since").getJsonObject("schema").getString("format")).isEqualTo("date-time");
    assertThat(typed.get("since").getString("description")).contains("sensitive");
    assertThat(typed.get("day").getJsonObject("schema").getString("format")).isEqualTo("date");
    assertThat(typed.get("series") == null && typed.get("tenant") == null).isTrue();
    Map<String, JsonObject> series = byName(document.getJsonObject("paths").getJsonObject("/v1/datasets/series/rows").getJsonArray("parameters"));
    assertThat(series.get("count").getJsonObject("schema")).isEqualTo(new JsonObject()
        .put("type", "integer").put("format", "int64").put("minimum", 0).put("maximum", 5_000_000));
    assertThat(series.get("columns").getJsonObject("schema").getJsonObject("items").getJsonArray("enum")).containsExactly("n", "label");
    assertThat(series.get("format").getJsonObject("schema").getJsonArray("enum").getList())
        .containsAll(OutputFormats.ALL.stream().map(OutputFormat::name).toList());
  }

  @Test
  @DisplayName("has schemas that the real rows and error bodies satisfy")
  void schemasMatchResponses() {
    String token = jwt.token("alice", new JsonObject().put("tenant_id", 1), "pii-reader", "analyst");
    JsonObject document = document(token);
    HttpResponse<String> refused = get("/v1/datasets/typed_params/rows?ratio=99", token);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(validate(document, "ErrorBody", new JsonObject(refused.body())).getValid()).as(refused.body()).isTrue();
    assertThat(validate(document, "ErrorBody", new JsonObject().put("error", new JsonObject().put("code", "nope"))).getValid()).isFalse();

    for (String dataset : List.of("types", "transactions", "typed_params")) {
      HttpResponse<String> rows = get("/v1/datasets/" + dataset + "/rows?limit=20" + (dataset.equals("typed_params") ? "&ratio=1" : ""), token);
      assertThat(rows.statusCode()).as(rows.body()).isEqualTo(200);
      List<String> lines = rows.body().lines().toList();
      assertThat(lines).isNotEmpty();
      for (String line : lines) {
        OutputUnit result = validate(document, dataset + ".row", new JsonObject(line));
        assertThat(result.getValid()).as(dataset + ": " + line + " " + result.getErrors()).isTrue();
      }
    }
  }

  /** Validates {@code instance} against the document's component schema {@code name}, its refs resolved within the document. */
  private static OutputUnit validate(JsonObject document, String name, JsonObject instance) {
    String schemas = document.getJsonObject("components").getJsonObject("schemas").encode().replace("#/components/schemas/", "#/$defs/");
    JsonObject schema = new JsonObject().put("$defs", new JsonObject(schemas)).put("$ref", "#/$defs/" + name);
    return Validator.create(JsonSchema.of(schema), new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("https://sluice.test/")
        .setOutputFormat(io.vertx.json.schema.OutputFormat.Basic)).validate(instance);
  }

  private static Map<String, JsonObject> byName(JsonArray parameters) {
    Map<String, JsonObject> byName = new HashMap<>();
    parameters.forEach(p -> byName.put(((JsonObject) p).getString("name"), (JsonObject) p));
    return byName;
  }
}
