package io.sluice.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.sluice.config.ClusterConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/**
 * Creates the Vert.x a node runs on: standalone, or a member of a Hazelcast cluster when
 * {@link ClusterConfig#enabled()}. A clustered node uses Vert.x's own Hazelcast settings for
 * its maps and joins by TCP/IP only (the listed members, or the addresses of a Kubernetes
 * headless Service's DNS name), never multicast or auto-detection, with Hazelcast's
 * phone-home (traffic off the machine at start) and its own shutdown hook off. A member that
 * leaves is reported to the node listener as soon as Hazelcast knows ({@link
 * PromptHazelcastClusterManager}), so streams that depended on it end at once.
 */
public final class VertxNodes {

  private VertxNodes() {}

  /** A Vert.x with {@code options}, and {@code metrics} unless null, clustered as {@code cluster} says. */
  public static Future<Vertx> create(ClusterConfig cluster, VertxOptions options, VertxMetricsFactory metrics) {
    if (cluster.enabled()) {
      options.setEventBusOptions(eventBus(cluster));
    }
    VertxBuilder builder = Vertx.builder().with(options);
    if (metrics != null) {
      builder.withMetrics(metrics);
    }
    return cluster.enabled() ? builder.withClusterManager(hazelcast(cluster)).buildClustered() : Future.succeededFuture(builder.build());
  }

  /** The nodes of the cluster {@code vertx} belongs to, itself included: 1 when it is not clustered. */
  public static int members(Vertx vertx) {
    ClusterManager manager = vertx instanceof VertxInternal internal ? internal.clusterManager() : null;
    return manager == null ? 1 : manager.getNodes().size();
  }

  private static ClusterManager hazelcast(ClusterConfig cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false"); // Sluice drains and stops the node itself
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(cluster.failureTimeoutSeconds()));
    NetworkConfig network = config.getNetworkConfig().setPort(cluster.port()).setPortAutoIncrement(false);
    if (cluster.publicHost() != null) {
      network.setPublicAddress(cluster.publicHost() + ":" + cluster.port());
    }
    if (!cluster.host().equals("0.0.0.0")) {
      config.setProperty("hazelcast.socket.bind.any", "false");
      network.getInterfaces().setEnabled(true).addInterface(cluster.host());
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (cluster.kubernetesService() != null) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", cluster.kubernetesService());
    } else {
      join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    }
    return new PromptHazelcastClusterManager(config);
  }

  /** Where this node's event bus listens, and what the others dial. */
  private static EventBusOptions eventBus(ClusterConfig cluster) {
    EventBusOptions options = new EventBusOptions().setHost(cluster.host()).setPort(cluster.busPort());
    if (cluster.publicHost() != null) {
      options.setClusterPublicHost(cluster.publicHost());
    }
    if (cluster.publicBusPort() > 0) {
      options.setClusterPublicPort(cluster.publicBusPort());
    }
    return options;
  }
}
