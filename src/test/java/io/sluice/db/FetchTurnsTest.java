package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Fetch turns")
class FetchTurnsTest {

  @Test
  @DisplayName("let at most their number of fetches run at once; the others get their turn in arrival order as fetches end")
  void boundedAndInOrder(Vertx vertx, VertxTestContext test) {
    vertx.runOnContext(v -> test.verify(() -> {
      FetchTurns turns = new FetchTurns(vertx, 2);
      List<Integer> granted = new ArrayList<>();
      List<Future<Void>> taken = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        int fetch = i;
        taken.add(turns.take().onSuccess(ok -> granted.add(fetch)));
      }
      assertThat(granted).containsExactly(0, 1);
      assertThat(turns.running()).isEqualTo(2);
      assertThat(turns.waiting()).isEqualTo(3);

      turns.done();
      turns.done();
      taken.get(3).onComplete(test.succeeding(ok -> test.verify(() -> {
        assertThat(granted).containsExactly(0, 1, 2, 3);
        assertThat(turns.running()).isEqualTo(2);
        assertThat(turns.waiting()).isEqualTo(1);
        turns.done();
        turns.done();
        turns.done();
        assertThat(turns.running()).isZero();
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("with no bound, never keep a fetch waiting")
  void unbounded(Vertx vertx) {
    FetchTurns turns = new FetchTurns(vertx, 0);
    for (int i = 0; i < 100; i++) {
      assertThat(turns.take().succeeded()).isTrue();
    }
    assertThat(turns.waiting()).isZero();
  }
}
