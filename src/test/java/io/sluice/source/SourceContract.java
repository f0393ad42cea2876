package io.sluice.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.dataset.StreamRequest;
import io.sluice.error.Failure;
import io.sluice.error.FailureException;
import io.sluice.error.Reason;
import io.sluice.value.RowBatch;
import io.sluice.value.Values;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The scenarios every {@link Source} must pass, run against a real database: a concrete test per
 * source says how to make its factory, a request for a known set of rows and how to tell them
 * apart, and how many of its connections are busy. Like vertx-sql-client's TCK bases, one suite,
 * every implementation.
 */
public abstract class SourceContract {

  /** The rows the requests of the suite read; more than one batch's worth. */
  protected static final int ROWS = 1_000;

  protected abstract Vertx vertx();

  protected abstract Sources sources();

  protected abstract Dataset dataset();

  /** A request for the {@link #ROWS} rows of {@link #dataset()}, starting at {@code position}. */
  protected abstract StreamRequest request(Position position);

  /** Where the suite's streams start: the dataset's start for the keyset source, a partition's start for the partition source. */
  protected Position startPosition() {
    return Position.START;
  }

  /** Right after the row with {@code key}, in the same stream as {@link #startPosition()}. */
  protected Position positionAfter(List<String> key) {
    return Position.afterKey(key);
  }

  /** The identity of a row (its key's text, say), for the exact-rows checks. */
  protected abstract String identity(Object[] row);

  /** How many of the service's database sessions are not idle: a transaction open or a query running. */
  protected abstract int busyBackends();

  /** One opened source and what it delivered, all touched on the source's own context. */
  protected final class Run {
    final Context context = vertx().getOrCreateContext();
    final List<RowBatch> batches = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final AtomicInteger ends = new AtomicInteger();
    final AtomicLong rows = new AtomicLong();
    volatile Source source;

    Run(Position position, boolean flowing) {
      onContext(() -> {
        source = openOn(sources().forPosition(position), request(position));
        source.handler(batch -> {
          batches.add(batch);
          rows.addAndGet(batch.size());
        });
        source.endHandler(v -> ends.incrementAndGet());
        source.exceptionHandler(failures::add);
        if (flowing) {
          source.resume();
        }
      });
    }

    void onContext(Runnable action) {
      context.runOnContext(v -> action.run());
    }

    void awaitEnd() {
      await().atMost(Duration.ofSeconds(30)).until(() -> ends.get() > 0 || !failures.isEmpty());
      assertThat(failures).as("failures").isEmpty();
      assertThat(ends.get()).as("ends").isEqualTo(1);
      await().atMost(Duration.ofSeconds(5)).until(() -> source.released().isComplete());
    }

    List<String> identities() {
      return batches.stream().flatMap(b -> b.rows().stream()).map(SourceContract.this::identity).toList();
    }
  }

  @Test
  @DisplayName("delivers every row exactly once, in key order, each with its key, then ends once and releases")
  void exactRows() {
    Run run = new Run(startPosition(), true);
    run.awaitEnd();

    List<String> ids = run.identities();
    assertThat(ids).hasSize(ROWS).doesNotHaveDuplicates();
    for (RowBatch batch : run.batches) {
      assertThat(batch.keys()).as("one key per row").hasSize(batch.size());
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> busyBackends() == 0);
  }

  @Test
  @DisplayName("starts paused and reads only against demand: fetch(1) brings one batch, no more")
  void demandRespected() {
    Run run = new Run(startPosition(), false);
    await().atMost(Duration.ofSeconds(10)).until(() -> run.source != null && run.source.started().isComplete());
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> run.batches.isEmpty());

    run.onContext(() -> run.source.fetch(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> run.batches.size() == 1);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> run.batches.size() == 1);

