package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.changes.SlotRetention;
import io.sluice.support.LogicalPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The start-up warning about a follow slot that may keep WAL without bound, against a real server's setting. */
@DisplayName("max_slot_wal_keep_size at start-up")
class SlotRetentionIT {

  private static LogicalPostgres postgres;
  private static Vertx vertx;
  private static Pool pool;

  @BeforeAll
  static void start() {
    postgres = LogicalPostgres.start();
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(postgres.url())).using(vertx).build();
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close().await(5, TimeUnit.SECONDS);
    vertx.close().await(5, TimeUnit.SECONDS);
    postgres.close();
  }

  @Test
  @DisplayName("unbounded (-1, the default): a warning naming the setting and the ALTER SYSTEM to run; bounded: none")
  void warnsOnlyWhenUnbounded() throws Exception {
    postgres.execute("ALTER SYSTEM RESET max_slot_wal_keep_size; SELECT pg_reload_conf()");
    String warning = SlotRetention.check(pool).await(10, TimeUnit.SECONDS);
    assertThat(warning).contains("max_slot_wal_keep_size is -1").contains("ALTER SYSTEM SET max_slot_wal_keep_size");

    postgres.execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1GB'; SELECT pg_reload_conf()");
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> SlotRetention.check(pool).await(10, TimeUnit.SECONDS) == null);
  }
}
