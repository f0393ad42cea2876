package io.sluice.changes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.DatabaseConfig;
import io.sluice.config.FollowConfig;
import io.sluice.support.LogicalPostgres;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The change feed reads committed transactions from the slot")
class ChangeFeedIT {

  private static LogicalPostgres postgres;
  private static Vertx vertx;

  @BeforeAll
  static void startDatabase() {
    postgres = LogicalPostgres.start();
    postgres.execute("CREATE TABLE feed_items (id bigint PRIMARY KEY, status text, body text);"
        + " ALTER TABLE feed_items REPLICA IDENTITY FULL; ALTER TABLE feed_items ALTER COLUMN body SET STORAGE EXTERNAL;"
        + " CREATE TABLE feed_other (id bigint PRIMARY KEY)");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    postgres.close();
  }

  private static ChangeFeed start(String slot) throws Exception {
    return start(slot, java.nio.file.Files.createTempDirectory("feed-it"));
  }

  private static ChangeFeed start(String slot, java.nio.file.Path logDir) throws Exception {
    FollowConfig config = FollowConfig.defaults().withSlot(slot, slot + "_pub").withLog(logDir, 1 << 20);
    return ChangeFeed.start(vertx, DatabaseConfig.of(postgres.url(), "feed-it"), config, List.of("public.feed_items"))
        .await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("inserts, updates (TOASTed value unchanged), deletes and a multi-row transaction arrive whole, in commit order")
  void decodesTransactions() throws Exception {
    ChangeFeed feed = start("feed_decode");
    try {
      String big = "x".repeat(100_000);
      postgres.execute("INSERT INTO feed_items VALUES (1, 'open', '" + big + "')");
      postgres.execute("UPDATE feed_items SET status = 'closed' WHERE id = 1");
      postgres.execute("INSERT INTO feed_other VALUES (1)");
      postgres.execute("BEGIN; INSERT INTO feed_items VALUES (2, 'open', 'b'); INSERT INTO feed_items VALUES (3, 'open', 'c');"
          + " DELETE FROM feed_items WHERE id = 1; COMMIT");
      await().atMost(Duration.ofSeconds(10)).until(() -> feed.log().size() == 3);
      List<Transaction> log = feed.log().all().transactions();
      assertThat(log.get(0).changes()).singleElement().satisfies(c -> {
        assertThat(c.kind()).isEqualTo(RowChange.Kind.INSERT);
        assertThat(c.relation().qualifiedName()).isEqualTo("public.feed_items");
        assertThat(c.newValues()).containsExactly("1", "open", big);
      });
      assertThat(log.get(1).changes()).singleElement().satisfies(c -> {
        assertThat(c.kind()).isEqualTo(RowChange.Kind.UPDATE);
        assertThat(c.newValues()).containsExactly("1", "closed", big);
        assertThat(c.oldValues()).containsExactly("1", "open", big);
      });
      assertThat(log.get(2).changes()).extracting(RowChange::kind)
          .containsExactly(RowChange.Kind.INSERT, RowChange.Kind.INSERT, RowChange.Kind.DELETE);
      assertThat(log.get(2).changes().get(2).oldValues()).containsExactly("1", "closed", big);
      assertThat(log.get(0).commitLsn()).isLessThan(log.get(1).commitLsn());
      assertThat(log.get(1).commitLsn()).isLessThan(log.get(2).commitLsn());
    } finally {
      feed.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("an idle database still moves the slot on (heartbeats), and a stopped feed leaves its slot inactive, not dropped")
  void heartbeatsAndRelease() throws Exception {
    ChangeFeed feed = start("feed_beat");
    long first = feed.log().passed();
    postgres.execute("INSERT INTO feed_other VALUES (100)"); // WAL the publication does not carry
    await().atMost(Duration.ofSeconds(10)).until(() -> feed.log().passed() > first);
    await().atMost(Duration.ofSeconds(10)).until(() -> confirmed("feed_beat") > first);
    await().atMost(Duration.ofSeconds(10)).until(() -> feed.lagBytes() >= 0);
    assertThat(active("feed_beat")).isTrue();
    feed.close().await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> !active("feed_beat"));
    assertThat(confirmed("feed_beat")).isPositive();
  }

  @Test
  @DisplayName("the slot is confirmed no further than the log holds on disk; a restarted feed reloads the log and goes on without a repeat or a gap")
  void durableAcrossRestart() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("feed-it");
    ChangeFeed feed = start("feed_durable", dir);
    long first = feed.log().start();
    for (int n = 0; n < 40; n++) {
      postgres.execute("INSERT INTO feed_items VALUES (" + (1000 + n) + ", 'open', 'd')");
      long confirmed = confirmed("feed_durable");
      assertThat(confirmed).isLessThanOrEqualTo(feed.log().durable() + 1);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> feed.log().size() == 40);
    await().atMost(Duration.ofSeconds(10)).until(() -> confirmed("feed_durable") > feed.log().all().transactions().get(39).commitLsn());
    assertThat(confirmed("feed_durable")).isLessThanOrEqualTo(feed.log().durable() + 1);
    postgres.execute("INSERT INTO feed_items VALUES (1040, 'open', 'd')");
    await().atMost(Duration.ofSeconds(10)).until(() -> feed.log().size() == 41);
    feed.close().await(10, TimeUnit.SECONDS);
    long confirmedAtStop = confirmed("feed_durable");
    try (RetainedLog reloaded = RetainedLog.open(10, dir.resolve("feed_durable"), 1 << 20, confirmedAtStop, source())) {
      assertThat(reloaded.passed()).isGreaterThanOrEqualTo(confirmedAtStop - 1);
      assertThat(reloaded.from(first)).hasSize(41);
    }
    postgres.execute("INSERT INTO feed_items VALUES (2000, 'open', 'e')"); // while no feed reads the slot
    postgres.execute("INSERT INTO feed_items VALUES (2001, 'open', 'e')");
    ChangeFeed again = start("feed_durable", dir);
    try {
      assertThat(again.log().start()).isEqualTo(first);
      await().atMost(Duration.ofSeconds(10)).until(() -> again.log().size() == 2);
      List<Transaction> all = again.log().from(first);
      assertThat(all).hasSize(43);
      for (int i = 1; i < all.size(); i++) {
        assertThat(all.get(i).commitLsn()).isGreaterThan(all.get(i - 1).commitLsn());
      }
      assertThat(all).extracting(t -> t.changes().get(0).newValues()[0])
          .containsExactlyElementsOf(java.util.stream.Stream.concat(java.util.stream.IntStream.range(1000, 1041).mapToObj(String::valueOf),
              java.util.stream.Stream.of("2000", "2001")).toList());
    } finally {
      again.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static String source() throws Exception {
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
      rows.next();
      return rows.getString(1) + "/feed_durable";
    }
  }

  private static long confirmed(String slot) throws Exception {
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
      return rows.next() ? Lsn.parse(rows.getString(1)) : -1;
    }
  }

  private static boolean active(String slot) throws Exception {
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
      return rows.next() && rows.getBoolean(1);
    }
  }
}
