package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import io.sluice.config.SluiceConfig;
import io.sluice.dataset.FollowStatus;
import io.sluice.format.OutputFormat;
import io.sluice.format.OutputFormats;
import io.sluice.support.Http;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.support.Jwt;
import io.sluice.support.LogicalPostgres;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
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

  private static final String FOLLOW_SLOT = "sluice_openapi_it";
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
    return document.getJsonObject("paths").fieldNames().stream().filter(p -> p.startsWith("/v1/datasets/") && p.endsWith("/rows")).collect(Collectors.toCollection(TreeSet::new));
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

  @Test
  @DisplayName("describes partitioned exports: the paths, the typed request body, and schemas a real manifest and a real 410 satisfy")
  void exports() {
    String token = jwt.token("alice", new JsonObject().put("tenant_id", 1), "pii-reader", "analyst");
    JsonObject document = document(token);
    JsonObject paths = document.getJsonObject("paths");
    for (Object entry : new JsonObject(get("/v1/datasets", token).body()).getJsonArray("datasets")) {
      String name = ((JsonObject) entry).getString("name");
      JsonObject post = paths.getJsonObject("/v1/datasets/" + name + "/exports").getJsonObject("post");
      assertThat(post.getJsonObject("responses").getJsonObject("201").getJsonObject("content").getJsonObject("application/json")
          .getJsonObject("schema")).as(name).isEqualTo(new JsonObject().put("$ref", "#/components/schemas/ExportManifest"));
      assertThat(post.getJsonObject("responses").fieldNames()).contains("400", "403", "404");
    }
    assertThat(document(jwt.token("bob", "analyst")).getJsonObject("paths").fieldNames()).as("only what the caller may read")
        .contains("/v1/datasets/transactions/exports").doesNotContain("/v1/datasets/transactions_raw/exports");
    JsonObject export = paths.getJsonObject("/v1/exports/{id}");
    assertThat(export.getJsonObject("get").getJsonObject("responses").fieldNames()).contains("200", "404", "410");
    assertThat(export.getJsonObject("delete").getJsonObject("responses").fieldNames()).contains("204", "404");
    JsonObject partition = paths.getJsonObject("/v1/exports/{id}/partitions/{index}/rows").getJsonObject("get");
    assertThat(partition.getJsonObject("responses").getJsonObject("200").getJsonObject("content").fieldNames())
        .containsExactlyInAnyOrderElementsOf(OutputFormats.ALL.stream().map(f -> f.mediaTypes().get(0)).toList());
    assertThat(partition.getJsonObject("responses").fieldNames()).contains("404", "410");

    // the request body: partitions 1..64, the dataset's own parameters typed, the claim-bound one left out
    JsonObject body = paths.getJsonObject("/v1/datasets/typed_params/exports").getJsonObject("post").getJsonObject("requestBody")
        .getJsonObject("content").getJsonObject("application/json").getJsonObject("schema");
    JsonObject params = body.getJsonObject("properties").getJsonObject("params");
    assertThat(params.getJsonObject("properties").fieldNames()).containsExactlyInAnyOrder("colour", "ratio", "on", "since", "day");
    assertThat(params.getJsonArray("required")).containsExactly("ratio");
    assertThat(params.getJsonObject("properties").getJsonObject("colour").getJsonArray("enum")).containsExactly("red", "blue");
    assertThat(body.getJsonObject("properties").getJsonObject("partitions").getInteger("maximum")).isEqualTo(64);
    assertThat(validateSchema(document, body, new JsonObject().put("partitions", 2).put("params", new JsonObject().put("ratio", 1.5)
        .put("on", true).put("day", "2024-01-31"))).getValid()).isTrue();
    assertThat(validateSchema(document, body, new JsonObject().put("partitions", 2).put("params", new JsonObject().put("ratio", "1.5")))
        .getValid()).as("a value as text, as the server accepts it").isTrue();
    assertThat(validateSchema(document, body, new JsonObject().put("partitions", 65).put("params", new JsonObject().put("ratio", 1)))
        .getValid()).isFalse();
    assertThat(validateSchema(document, body, new JsonObject().put("params", new JsonObject().put("ratio", 1).put("tenant", 2)))
        .getValid()).as("a claim-bound parameter is not the request's").isFalse();
    assertThat(validateSchema(document, body, new JsonObject().put("params", new JsonObject().put("ratio", 99))).getValid()).isFalse();

    // real manifests (one split, one with a note) and a real 410 satisfy the schemas
    io.sluice.support.ExportClient client = new io.sluice.support.ExportClient(port, token);
    for (String[] request : List.of(new String[] {"transactions", "{\"partitions\": 2, \"params\": {\"currency\": \"EUR\"}}"},
        new String[] {"typed_params", "{\"partitions\": 2, \"params\": {\"ratio\": 1}}"})) {
      HttpResponse<String> created = client.create(request[0], request[1]);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      JsonObject manifest = new JsonObject(created.body());
      assertThat(validate(document, "ExportManifest", manifest).getValid()).as(created.body()).isTrue();
      String path = "/v1/exports/" + manifest.getString("id");
      assertThat(validate(document, "ExportManifest", new JsonObject(client.get(path).body())).getValid()).isTrue();
      assertThat(client.delete(path).statusCode()).isEqualTo(204);
      HttpResponse<String> gone = client.get(path);
      assertThat(gone.statusCode()).isEqualTo(410);
      assertThat(new JsonObject(gone.body()).getJsonObject("error").getString("code")).isEqualTo("export-expired");
      assertThat(validate(document, "ErrorBody", new JsonObject(gone.body())).getValid()).as(gone.body()).isTrue();
      HttpResponse<String> goneRows = client.get(manifest.getJsonArray("partitions").getJsonObject(0).getString("url"));
      assertThat(goneRows.statusCode()).isEqualTo(410);
      assertThat(validate(document, "ErrorBody", new JsonObject(goneRows.body())).getValid()).isTrue();
    }
    HttpResponse<String> unknown = client.get("/v1/exports/no-such-export");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(validate(document, "ErrorBody", new JsonObject(unknown.body())).getValid()).isTrue();
    JsonObject broken = new JsonObject(client.create("transactions", "{\"partitions\": 1}").body());
    client.delete("/v1/exports/" + broken.getString("id"));
    broken.getJsonArray("partitions").getJsonObject(0).remove("url");
    assertThat(validate(document, "ExportManifest", broken).getValid()).as("the schema is checked: a partition needs its url").isFalse();
  }

  @Test
  @DisplayName("describes following only where a dataset declares it, with its availability, and schemas real follow records satisfy")
  void follow() throws Exception {
    String token = jwt.token("alice", new JsonObject().put("tenant_id", 1), "pii-reader", "analyst");
    JsonObject plain = document(token);
    int declared = 0;
    for (Object entry : new JsonObject(get("/v1/datasets", token).body()).getJsonArray("datasets")) {
      JsonObject dataset = (JsonObject) entry;
      JsonObject item = plain.getJsonObject("paths").getJsonObject(dataset.getString("rows"));
      JsonObject follow = byName(item.getJsonArray("parameters")).get("follow");
      // the catalogue shows follow for every dataset; one that does not declare it says so as its reason
      if (!dataset.getJsonObject("follow").equals(FollowStatus.NOT_DECLARED.toJson())) {
        declared++;
        assertThat(follow).as(dataset.getString("name") + " declares follow").isNotNull();
        assertThat(follow.getJsonObject("x-sluice-follow")).as("what the catalogue says").isEqualTo(dataset.getJsonObject("follow"));
        assertThat(item.getJsonObject("get").getJsonObject("responses").fieldNames()).contains("409");
      } else {
        assertThat(follow).as(dataset.getString("name") + " does not declare follow").isNull();
        assertThat(item.getJsonObject("get").getJsonObject("responses").fieldNames()).doesNotContain("409");
      }
    }
    assertThat(declared).as("the demo's transactions declares follow: true").isPositive();
    // a Vert.x of its own: two Sluices in one would share their event-bus addresses
    Vertx own = Vertx.vertx();
    try (LogicalPostgres postgres = LogicalPostgres.start()) {
      postgres.execute("CREATE TABLE follow_items (id bigint PRIMARY KEY, status text NOT NULL, amount numeric(12,2));"
          + " ALTER TABLE follow_items REPLICA IDENTITY FULL;"
          + " INSERT INTO follow_items SELECT n, 'open', n * 1.25 FROM generate_series(1, 5) AS n;"
          + " CREATE TABLE unfollowable (id bigint PRIMARY KEY, kind text)");
      JsonObject json = TestSluice.config(own, config -> {
        config.put("database", config.getJsonObject("database").copy().put("url", postgres.url()));
        config.put("follow", new JsonObject().put("slot", FOLLOW_SLOT).put("publication", FOLLOW_SLOT).put("heartbeatMs", 200));
        config.put("datasets", new JsonArray()
            .add(new JsonObject().put("name", "items").put("orderBy", new JsonArray().add("id")).put("follow", true)
                .put("sql", "SELECT id, status, amount FROM follow_items"))
            .add(new JsonObject().put("name", "unfollowed").put("orderBy", new JsonArray().add("id"))
                .put("sql", "SELECT id, status, amount FROM follow_items"))
            .add(new JsonObject().put("name", "keyless").put("orderBy", new JsonArray().add("id")).put("follow", true)
                .put("sql", "SELECT id FROM unfollowable WHERE kind = 'k'")));
      }).await(30, TimeUnit.SECONDS);
      Sluice following = Sluice.start(own, SluiceConfig.from(json), new SluiceMetrics()).await(60, TimeUnit.SECONDS);
      int followPort = json.getJsonObject("http").getInteger("port");
      try {
        HttpResponse<String> response = Http.get(followPort, "/v1/openapi.json");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonObject document = new JsonObject(response.body());
        OutputUnit result = validate(document);
        assertThat(result.getValid()).as(String.valueOf(result.getErrors())).isTrue();
        JsonObject paths = document.getJsonObject("paths");
        JsonObject items = byName(paths.getJsonObject("/v1/datasets/items/rows").getJsonArray("parameters")).get("follow");
        assertThat(items).as("a followable dataset has the follow parameter").isNotNull();
        assertThat(items.getJsonObject("schema").getString("type")).isEqualTo("boolean");
        assertThat(items.getJsonObject("x-sluice-follow")).isEqualTo(new JsonObject().put("available", true));
        JsonObject keyless = byName(paths.getJsonObject("/v1/datasets/keyless/rows").getJsonArray("parameters")).get("follow");
        assertThat(keyless.getJsonObject("x-sluice-follow").getBoolean("available")).isFalse();
        assertThat(keyless.getJsonObject("x-sluice-follow").getString("reason")).contains("REPLICA IDENTITY FULL");
        assertThat(keyless.getString("description")).contains("409").contains("REPLICA IDENTITY FULL");
        JsonObject catalogued = new JsonObject(Http.get(followPort, "/v1/datasets").body()).getJsonArray("datasets").stream()
            .map(JsonObject.class::cast).filter(d -> d.getString("name").equals("keyless")).findFirst().orElseThrow();
        assertThat(keyless.getJsonObject("x-sluice-follow")).as("what the catalogue says").isEqualTo(catalogued.getJsonObject("follow"));
        assertThat(byName(paths.getJsonObject("/v1/datasets/unfollowed/rows").getJsonArray("parameters"))).doesNotContainKey("follow");
        for (String name : List.of("items", "keyless")) {
          assertThat(paths.getJsonObject("/v1/datasets/" + name + "/rows").getJsonObject("get").getJsonObject("responses").fieldNames())
              .contains("200", "400", "409");
        }
        assertThat(paths.getJsonObject("/v1/datasets/unfollowed/rows").getJsonObject("get").getJsonObject("responses").fieldNames())
            .doesNotContain("409");

        // real records: the snapshot, live, an insert, an update and a delete, each valid against the NDJSON body's schema
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpResponse<java.io.InputStream> stream = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + followPort + "/v1/datasets/items/rows?follow=true")).build(),
            HttpResponse.BodyHandlers.ofInputStream());
        if (stream.statusCode() != 200) {
          throw new AssertionError(stream.statusCode() + ": " + new String(stream.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        Thread reader = new Thread(() -> {
          try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            in.lines().filter(l -> !l.isBlank()).forEach(lines::add);
          } catch (Exception closed) {
            // the test closes the stream
          }
        });
        reader.setDaemon(true);
        reader.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.contains("\"live\"")));
        postgres.execute("INSERT INTO follow_items VALUES (9, 'open', 9.99); UPDATE follow_items SET amount = 0.5 WHERE id = 2;"
            + " DELETE FROM follow_items WHERE id = 3");
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.contains("\"op\":\"delete\"")));
        stream.body().close();
        JsonObject ndjson = paths.getJsonObject("/v1/datasets/items/rows").getJsonObject("get").getJsonObject("responses")
            .getJsonObject("200").getJsonObject("content").getJsonObject("application/x-ndjson").getJsonObject("schema");
        Map<String, Integer> kinds = new HashMap<>();
        for (String line : lines) {
          JsonObject record = new JsonObject(line);
          JsonObject meta = record.getJsonObject("_sluice");
          String kind = meta == null ? "row" : meta.getString("op", meta.getString("status"));
          kinds.merge(kind, 1, Integer::sum);
          String schema = meta == null ? "items.row" : meta.containsKey("op") ? "items.change" : "FollowStatus";
          assertThat(validate(document, schema, record).getValid()).as(schema + ": " + line).isTrue();
          assertThat(validateSchema(document, ndjson, record).getValid()).as("the body's schema: " + line).isTrue();
        }
        assertThat(kinds).containsEntry("row", 5).containsEntry("insert", 1).containsEntry("update", 1).containsEntry("delete", 1)
            .containsKey("live");
        HttpResponse<String> refetch = Http.get(followPort, "/v1/datasets/items/rows?follow=true&after=1");
        assertThat(refetch.body().strip()).isEqualTo("{\"_sluice\":{\"status\":\"must-refetch\"}}");
        assertThat(validate(document, "FollowStatus", new JsonObject(refetch.body())).getValid()).isTrue();
        HttpResponse<String> unavailable = Http.get(followPort, "/v1/datasets/keyless/rows?follow=true");
        assertThat(unavailable.statusCode()).isEqualTo(409);
        assertThat(new JsonObject(unavailable.body()).getJsonObject("error").getString("code")).isEqualTo("follow-unavailable");
        assertThat(validate(document, "ErrorBody", new JsonObject(unavailable.body())).getValid()).isTrue();
        HttpResponse<String> csv = Http.get(followPort, "/v1/datasets/items/rows?follow=true&format=csv");
        assertThat(csv.statusCode()).isEqualTo(400);
        assertThat(validate(document, "ErrorBody", new JsonObject(csv.body())).getValid()).isTrue();

        // the schemas are checked: an unknown op, a live record without its position, a change without its row
        String change = lines.stream().filter(l -> l.contains("\"op\":\"insert\"")).findFirst().orElseThrow();
        JsonObject upsert = new JsonObject(change);
        upsert.getJsonObject("_sluice").put("op", "upsert");
        assertThat(validateSchema(document, ndjson, upsert).getValid()).isFalse();
        assertThat(validate(document, "FollowStatus", new JsonObject().put("_sluice", new JsonObject().put("status", "live"))).getValid())
            .isFalse();
        JsonObject rowless = new JsonObject(change);
        rowless.remove("row");
        assertThat(validate(document, "items.change", rowless).getValid()).isFalse();
        JsonObject badRow = new JsonObject(change);
        badRow.getJsonObject("row").put("amount", true);
        assertThat(validate(document, "items.change", badRow).getValid()).as("the row is the dataset's row").isFalse();
      } finally {
        following.stop().await(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> !slotActive(postgres));
      }
    } finally {
      own.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static boolean slotActive(LogicalPostgres postgres) throws Exception {
    try (java.sql.Connection c = postgres.connect(); java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rows = s.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '" + FOLLOW_SLOT + "'")) {
      return rows.next() && rows.getBoolean(1);
    }
  }

  /** Validates {@code instance} against {@code schema}, whose refs point into the document's component schemas. */
  private static OutputUnit validateSchema(JsonObject document, JsonObject schema, JsonObject instance) {
    String schemas = document.getJsonObject("components").getJsonObject("schemas").encode().replace("#/components/schemas/", "#/$defs/");
    JsonObject withDefs = new JsonObject(schema.encode().replace("#/components/schemas/", "#/$defs/")).put("$defs", new JsonObject(schemas));
    return Validator.create(JsonSchema.of(withDefs), new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("https://sluice.test/")
        .setOutputFormat(io.vertx.json.schema.OutputFormat.Basic)).validate(instance);
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
