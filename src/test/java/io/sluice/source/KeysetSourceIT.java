package io.sluice.source;

import io.sluice.Sluice;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.dataset.StreamRequest;
import io.sluice.support.Backends;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/** The keyset cursor, through the source contract: the test catalogue's {@code series}, read from a real PostgreSQL. */
@DisplayName("The keyset source keeps the source contract")
class KeysetSourceIT extends SourceContract {

  private static Vertx vertx;
  private static Sluice sluice;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    sluice = TestSluice.start(vertx).await(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    sluice.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Override
  protected Vertx vertx() {
    return vertx;
  }

  @Override
  protected Sources sources() {
    return sluice.sources();
  }

  @Override
  protected Dataset dataset() {
    return sluice.catalogue().require("series");
  }

  @Override
  protected StreamRequest request(Position position) {
    return new StreamRequest("series", Map.of("count", Integer.toString(ROWS)), null, List.of(), position);
  }

  @Override
  protected String identity(Object[] row) {
    return String.valueOf(row[0]);
  }

  @Override
  protected int busyBackends() {
    return Backends.busy();
  }
}
