package io.sluice.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Test tables and the datasets over them that the integration tests add to conf/sluice.yaml. */
public final class Fixtures {

  private Fixtures() {}

  /** One row per tricky value; row 1 holds typical values, row 2 NULLs, rows 3+ edge cases. */
  static final String TYPE_SAMPLES = """
      DROP TABLE IF EXISTS type_samples;
      CREATE TABLE type_samples (
        id int PRIMARY KEY,
        big bigint,
        num numeric,
        dbl float8,
        rl real,
        flag boolean,
        ts timestamptz,
        lts timestamp,
        day date,
        doc jsonb,
        js json,
        bin bytea,
        tags text[],
        nums numeric[],
        ints int[],
        uid uuid,
        txt text,
        dur interval,
        cash money,
        tod time
      );
      INSERT INTO type_samples VALUES
        (1, 9223372036854775807, 12345678901234567890.123456789, 0.1, 1.5, true,
         '2024-02-29 13:45:01.123456+02', '2024-02-29 13:45:01', '2024-02-29',
         '{"a": [1, 2.50, "x"], "b": {"c": null}}', '{"z": 1,  "a": 2}', '\\x00ff10',
         ARRAY['a', 'b,c', NULL], ARRAY[1.10, NULL]::numeric[], ARRAY[1, -2],
         'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'line1' || chr(10) || 'say "hi", ok', '1 day 02:00:00', 1.5, '12:00:00'),
        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, -9223372036854775808, 'NaN', 'NaN', 'NaN', false, 'infinity', 'infinity', 'infinity',
         '"just a string"', '[]', '\\x', ARRAY[]::text[], ARRAY['NaN']::numeric[], ARRAY[]::int[], NULL, '', NULL, NULL, NULL),
        (4, 0, 'Infinity', 'Infinity', 'Infinity', NULL, '-infinity', '-infinity', '-infinity',
         'null', 'null', NULL, NULL, ARRAY['Infinity', '-Infinity']::numeric[], NULL, NULL, 'ünïcødé ✓', NULL, NULL, NULL),
        (5, 1, '-Infinity', '-Infinity', '-Infinity', NULL, '1970-01-01 00:00:00+00', NULL, NULL,
         '1e400', '0.000000000000000000001', NULL, NULL, NULL, NULL, NULL, ' ', NULL, NULL, NULL),
        (6, 2, 0.000000000000000000001, 1e300, 3.4e38, NULL, NULL, NULL, NULL,
         '12345678901234567890.5', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      DROP TABLE IF EXISTS it_labels;
      CREATE TABLE it_labels (code bigint PRIMARY KEY, label text NOT NULL);
      INSERT INTO it_labels VALUES (1, 'one'), (2, 'two');
      """;

  /** Datasets over test data: an integer series, a failing one, a slow one, the type samples. */
  public static JsonArray testDatasets() {
    return new JsonArray()
        .add(new JsonObject()
            .put("name", "series")
            .put("sql", "SELECT g AS n, 'row ' || g AS label FROM generate_series(1, $1::int) AS g")
            .put("orderBy", new JsonArray().add("n"))
            .put("parameters", new JsonArray().add(new JsonObject()
                .put("name", "count").put("type", "integer").put("required", true).put("min", 0).put("max", 5_000_000))))
        .add(new JsonObject()
            .put("name", "failing")
            .put("description", "divides by zero when it reaches id = fail_at")
            .put("sql", "SELECT id, 1 / (id - $1::bigint) AS x FROM transactions")
            .put("orderBy", new JsonArray().add("id"))
            .put("parameters", new JsonArray().add(new JsonObject()
                .put("name", "fail_at").put("type", "integer").put("required", true))))
        .add(new JsonObject()
            .put("name", "slow_start")
            .put("description", "sleeps sleep_ms before its first row can be sorted out")
            .put("sql", "SELECT g AS n, pg_sleep(CASE WHEN g = 1 THEN $1::int / 1000.0 ELSE 0 END)::text AS slept FROM generate_series(1, 100) AS g")
            .put("orderBy", new JsonArray().add("n"))
            .put("parameters", new JsonArray().add(new JsonObject()
                .put("name", "sleep_ms").put("type", "integer").put("required", true).put("min", 0).put("max", 600_000))))
        .add(new JsonObject()
            .put("name", "labelled")
            .put("description", "a lookup refreshed every 100 ms")
            .put("sql", "SELECT g AS n FROM generate_series(1, 3) AS g")
            .put("orderBy", new JsonArray().add("n"))
            .put("transforms", new JsonArray().add(new JsonObject()
                .put("type", "lookup").put("column", "n").put("query", "SELECT code, label FROM it_labels")
                .put("ttlMs", 100).put("as", "label").put("missing", "none"))))
        .add(new JsonObject()
            .put("name", "exploding")
            .put("description", "a user transform that throws at n = fail_at")
            .put("sql", "SELECT g AS n FROM generate_series(1, 1000) AS g")
            .put("orderBy", new JsonArray().add("n"))
            .put("transforms", new JsonArray().add(new JsonObject().put("type", "fail_on").put("column", "n").put("value", 250))))
        .add(new JsonObject()
            .put("name", "exploding_error")
            .put("description", "a user transform that throws an Error (not an exception) at n = 250")
            .put("sql", "SELECT g AS n FROM generate_series(1, 1000) AS g")
            .put("orderBy", new JsonArray().add("n"))
            .put("transforms", new JsonArray().add(new JsonObject().put("type", "fail_on").put("column", "n").put("value", 250).put("error", true))))
        .add(new JsonObject()
            .put("name", "json_lines")
            .put("description", "json (not jsonb) keeps its line breaks")
            .put("sql", "SELECT 1 AS id, E'{\\n  \"a\": 1,\\r\\n  \"b\": [1,\\n 2],\\n  \"s\": \"x\\\\ny\"\\n}'::json AS doc, E'[\\n1]'::jsonb AS b")
            .put("orderBy", new JsonArray().add("id")))
        .add(new JsonObject()
            .put("name", "formulas")
            .put("description", "text a spreadsheet would run, beside numbers that look alike")
            .put("sql", "SELECT 1 AS id, '=HYPERLINK(\"http://x\")' AS t, '@SUM(1)' AS at, -5::numeric AS n, 'NaN'::numeric AS nan, '-Infinity'::float8 AS inf")
            .put("orderBy", new JsonArray().add("id")))
        .add(new JsonObject()
            .put("name", "wide_rows")
            .put("description", "rows of about 50 KB each")
            .put("sql", "SELECT g AS n, repeat(md5(g::text), 1563) AS pad FROM generate_series(1, $1::int) AS g")
            .put("orderBy", new JsonArray().add("n"))
            .put("parameters", new JsonArray().add(new JsonObject()
                .put("name", "count").put("type", "integer").put("required", true).put("min", 0).put("max", 100_000))))
        .add(new JsonObject()
            .put("name", "sleepy")
            .put("description", "sleeps sleep_ms in its first fetch, with a statement timeout of 300 ms")
            .put("sql", "SELECT 1 AS n, pg_sleep($1::int / 1000.0)::text AS slept")
            .put("orderBy", new JsonArray().add("n"))
            .put("statementTimeoutMs", 300)
            .put("parameters", new JsonArray().add(new JsonObject()
                .put("name", "sleep_ms").put("type", "integer").put("required", true).put("min", 0).put("max", 600_000))))
        .add(new JsonObject()
            .put("name", "types")
            .put("sql", "SELECT * FROM type_samples")
            .put("orderBy", new JsonArray().add("id")));
  }
}
