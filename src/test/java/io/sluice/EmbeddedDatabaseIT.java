package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.DatabaseConfig;
import io.sluice.db.DatabaseLocator;
import io.sluice.db.EmbeddedDatabase;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("On a machine without PostgreSQL")
class EmbeddedDatabaseIT {

  @Test
  @DisplayName("an embedded PostgreSQL starts and answers, as the demo and the tests fall back to")
  void embeddedServerAnswers(Vertx vertx, VertxTestContext test) {
    EmbeddedDatabase.start(vertx)
        .compose(db -> DatabaseLocator.ping(vertx, DatabaseConfig.of(db.url(), "sluice-it-embedded")).map(db))
        .onComplete(test.succeeding(db -> test.verify(() -> {
          assertThat(db.url()).startsWith("postgresql://postgres@localhost:");
          test.completeNow();
        })));
  }

  @Test
  @DisplayName("a configured database that does not answer is an error, not a silent fallback")
  void configuredDatabaseMustAnswer(Vertx vertx, VertxTestContext test) {
    DatabaseConfig configured = DatabaseConfig.of("postgresql://postgres@127.0.0.1:1/postgres", "sluice-it");
    DatabaseLocator.locate(vertx, configured, true).onComplete(test.failing(err -> test.completeNow()));
  }
}
