package io.sluice.support;

import io.sluice.Sluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** Base of the integration tests that run one whole Sluice per test class. */
@ExtendWith(VertxExtension.class)
public abstract class ServiceTest {

  protected static Sluice sluice;
  protected static int port;

  protected static void startSluice(Vertx vertx, Consumer<JsonObject> tweak) throws Exception {
    sluice = TestSluice.start(vertx, tweak).await(60, TimeUnit.SECONDS);
    port = sluice.config().http().port();
  }

  protected static void startSluice(Vertx vertx) throws Exception {
    startSluice(vertx, json -> {});
  }

  @AfterAll
  static void stopSluice() throws Exception {
    if (sluice != null) {
      sluice.stop().await(10, TimeUnit.SECONDS);
      sluice = null;
    }
  }
}
