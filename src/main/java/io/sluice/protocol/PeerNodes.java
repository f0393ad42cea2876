package io.sluice.protocol;

import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxImpl;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeListener;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster nodes stream ends run on. Each end names its node to its peer (the consumer in
 * its open frame, the producer in its accept reply), so that when the cluster manager reports
 * the peer's node gone, the end gives the stream up at once instead of waiting out the lease,
 * which stays the bound for a peer that is present but silent. Standalone, there are no node
 * ids and nothing is watched.
 */
public final class PeerNodes {

  private static final Logger LOG = LoggerFactory.getLogger(PeerNodes.class);

  private PeerNodes() {}

  /** The id of the cluster node {@code vertx} is, or null when it is not clustered. */
  public static String localNode(Vertx vertx) {
    ClusterManager manager = clusterManager(vertx);
    return manager == null ? null : manager.getNodeId();
  }

  /**
   * Registers {@code left} to hear the id of every node that leaves the cluster of {@code
   * vertx}, on the cluster manager's thread; once per Vert.x. Not clustered, nothing to hear.
   * The cluster manager takes one node listener: with Vert.x HA on, HA holds it and streams
   * are left to their leases.
   */
  static void onNodeLeft(Vertx vertx, Consumer<String> left) {
    ClusterManager manager = clusterManager(vertx);
    if (manager == null) {
      return;
    }
    if (vertx instanceof VertxImpl impl && impl.haManager() != null) {
      LOG.warn("Vert.x HA holds the cluster's node listener: streams whose peer node leaves end with their lease");
      return;
    }
    manager.nodeListener(new NodeListener() {
      @Override
      public void nodeAdded(String nodeId) {
        // a new node has no stream yet
      }

      @Override
      public void nodeLeft(String nodeId) {
        left.accept(nodeId);
      }
    });
  }

  private static ClusterManager clusterManager(Vertx vertx) {
    return vertx instanceof VertxInternal internal ? internal.clusterManager() : null;
  }
}
