package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.SluiceConfig;
import io.sluice.support.ChangeWriters;
import io.sluice.support.Http;
import io.sluice.support.LogicalPostgres;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Following across a Sluice restart, on a table with {@code REPLICA IDENTITY DEFAULT} (the key
 * columns only in an update's or delete's old row): a follower cut before the restart resumes
 * after it with its token, and sees every change once, in order: every update adds one to its
 * row's {@code qty}, so a repeated or missing change shows as a jump in a row's sequence.
 */
@DisplayName("Following across a Sluice restart, on a table with REPLICA IDENTITY DEFAULT")
class FollowRestartIT {

  private static final String SLOT = "sluice_follow_restart_it";
  private static final int SEEDED = 400;
  private static LogicalPostgres postgres;
  private static Vertx vertx;
  private static JsonObject json;
  private static int port;
  private static final AtomicLong nextId = new AtomicLong(SEEDED + 1);

  @BeforeAll
  static void start() throws Exception {
    postgres = LogicalPostgres.start();
    postgres.execute("CREATE TABLE counted (id bigint PRIMARY KEY, grp int NOT NULL, qty int NOT NULL);"
        + " INSERT INTO counted SELECT n, n % 5, 0 FROM generate_series(1, " + SEEDED + ") AS n;"
        + " CREATE TABLE noted (id bigint PRIMARY KEY, note text)");
    vertx = Vertx.vertx();
    String logDir = Files.createTempDirectory("follow-restart-it").toString();
    json = TestSluice.config(vertx, config -> {
      config.put("database", config.getJsonObject("database").copy().put("url", postgres.url()));
      config.put("follow", new JsonObject().put("slot", SLOT).put("publication", SLOT).put("heartbeatMs", 200)
          .put("retainedTransactions", 20).put("logDir", logDir));
      config.put("datasets", new JsonArray()
          .add(dataset("counted", "SELECT id, grp, qty FROM counted WHERE id % 4 <> 0 AND ($1::bigint IS NULL OR id >= $1)", true))
          .add(dataset("by_group", "SELECT id, grp, qty FROM counted WHERE ($1::int IS NULL OR grp = $1)", true))
          .add(dataset("noted", "SELECT id, note FROM noted", false)));
    }).await(30, TimeUnit.SECONDS);
    port = json.getJsonObject("http").getInteger("port");
  }

  private static JsonObject dataset(String name, String sql, boolean parameter) {
    JsonObject dataset = new JsonObject().put("name", name).put("orderBy", new JsonArray().add("id")).put("follow", true).put("sql", sql);
    if (parameter) {
      dataset.put("parameters", new JsonArray().add(new JsonObject().put("name", "p").put("type", "integer")));
    }
    return dataset;
  }

