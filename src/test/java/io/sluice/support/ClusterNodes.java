package io.sluice.support;

import io.sluice.Sluice;
import io.sluice.cluster.VertxNodes;
import io.sluice.config.ClusterConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.metrics.SluiceMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Clustered Sluice nodes in the test JVM, each a Vert.x of its own joined over Hazelcast on
 * 127.0.0.1 by TCP/IP, with the roles a test gives it. All members are known up front.
 */
public final class ClusterNodes implements AutoCloseable {

  private final List<Integer> memberPorts = new ArrayList<>();
  private final List<Node> nodes = new ArrayList<>();
  private final String name = "sluice-it-" + TestSluice.freePort();
  private int started;
  private final List<Vertx> bare = new ArrayList<>();

  /** One running node: its Vert.x and its Sluice. */
  public record Node(Vertx vertx, Sluice sluice) {
    public int port() {
      return sluice.config().http().port();
    }

    public SluiceMetrics metrics() {
      return sluice.metrics();
    }
  }

  /** Reserves member ports for {@code count} nodes, so each knows the others from the start. */
  public ClusterNodes(int count) {
    for (int i = 0; i < count; i++) {
      memberPorts.add(TestSluice.freePort());
    }
  }

  /**
   * The {@code cluster} configuration of the next member, which takes the next reserved port:
   * for a node of this JVM ({@link #start}) or one in a process of its own.
   */
  public JsonObject nextMember() {
    int hazelcastPort = memberPorts.get(started++);
    return new JsonObject().put("enabled", true).put("name", name).put("host", "127.0.0.1").put("port", hazelcastPort)
        .put("members", new JsonArray(memberPorts.stream().map(p -> "127.0.0.1:" + p).toList()));
  }

  /** Starts the next node with {@code roles} (e.g. "http" or "transform,cursor"); {@code tweak} may change its configuration. */
  public Node start(String roles, Consumer<JsonObject> tweak) throws Exception {
    JsonObject cluster = nextMember();
    Vertx bootstrap = Vertx.vertx();
    JsonObject json;
    try {
      json = TestSluice.config(bootstrap, j -> {
        j.put("cluster", cluster).put("roles", roles);
        tweak.accept(j);
      }).await(60, TimeUnit.SECONDS);
    } finally {
      bootstrap.close().await(10, TimeUnit.SECONDS);
    }
    SluiceConfig config = SluiceConfig.from(json);
    ClusterConfig clusterConfig = config.cluster();
    Vertx vertx = VertxNodes.create(clusterConfig, new VertxOptions(), null).await(60, TimeUnit.SECONDS);
    Sluice sluice = Sluice.start(vertx, config, new SluiceMetrics()).await(60, TimeUnit.SECONDS);
    Node node = new Node(vertx, sluice);
    nodes.add(node);
    return node;
  }

  /** Joins the next member as a bare clustered Vert.x, without Sluice: a service that consumes streams. */
  public Vertx join() throws Exception {
    ClusterConfig member = SluiceConfig.from(new JsonObject().put("cluster", nextMember())).cluster();
    Vertx vertx = VertxNodes.create(member, new VertxOptions(), null).await(60, TimeUnit.SECONDS);
    bare.add(vertx);
    return vertx;
  }

  public Node start(String roles) throws Exception {
    return start(roles, j -> {});
  }

  @Override
  public void close() throws Exception {
    for (Vertx vertx : bare) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    for (Node node : nodes) {
      node.sluice().stop().eventually(node.vertx()::close).await(30, TimeUnit.SECONDS);
    }
  }
}
