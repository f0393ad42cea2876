package io.sluice.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.config.Config;
import io.vertx.core.spi.cluster.NodeListener;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vert.x's Hazelcast cluster manager, telling its node listener that a member left as soon as
 * Hazelcast says so. The stock manager first removes the member's event-bus subscriptions and
 * node information from Hazelcast's maps, which waits for the partitions the member owned to
 * move (seconds, seen at 3 s on two cores), and only then calls the listener; streams that
 * depended on the member would wait that long for nothing. The listener still hears each
 * member leave once.
 */
final class PromptHazelcastClusterManager extends HazelcastClusterManager {

  private static final Logger LOG = LoggerFactory.getLogger(PromptHazelcastClusterManager.class);
  /** The member attribute in which Vert.x's Hazelcast cluster manager keeps a member's node id. */
  static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private volatile NodeListener listener;
  /** Nodes whose leaving the listener heard early, and the stock manager has not reported yet. */
  private final Set<String> toldEarly = ConcurrentHashMap.newKeySet();

  PromptHazelcastClusterManager(Config config) {
    super(config);
  }

  @Override
  public void nodeListener(NodeListener nodeListener) {
    this.listener = nodeListener;
    super.nodeListener(nodeListener == null ? null : new NodeListener() {
      @Override
      public void nodeAdded(String nodeId) {
        nodeListener.nodeAdded(nodeId);
      }

      @Override
      public void nodeLeft(String nodeId) {
        if (!toldEarly.remove(nodeId)) {
          nodeListener.nodeLeft(nodeId);
        }
      }
    });
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    NodeListener told = listener;
    String nodeId = event.getMember().getAttribute(NODE_ID_ATTRIBUTE);
    if (told != null && nodeId != null && isActive() && toldEarly.add(nodeId)) {
      try {
        told.nodeLeft(nodeId);
      } catch (RuntimeException e) {
        LOG.error("the node listener failed on node {} leaving", nodeId, e);
      }
    }
    super.memberRemoved(event); // the stock clean-up, under the manager's lock
  }
}