  private static Sluice sluice() throws Exception {
    return Sluice.start(vertx, SluiceConfig.from(json), new io.sluice.metrics.SluiceMetrics()).await(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    postgres.close();
  }

  @Test
  @DisplayName("a follower cut before a restart resumes after it: each change once, and its rows equal SELECT; a filter on a non-key column is refused")
  void resumesAcrossRestart() throws Exception {
    Sluice first = sluice();
    Map<Long, List<String>> seen = new HashMap<>();
    Map<Long, JsonObject> state = new HashMap<>();
    String token;
    try (Writers writers = new Writers()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> writers.done.get() > 50);
      token = follow("", state, seen, 150, null);
      assertRefusals();
      first.stop().await(30, TimeUnit.SECONDS);
      long atStop = writers.done.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> writers.done.get() > atStop + 150); // changes while no Sluice reads the slot
      Sluice second = sluice();
      try {
        for (int cut = 0; cut < 3; cut++) {
          token = follow("&resume=" + URLEncoder.encode(token, StandardCharsets.UTF_8), state, seen, 40 + cut * 30, null);
        }
        writers.close();
        long sentinel = nextId.getAndIncrement();
        while (sentinel % 4 == 0) { // the dataset leaves out ids divisible by 4: such a sentinel would never come
          sentinel = nextId.getAndIncrement();
        }
        postgres.execute("INSERT INTO counted VALUES (" + sentinel + ", 1, 0)");
        follow("&resume=" + URLEncoder.encode(token, StandardCharsets.UTF_8), state, seen, 0, sentinel);
      } finally {
        second.stop().await(30, TimeUnit.SECONDS);
      }
    }
    assertThat(state).isEqualTo(select());
    List<String> jumps = new ArrayList<>();
    seen.forEach((id, events) -> {
      for (int i = 1; i < events.size(); i++) {
        String before = events.get(i - 1);
        String after = events.get(i);
        boolean next = after.startsWith("update:") && before.matches("(insert|update|snapshot):\\d+")
            && Integer.parseInt(after.substring(7)) == Integer.parseInt(before.substring(before.indexOf(':') + 1)) + 1;
        if (!next && !after.equals("delete")) {
          jumps.add(id + ": " + events);
        }
        if (before.equals("delete")) {
          jumps.add(id + " after its delete: " + events);
        }
      }
    });
    assertThat(jumps).as("rows whose changes repeat or skip one").isEmpty();
    assertThat(seen.values().stream().filter(e -> e.contains("delete")).count()).isPositive();
  }

  private static void assertRefusals() {
    HttpResponse<String> byGroup = Http.get(port, "/v1/datasets/by_group/rows?follow=true");
    assertThat(byGroup.statusCode()).isEqualTo(409);
    assertThat(byGroup.body()).contains("by_group").contains("[grp]").contains("ALTER TABLE \\\"public\\\".\\\"counted\\\" REPLICA IDENTITY FULL");
    HttpResponse<String> noted = Http.get(port, "/v1/datasets/noted/rows?follow=true");
    assertThat(noted.statusCode()).isEqualTo(409);
    assertThat(noted.body()).contains("[note]").contains("TOAST").contains("ALTER TABLE \\\"public\\\".\\\"noted\\\" REPLICA IDENTITY FULL");
  }

  /**
   * Follows {@code counted} (from its snapshot, or resumed), applying to {@code state} and noting each row's events in
   * {@code seen}; cuts after {@code cut} changes, or reads until {@code until}'s insert; returns the last token.
   */
  private static String follow(String query, Map<Long, JsonObject> state, Map<Long, List<String>> seen, int cut, Long until) throws Exception {
    HttpResponse<InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/v1/datasets/counted/rows?follow=true" + query)).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    String token = null;
    int changes = 0;
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isBlank()) {
          continue; // a heartbeat: an idle stream's empty line
        }
        JsonObject record = new JsonObject(line);
        JsonObject meta = record.getJsonObject("_sluice");
        if (meta == null) {
          state.put(record.getLong("id"), record);
          seen.computeIfAbsent(record.getLong("id"), id -> new ArrayList<>()).add("snapshot:" + record.getInteger("qty"));
          continue;
        }
        assertThat(meta.getString("status")).as(line).isNotEqualTo("must-refetch");
        if (meta.containsKey("status")) {
          continue;
        }
        JsonObject row = record.getJsonObject("row");
        long id = row.getLong("id");
        String op = meta.getString("op");
        if (op.equals("delete")) {
          state.remove(id);
          seen.computeIfAbsent(id, k -> new ArrayList<>()).add("delete");
        } else {
          state.put(id, row);
          seen.computeIfAbsent(id, k -> new ArrayList<>()).add(op + ":" + row.getInteger("qty"));
        }
        token = meta.getString("resume");
        changes++;
        if ((cut > 0 && changes >= cut) || (until != null && id == until)) {
          response.body().close();
          return token;
        }
      }
    }
    throw new AssertionError("the stream ended after " + changes + " changes");
  }

  private static Map<Long, JsonObject> select() throws Exception {
    Map<Long, JsonObject> rows = new HashMap<>();
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT id, grp, qty FROM counted WHERE id % 4 <> 0")) {
      while (r.next()) {
        rows.put(r.getLong(1), new JsonObject().put("id", r.getLong(1)).put("grp", r.getInt(2)).put("qty", r.getInt(3)));
      }
    }
    return rows;
  }

  /** Inserts (qty 0), adds one to a row's qty, deletes, alone or a few in one transaction. */
  private static final class Writers extends ChangeWriters {

    Writers() {
      super(postgres::connect, 22);
      start();
    }

    @Override
    protected String change(Random random) {
      long id = 1 + random.nextInt((int) nextId.get());
      return switch (random.nextInt(8)) {
        case 0 -> "INSERT INTO counted VALUES (" + nextId.getAndIncrement() + ", " + random.nextInt(5) + ", 0)";
        case 1 -> "DELETE FROM counted WHERE id = " + id;
        default -> "UPDATE counted SET qty = qty + 1 WHERE id = " + id;
      };
    }
  }
}
