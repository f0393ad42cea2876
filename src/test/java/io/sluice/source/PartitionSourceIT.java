package io.sluice.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.Sluice;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.dataset.StreamRequest;
import io.sluice.error.FailureException;
import io.sluice.error.Reason;
import io.sluice.export.Export;
import io.sluice.support.Backends;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The partition source, through the source contract: the middle one of three partitions of an
 * export of the test catalogue's {@code series} of 3000 rows, which holds exactly the suite's
 * 1000 rows (1001 to 2000), read inside the export's snapshot.
 */
@DisplayName("The partition source keeps the source contract")
class PartitionSourceIT extends SourceContract {

  private static final Map<String, String> PARAMS = Map.of("count", Integer.toString(3 * ROWS));
  private static Vertx vertx;
  private static Sluice sluice;
  private static Export export;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    sluice = TestSluice.start(vertx).await(60, TimeUnit.SECONDS);
    Dataset series = sluice.catalogue().require("series");
    StreamRequest request = new StreamRequest("series", PARAMS, null);
    export = sluice.exports().create(series, request, series.bind(request, Long.MAX_VALUE), 3, "contract").await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    sluice.exports().delete(export).await(10, TimeUnit.SECONDS);
    sluice.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("fails as export-expired when the snapshot it imports is no longer held, and releases")
  void snapshotGone() {
    Position.Partition gone = new Position.Partition("gone", "0000FFFF-0000FFFF-1", 0, 1, null, null, List.of());
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicReference<Source> opened = new AtomicReference<>();
    vertx.runOnContext(v -> {
      SourceFactory<?> factory = sources().forPosition(gone);
      Source source = open(factory, request(gone));
      source.exceptionHandler(failures::add);
      source.resume();
      opened.set(source);
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> !failures.isEmpty() && opened.get().released().isComplete());
    assertThat(failures).singleElement().isInstanceOfSatisfying(FailureException.class,
        failed -> assertThat(failed.failure().reason()).isEqualTo(Reason.EXPORT_EXPIRED));
    await().atMost(Duration.ofSeconds(5)).until(() -> busyBackends() == 0);
  }

  private <R extends SourceRequest> Source open(SourceFactory<R> factory, StreamRequest request) {
    return factory.open(factory.check(dataset(), request), "gone", "partition-source-it");
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
  protected Position startPosition() {
    return export.partition(1);
  }

  @Override
  protected Position positionAfter(List<String> key) {
    return export.partition(1).after(key);
  }

  @Override
  protected StreamRequest request(Position position) {
    return new StreamRequest("series", PARAMS, null, List.of(), position);
  }

  @Override
  protected String identity(Object[] row) {
    return String.valueOf(row[0]);
  }

  /** The sessions busy besides the export's leader, which holds its snapshot in an open transaction all along. */
  @Override
  protected int busyBackends() {
    return Backends.busy() - sluice.exports().held();
  }
}
