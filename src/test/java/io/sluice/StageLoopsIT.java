package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.metrics.SluiceMetrics;
import io.sluice.support.Http;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A node with one event loop per stage instance, as {@code Main} makes it: every stream's
 * transform and source stages are opened on the event loop its HTTP stage runs on, so its
 * batches and credits never wake another thread.
 */
@DisplayName("On a node with one event loop per stage instance, a stream")
class StageLoopsIT {

  private static final int INSTANCES = 2;
  private static final Pattern OPENS = Pattern.compile("(?m)^sluice_stage_opens_total\\{loop=\"(same|other)\",?\\} ([0-9.]+)");

  private static Vertx vertx;
  private static Sluice sluice;

  @BeforeAll
  static void start() throws Exception {
    SluiceMetrics metrics = new SluiceMetrics();
    vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(SluiceMetrics.vertxMetricsOptions()).setEventLoopPoolSize(INSTANCES))
        .withMetrics(metrics.vertxMetricsFactory()).build();
    sluice = TestSluice.start(vertx, metrics, json -> json.put("instances", INSTANCES)).await(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    sluice.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("runs its three stages on one event loop, and every row arrives")
  void stagesShareTheirLoop() {
    int port = sluice.config().http().port();
    int streams = 12;
    for (int i = 0; i < streams; i++) {
      HttpResponse<String> response = Http.get(port, "/v1/datasets/series/rows?count=500&format=csv");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body().lines()).hasSize(501); // the header and 500 rows
    }
    String scrape = Http.get(port, "/metrics").body();
    Matcher m = OPENS.matcher(scrape);
    double same = -1;
    double other = -1;
    while (m.find()) {
      if (m.group(1).equals("same")) {
        same = Double.parseDouble(m.group(2));
      } else {
        other = Double.parseDouble(m.group(2));
      }
    }
    // each stream opens two stages: its transform stage, which opens its source stage
    assertThat(same).isEqualTo(2.0 * streams);
    assertThat(other).isZero();
  }
}
