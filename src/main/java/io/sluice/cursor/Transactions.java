package io.sluice.cursor;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.error.Failure;
import io.sluice.error.FailureException;
import io.sluice.error.Reason;
import io.vertx.pgclient.PgException;

/**
 * How a stream's transaction begins: {@code READ ONLY} for a keyset stream, {@code REPEATABLE
 * READ READ ONLY} for a followed dataset's snapshot (its mark must describe the rows read); for a partition of
 * an export, {@code REPEATABLE READ READ ONLY} with the export's snapshot imported as its first
 * statement, so every partition reads the rows the export's snapshot saw. Then the dataset's
 * statement timeout and, if it has one, its database role.
 */
final class Transactions {

  /** SQLSTATE of {@code SET TRANSACTION SNAPSHOT} naming a snapshot whose exporting transaction has ended. */
  private static final String INVALID_PARAMETER_VALUE = "22023";

  private Transactions() {}

  static String begin(Dataset dataset, Position position, long statementTimeoutMs, boolean repeatableRead) {
    String begin = position instanceof Position.Partition partition
        // the snapshot id matched pg_export_snapshot()'s form when the position was made: nothing else can be spliced here
        ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '" + partition.snapshot() + "'"
        : repeatableRead ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN READ ONLY";
    String role = dataset.definition().databaseRole();
    return begin + "; SET LOCAL statement_timeout = " + statementTimeoutMs
        // a name checked against [a-z_][a-z0-9_]* when the configuration was read, quoted all the same
        + (role == null ? "" : "; SET LOCAL ROLE \"" + role + "\"");
  }

  /**
   * A partition whose snapshot cannot be imported any more (its export was deleted, expired, or
   * its leader's connection ended) fails as {@code export-expired}; anything else as it came.
   */
  static Throwable beginFailed(Position position, Throwable err) {
    if (position instanceof Position.Partition partition && err instanceof PgException pg
        && INVALID_PARAMETER_VALUE.equals(pg.getSqlState())) {
      return new FailureException(Failure.ofDatabase(Reason.EXPORT_EXPIRED, "export " + partition.exportId()
          + " has ended: its snapshot is no longer held (deleted, expired, or its node left); create a new export",
          INVALID_PARAMETER_VALUE));
    }
    return err;
  }
}
