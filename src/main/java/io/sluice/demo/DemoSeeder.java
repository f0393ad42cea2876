package io.sluice.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and fills the demo tables ({@code merchants} and {@code transactions}) in the
 * database's default schema. Idempotent: a table that already holds the asked-for rows is
 * left as it is. Values are derived from the row number, so every seed is the same.
 */
public final class DemoSeeder {

  private static final Logger LOG = LoggerFactory.getLogger(DemoSeeder.class);

  static final int MERCHANTS = 200;

  private static final String CREATE_MERCHANTS = """
      CREATE TABLE IF NOT EXISTS merchants (
        code text PRIMARY KEY,
        name text NOT NULL,
        country char(2) NOT NULL
      )""";

  private static final String CREATE_TRANSACTIONS = """
      CREATE TABLE IF NOT EXISTS transactions (
        id bigint PRIMARY KEY,
        account_id bigint NOT NULL,
        amount numeric(12,2) NOT NULL,
        currency char(3) NOT NULL,
        merchant text,
        category text,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        description text,
        tags jsonb
      )""";

  private static final String FILL_MERCHANTS = """
      INSERT INTO merchants (code, name, country)
      SELECT 'm' || lpad(i::text, 4, '0'),
             (ARRAY['Corner','Blue','Golden','Urban','Nordic','Sunny','Prime','Green'])[1 + i % 8] || ' '
               || (ARRAY['Grocer','Airways','Bistro','Power','Electronics','Pharmacy','Books','Garage'])[1 + (i / 8) % 8]
               || ' #' || i,
             (ARRAY['DE','FR','GB','US','JP','CH'])[1 + i % 6]
      FROM generate_series(0, $1 - 1) AS i
      ON CONFLICT (code) DO NOTHING""";

  private static final String FILL_TRANSACTIONS = """
      INSERT INTO transactions
      SELECT i,
             1 + (i * 7919) % 5000,
             ((i * 104729) % 1000000) / 100.0,
             (ARRAY['EUR','USD','GBP','JPY','CHF'])[1 + i % 5],
             CASE WHEN i % 101 = 0 THEN NULL ELSE 'm' || lpad(((i * 31) % $2)::text, 4, '0') END,
             (ARRAY['groceries','travel','dining','utilities','electronics','health'])[1 + (i * 13) % 6],
             (ARRAY['settled','settled','settled','pending','declined'])[1 + (i * 17) % 5],
             timestamptz '2024-01-01 00:00:00+00' + i * interval '31 seconds',
             CASE WHEN i % 97 = 0 THEN 'Refund "partial", see note' || chr(10) || 'card 4000 1234 5678 ' || lpad((i % 10000)::text, 4, '0')
                  WHEN i % 89 = 0 THEN ''
                  ELSE 'Card payment, card 4000 1234 5678 ' || lpad((i % 10000)::text, 4, '0') END,
             jsonb_build_object('risk', round(((i * 7) % 100) / 100.0, 2),
                                'channel', (ARRAY['web','pos','app'])[1 + i % 3],
                                'labels', CASE WHEN i % 10 = 0 THEN jsonb_build_array('review', 'new-merchant') ELSE '[]'::jsonb END)
      FROM generate_series(1::bigint, $1::bigint) AS i""";

  private DemoSeeder() {}

  /** Empties and fills the table in one transaction: a failed seed leaves the old rows. */
  private static Future<Void> refill(SqlConnection conn, long rows) {
    return conn.begin().compose(tx -> conn.query("TRUNCATE transactions").execute()
        .compose(v -> conn.preparedQuery(FILL_TRANSACTIONS).execute(Tuple.of(rows, MERCHANTS)))
        .compose(v -> tx.commit())
        .recover(err -> tx.rollback().transform(ignored -> Future.<Void>failedFuture(err))));
  }

  /**
   * Writes to the demo's transactions about {@code perSecond} times a second, so that a follower
   * ({@code follow=true}) sees changes arrive: status changes (into and out of a {@code status}
   * filter), amount changes, new transactions, and deletes of the new ones. Returns the timer.
   */
  public static long writeContinuously(Vertx vertx, Pool pool, int perSecond, long rows) {
    int perTick = Math.max(1, perSecond / 10);
    LOG.info("demo: writing {} changes a second to transactions (SLUICE_DEMO_WRITES_PER_SECOND)", perTick * 10);
    return vertx.setPeriodic(100, id -> {
      Future<Void> written = Future.succeededFuture();
      for (int i = 0; i < perTick; i++) { // one after the other: two inserts at once would take the same id
        String write = WRITES[ThreadLocalRandom.current().nextInt(WRITES.length)].replace("$rows", Long.toString(rows));
        written = written.compose(v -> pool.query(write).execute().mapEmpty());
      }
      written.onFailure(err -> LOG.info("demo: a write failed: {}", err.getMessage()));
    });
  }

  private static final String[] WRITES = {
      "UPDATE transactions SET status = (ARRAY['settled','pending','declined'])[1 + floor(random() * 3)::int]"
          + " WHERE id = 1 + floor(random() * $rows)::bigint",
      "UPDATE transactions SET amount = round((random() * 1000)::numeric, 2) WHERE id = 1 + floor(random() * $rows)::bigint",
      "INSERT INTO transactions SELECT coalesce(max(id), 0) + 1, 1, round((random() * 100)::numeric, 2), 'EUR', NULL, 'dining', 'pending',"
          + " now(), 'Demo write', '{}'::jsonb FROM transactions ON CONFLICT (id) DO NOTHING",
      "DELETE FROM transactions WHERE id = (SELECT max(id) FROM transactions) AND id > $rows"};

  /** Makes sure {@code transactions} holds exactly rows 1..{@code rows}. */
  public static Future<Void> seed(Pool pool, long rows) {
    // "already exists, skipping" notices are expected on every start after the first
    return pool.withConnection(conn -> conn.query("SET client_min_messages = warning").execute()
        .compose(v -> conn.query(CREATE_MERCHANTS).execute())
        .compose(v -> conn.query(CREATE_TRANSACTIONS).execute())
        // an update or delete carries its whole old row, so that the transactions dataset can be followed
        .compose(v -> conn.query("ALTER TABLE transactions REPLICA IDENTITY FULL").execute())
        .compose(v -> conn.preparedQuery(FILL_MERCHANTS).execute(Tuple.of(MERCHANTS)))
        .compose(v -> conn.query("SELECT count(*) AS n, coalesce(max(id), 0) AS top FROM transactions").execute())
        .compose(counts -> {
          long present = counts.iterator().next().getLong("n");
          long top = counts.iterator().next().getLong("top");
          if (present == rows && top == rows) {
            LOG.info("Demo data already present: {} transactions", rows);
            return Future.succeededFuture();
          }
          LOG.info("Seeding {} demo transactions (found {})...", rows, present);
          long started = System.currentTimeMillis();
          return refill(conn, rows)
              .compose(v -> conn.query("ANALYZE transactions").execute())
              .onSuccess(v -> LOG.info("Seeded {} transactions in {} ms", rows, System.currentTimeMillis() - started))
              .mapEmpty();
        }));
  }
}
