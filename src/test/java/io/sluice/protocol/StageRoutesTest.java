package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class StageRoutesTest {

  @Test
  void opensGoToTheInstanceOnTheCallersOwnThreadWhenItHasOne() throws Exception {
    StageRoutes routes = StageRoutes.of(true, true);
    assertThat(routes.transformOpen()).isEqualTo(Frames.local(Frames.TRANSFORM_OPEN));

    String registered = routes.onThisLoop(Frames.local(Frames.TRANSFORM_OPEN));
    assertThat(registered).isNotEqualTo(Frames.local(Frames.TRANSFORM_OPEN));
    assertThat(routes.transformOpen()).isEqualTo(registered);
    // no source instance on this thread, and no transform instance on another thread: the node-local addresses
    assertThat(routes.sourceOpen()).isEqualTo(Frames.local(Frames.SOURCE_OPEN));
    assertThat(CompletableFuture.supplyAsync(routes::transformOpen).get()).isEqualTo(Frames.local(Frames.TRANSFORM_OPEN));

    assertThat(routes.sameLoopOpens()).isEqualTo(1);
    assertThat(routes.otherLoopOpens()).isEqualTo(3);
  }

  @Test
  void aNodeWithoutTheStageSendsToTheCluster() {
    StageRoutes routes = StageRoutes.of(false, false);
    routes.onThisLoop(Frames.local(Frames.TRANSFORM_OPEN));
    assertThat(routes.transformOpen()).isEqualTo(Frames.TRANSFORM_OPEN);
    assertThat(routes.sourceOpen()).isEqualTo(Frames.SOURCE_OPEN);
  }
}
