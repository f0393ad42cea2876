package io.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Sluice;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.support.Http;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The list the alerting rules and the dashboard are checked against ({@link ExportedMetrics})
 * against a real scrape: every series it names is exported, with exactly its labels, so an
 * alert cannot watch a series that does not exist.
 */
@DisplayName("The metrics the alerts and the dashboard use")
class ExportedMetricsIT {

  private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-z_]+)(?:\\{([^}]*)\\})? ");

  private static Vertx vertx;
  private static Sluice sluice;

  @BeforeAll
  static void start() throws Exception {
    SluiceMetrics metrics = new SluiceMetrics();
    vertx = TestSluice.vertxWithMetrics(metrics);
    sluice = TestSluice.start(vertx, metrics, json -> {}).await(60, TimeUnit.SECONDS);
    // the series of features this service does not run (following needs wal_level = logical, replicas a standby):
    // registered through the very calls the wiring makes when they run, so their names and labels are the real ones
    metrics.followLag(() -> 0, () -> 0, () -> 0);
    metrics.followSlotHeld(() -> true);
    metrics.replica("127.0.0.1:5433", () -> true, () -> 0, () -> 0, () -> 0);
  }

  @AfterAll
  static void stop() throws Exception {
    sluice.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("are all in a scrape after a stream and a refusal, Sluice's with exactly the labels the list gives")
  void exported() {
    int port = sluice.config().http().port();
    assertThat(Http.get(port, "/v1/datasets/series/rows?count=5").statusCode()).isEqualTo(200);
    assertThat(Http.get(port, "/v1/datasets/series/rows").statusCode()).isEqualTo(400);
    String scrape = Http.get(port, "/metrics").body();

    for (ExportedMetrics.Metric metric : ExportedMetrics.SLUICE) {
      String series = metric.type() == ExportedMetrics.Type.HISTOGRAM ? metric.name() + "_count" : metric.name();
      assertThat(labelsOf(scrape, series)).as("labels of %s in the scrape", series).isEqualTo(new TreeSet<>(metric.labels()));
    }
    for (ExportedMetrics.Metric metric : ExportedMetrics.VERTX) {
      assertThat(labelsOf(scrape, metric.name())).as("%s in the scrape", metric.name()).isNotNull();
    }
  }

  /** The label names of the first sample of {@code series}, or null when the scrape lacks it. */
  private static Set<String> labelsOf(String scrape, String series) {
    Matcher m = SAMPLE.matcher(scrape);
    while (m.find()) {
      if (m.group(1).equals(series)) {
        Set<String> labels = new TreeSet<>();
        if (m.group(2) != null) {
          Arrays.stream(m.group(2).split(",(?=[a-z_]+=)")).map(pair -> pair.substring(0, pair.indexOf('='))).forEach(labels::add);
        }
        return labels;
      }
    }
    return null;
  }
}
