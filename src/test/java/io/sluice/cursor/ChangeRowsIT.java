package io.sluice.cursor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.changes.Relation;
import io.sluice.changes.RowChange;
import io.sluice.changes.Transaction;
import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.DatasetDefinition;
import io.sluice.dataset.FollowStatus;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.support.TestDatabase;
import io.sluice.transform.TransformContext;
import io.sluice.transform.TransformRegistry;
import io.sluice.value.ChangeKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A group's changes asked for by many followers at scattered positions at once: one statement at
 * a time runs for the group, taking every transaction asked for meanwhile, so they fit on a pool
 * of one connection whose queue holds one waiter (the service's pool of short queries has two).
 */
@DisplayName("ChangeRows: followers at scattered positions share one statement at a time")
class ChangeRowsIT {

  private static final String TABLE = "change_rows_it";
  private static Vertx vertx;
  private static Pool pool;
  private static Dataset dataset;

  @BeforeAll
  static void start() throws Exception {
    String url = TestDatabase.url();
    try (Connection connection = TestDatabase.jdbc(url); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id bigint PRIMARY KEY, status text NOT NULL)");
    }
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setMaxWaitQueueSize(1)).connectingTo(PgConnectOptions.fromUri(url))
        .using(vertx).build();
    DatasetDefinition definition = DatasetDefinition.from(new JsonObject().put("name", "scattered").put("follow", true)
        .put("orderBy", new JsonArray().add("id"))
        .put("sql", "SELECT id, status FROM " + TABLE + " WHERE status = 'open'"));
    Catalogue catalogue = Catalogue.load(pool, List.of(definition), new TransformRegistry(), new TransformContext(vertx, pool))
        .await(30, TimeUnit.SECONDS);
    dataset = catalogue.require("scattered").withFollow(new FollowStatus(true, null, "public", TABLE));
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("Transactions still waiting for their statement when more than KEPT others were asked for are answered once, to everyone who asked")
  void waitingPastWhatIsKept() throws Exception {
    Relation relation = new Relation(1, "public", TABLE, List.of("id", "status"), new int[] {20, 25});
    int count = ChangeRows.KEPT + 1000;
    List<Transaction> log = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      RowChange insert = new RowChange(relation, RowChange.Kind.INSERT, new String[] {Integer.toString(i), "open"}, null);
      log.add(new Transaction(1000 + i, 1_000_000L + 100L * i, List.of(insert), Set.of()));
    }
    SluiceMetrics metrics = new SluiceMetrics();
    ChangeRows rows = new ChangeRows(pool, metrics, dataset, Tuple.tuple());
    // the pool's one connection is busy: the first statement waits, everything else asked for queues behind it
    io.vertx.sqlclient.SqlConnection busy = pool.getConnection().await(10, TimeUnit.SECONDS);
    List<Future<List<List<ChangeRows.Emitted>>>> asked = new ArrayList<>();
    for (int from = 0; from < count; from += 500) {
      asked.add(rows.of(log.subList(from, Math.min(count, from + 500))));
    }
    // the second run was pushed out of what is kept while it waited; a late follower asks for it again
    asked.add(rows.of(log.subList(500, 1000)));
    busy.close().await(10, TimeUnit.SECONDS);
    Future.join(asked).await(60, TimeUnit.SECONDS);
    for (Future<List<List<ChangeRows.Emitted>>> one : asked) {
      assertThat(one.succeeded()).as("%s", one.cause()).isTrue();
    }
    assertThat(asked.get(1).result()).isEqualTo(asked.get(asked.size() - 1).result());
    assertThat(metrics.followEvaluatedTransactions()).isEqualTo(count);
  }

  @Test
  @DisplayName("20 followers ask for 20 different runs of 10 transactions at once: all answered, each transaction evaluated once")
  void scatteredFollowersShareStatements() throws Exception {
    Relation relation = new Relation(1, "public", TABLE, List.of("id", "status"), new int[] {20, 25});
    List<Transaction> log = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String status = i % 3 == 0 ? "closed" : "open";
      RowChange insert = new RowChange(relation, RowChange.Kind.INSERT, new String[] {Integer.toString(i), status}, null);
      log.add(new Transaction(1000 + i, 10_000L + 100L * i, List.of(insert), Set.of()));
    }
    SluiceMetrics metrics = new SluiceMetrics();
    ChangeRows rows = new ChangeRows(pool, metrics, dataset, Tuple.tuple());
    List<Future<List<List<ChangeRows.Emitted>>>> asked = new ArrayList<>();
    for (int f = 0; f < 20; f++) {
      asked.add(rows.of(log.subList(10 * f, 10 * f + 10)));
    }
    Future.join(asked).await(30, TimeUnit.SECONDS);
    for (int f = 0; f < 20; f++) {
      assertThat(asked.get(f).succeeded()).as("follower %d: %s", f, asked.get(f).cause()).isTrue();
      List<List<ChangeRows.Emitted>> seen = asked.get(f).result();
      for (int t = 0; t < 10; t++) {
        int i = 10 * f + t;
        if (i % 3 == 0) {
          assertThat(seen.get(t)).as("transaction %d is out of the filter", i).isEmpty();
        } else {
          assertThat(seen.get(t)).hasSize(1);
          assertThat(seen.get(t).get(0).op()).isEqualTo(ChangeKey.INSERT);
          assertThat(seen.get(t).get(0).row()[0]).isEqualTo((long) i);
        }
      }
    }
    assertThat(metrics.followEvaluatedTransactions()).isEqualTo(200);
    // the first statement, then one for everything asked while it ran (or a few more on a slow machine)
    assertThat(metrics.followEvaluations()).isLessThan(20);
  }
}
