package io.sluice.db;

import io.sluice.error.Failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Database errors")
class DatabaseErrorsTest {

  @ParameterizedTest(name = "SQLSTATE {0}: unavailable {1}, code {2}")
  @CsvSource({
      "08006, true, database-unavailable",
      "08001, true, database-unavailable",
      "53300, false, busy",
      "53100, true, database-unavailable",
      "57P01, true, database-unavailable",
      "57P03, true, database-unavailable",
      "57014, false, query-timeout",
      "22012, false, bad-request",
      "42P01, false, query-failed",
      "40001, false, query-failed"})
  @DisplayName("count as unavailability by SQLSTATE class only: connection, resources, operator intervention")
  void bySqlState(String state, boolean unavailable, String code) {
    PgException error = new PgException("boom", "FATAL", state, null);

    assertThat(DatabaseErrors.isUnavailable(error)).isEqualTo(unavailable);
    assertThat(DatabaseErrors.classify(error).code()).isEqualTo(code);
  }

  @Test
  @DisplayName("a server with no connection slot left is busy, not down, also when a connection attempt wraps it")
  void fullServer() {
    DatabaseUnavailableException attempt = new DatabaseUnavailableException(new PgException("too many", "FATAL", "53300", null));
    assertThat(DatabaseErrors.isUnavailable(attempt)).isFalse();
    Failure busy = DatabaseErrors.classify(attempt);
    assertThat(busy.code()).isEqualTo("busy");
    assertThat(busy.retryAfterSeconds()).isPositive();
  }

  @Test
  @DisplayName("count connections that cannot be opened or were lost, never a busy gate or an open breaker")
  void connections() {
    assertThat(DatabaseErrors.isUnavailable(new DatabaseUnavailableException(new ConnectException("refused")))).isTrue();
    assertThat(DatabaseErrors.isUnavailable(ClosedConnectionException.INSTANCE)).isTrue();
    assertThat(DatabaseErrors.isUnavailable(new BusyException("full", 5))).isFalse();
    BreakerOpenException open = new BreakerOpenException("open", 3);
    assertThat(DatabaseErrors.isUnavailable(open)).isFalse();
    Failure refusal = DatabaseErrors.classify(open);
    assertThat(refusal.code()).isEqualTo("database-unavailable");
    assertThat(refusal.retryAfterSeconds()).isEqualTo(3);
  }

  @Test
  @DisplayName("count a connection reset under a running statement as a lost connection, not an internal error")
  void resetUnderAStatement() {
    java.net.SocketException reset = new java.net.SocketException("Connection reset");

    assertThat(DatabaseErrors.isUnavailable(reset)).isTrue();
    assertThat(DatabaseErrors.classify(reset).code()).isEqualTo("database-unavailable");
    assertThat(DatabaseErrors.classify(reset).retryAfterSeconds()).isEqualTo(5);
  }
}
