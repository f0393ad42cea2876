package io.sluice.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * How a node joins a Vert.x cluster ({@code cluster}), when {@code enabled} (or started with
 * {@code --cluster}). Hazelcast finds its peers by TCP/IP only, never multicast: the listed
 * {@code members} ({@code host:port}), or the addresses a Kubernetes headless Service's DNS
 * name resolves to ({@code kubernetesService}). {@code host} and {@code port} are where this
 * member listens, {@code busPort} the event bus (0: any free port); {@code publicHost} and
 * {@code publicBusPort}, when set, are what the others should dial instead (behind NAT).
 */
public record ClusterConfig(
    boolean enabled,
    String name,
    String host,
    int port,
    int busPort,
    String publicHost,
    int publicBusPort,
    List<String> members,
    String kubernetesService) {

  static ClusterConfig from(JsonObject json) {
    String host = json.getString("host", "127.0.0.1");
    ClusterConfig config = new ClusterConfig(
        json.getBoolean("enabled", false),
        json.getString("name", "sluice"),
        host,
        json.getInteger("port", 5701),
        json.getInteger("busPort", 0),
        blankToNull(json.getString("publicHost")),
        json.getInteger("publicBusPort", 0),
        json.getJsonArray("members", new JsonArray().add(host + ":" + json.getInteger("port", 5701))).stream().map(String::valueOf).toList(),
        blankToNull(json.getString("kubernetesService")));
    if (config.port < 1 || config.port > 65_535 || config.busPort < 0 || config.busPort > 65_535 || config.publicBusPort < 0) {
      throw new ConfigException("cluster: port must be 1-65535, busPort 0-65535 and publicBusPort >= 0");
    }
    return config;
  }

  public ClusterConfig withEnabled(boolean on) {
    return new ClusterConfig(on, name, host, port, busPort, publicHost, publicBusPort, members, kubernetesService);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