    run.onContext(() -> run.source.fetch(2));
    await().atMost(Duration.ofSeconds(10)).until(() -> run.batches.size() == 3 || run.ends.get() > 0);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> run.batches.size() == 3 || run.ends.get() > 0);
    run.onContext(() -> run.source.cancel());
    await().atMost(Duration.ofSeconds(5)).until(() -> run.source.released().isComplete());
  }

  @Test
  @DisplayName("a cancel frees the database session within one second, reports nothing and delivers nothing after")
  void cancelReleasesWithinOneSecond() {
    Run run = new Run(startPosition(), false);
    run.onContext(() -> run.source.fetch(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> run.batches.size() == 1);
    assertThat(busyBackends()).as("the source's session, in its transaction").isPositive();

    long cancelled = System.nanoTime();
    run.onContext(() -> {
      run.source.cancel();
      run.source.resume(); // demand after a cancel must bring nothing
    });
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
        .until(() -> run.source.released().isComplete() && busyBackends() == 0);
    assertThat(Duration.ofNanos(System.nanoTime() - cancelled)).isLessThan(Duration.ofSeconds(1));
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> run.batches.size() == 1);
    assertThat(run.failures).isEmpty();
    assertThat(run.ends.get()).isZero();
  }

  @Test
  @DisplayName("stop reports its failure once, ends nothing, and releases")
  void stopReportsItsFailure() {
    Run run = new Run(startPosition(), false);
    run.onContext(() -> run.source.fetch(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> run.batches.size() == 1);

    run.onContext(() -> run.source.stop(Failure.of(Reason.SHUTTING_DOWN, "the node is shutting down")));
    await().atMost(Duration.ofSeconds(5)).until(() -> run.source.released().isComplete());
    assertThat(run.failures).singleElement().isInstanceOfSatisfying(FailureException.class,
        failed -> assertThat(failed.failure().reason()).isEqualTo(Reason.SHUTTING_DOWN));
    assertThat(run.ends.get()).isZero();
    await().atMost(Duration.ofSeconds(5)).until(() -> busyBackends() == 0);
  }

  @Test
  @DisplayName("a failure that comes before anyone listens is held and reported to the first exception handler set")
  void earlyFailureIsHeld() {
    Context context = vertx().getOrCreateContext();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicInteger ends = new AtomicInteger();
    List<Source> opened = new CopyOnWriteArrayList<>();
    context.runOnContext(v -> {
      Source source = openOn(sources().forPosition(startPosition()), request(startPosition()));
      opened.add(source);
      source.stop(Failure.of(Reason.BUSY, "no stream connection became free"));
      source.endHandler(e -> ends.incrementAndGet());
      source.exceptionHandler(failures::add);
      source.resume();
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> !failures.isEmpty() && opened.get(0).released().isComplete());
    assertThat(failures).singleElement().isInstanceOfSatisfying(FailureException.class,
        failed -> assertThat(failed.failure().reason()).isEqualTo(Reason.BUSY));
    assertThat(ends.get()).isZero();
  }

  private <R extends SourceRequest> Source openOn(SourceFactory<R> factory, StreamRequest request) {
    return factory.open(factory.check(dataset(), request), "contract-" + System.nanoTime(), "source-contract");
  }

  @Test
  @DisplayName("a stream cut anywhere and resumed at the position of its last row delivers the exact union")
  void cutAndResumeIsExact() {
    Run whole = new Run(startPosition(), true);
    whole.awaitEnd();
    List<String> all = whole.identities();

    for (int cutAfterBatches : List.of(1, 2, Math.max(1, whole.batches.size() - 1))) {
      Run first = new Run(startPosition(), false);
      first.onContext(() -> first.source.fetch(cutAfterBatches));
      await().atMost(Duration.ofSeconds(10)).until(() -> first.batches.size() == cutAfterBatches);
      first.onContext(() -> first.source.cancel());
      await().atMost(Duration.ofSeconds(5)).until(() -> first.source.released().isComplete());

      RowBatch last = first.batches.get(first.batches.size() - 1);
      List<String> key = new ArrayList<>();
      for (Object value : last.lastKey()) {
        key.add(Values.text(value));
      }
      Run rest = new Run(positionAfter(key), true);
      rest.awaitEnd();

      List<String> union = new ArrayList<>(first.identities());
      union.addAll(rest.identities());
      assertThat(union).as("cut after %d batches, then resumed", cutAfterBatches).containsExactlyElementsOf(all);
      Set<String> distinct = new HashSet<>(union);
      assertThat(distinct).hasSize(all.size());
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> busyBackends() == 0);
  }

  /** Helper for concrete suites: the sorted identities, for datasets whose key order is not the identities' order. */
  protected static List<String> sorted(List<String> ids) {
    List<String> copy = new ArrayList<>(ids);
    Collections.sort(copy);
    return copy.stream().collect(Collectors.toList());
  }
}
