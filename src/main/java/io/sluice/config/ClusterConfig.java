package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * How a node joins a Vert.x cluster ({@code cluster}), when {@code enabled} (or started with
 * {@code --cluster}). Hazelcast finds its peers by TCP/IP only, never multicast: the listed
 * {@code members} ({@code host:port}), or the addresses a Kubernetes headless Service's DNS
 * name resolves to ({@code kubernetesService}). {@code host} and {@code port} are where this
 * member listens, {@code busPort} the event bus (0: any free port); {@code publicHost} and
 * {@code publicBusPort}, when set, are what the others should dial instead (behind NAT). A
 * member silent for {@code failureTimeoutSeconds} is dropped from the cluster, and with it
 * the addresses it served.
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
    String kubernetesService,
    int failureTimeoutSeconds) {

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
        members(json.getValue("members"), host + ":" + json.getInteger("port", 5701)),
        blankToNull(json.getString("kubernetesService")),
        json.getInteger("failureTimeoutSeconds", 10));
    if (config.port < 1 || config.port > 65_535 || config.busPort < 0 || config.busPort > 65_535 || config.publicBusPort < 0
        || config.failureTimeoutSeconds < 2) {
      throw new ConfigException("cluster: port must be 1-65535, busPort 0-65535, publicBusPort >= 0 and failureTimeoutSeconds >= 2");
    }
    return config;
  }

  /** {@code members} as a YAML list or, from the environment, a comma-separated string; this node alone when none. */
  private static List<String> members(Object value, String self) {
    List<?> listed = value instanceof JsonArray list ? list.getList() : value == null ? List.of() : List.of(value.toString().split(","));
    List<String> members = listed.stream().map(m -> String.valueOf(m).strip()).filter(m -> !m.isEmpty()).toList();
    return members.isEmpty() ? List.of(self) : members;
  }

  public ClusterConfig withEnabled(boolean on) {
    return new ClusterConfig(on, name, host, port, busPort, publicHost, publicBusPort, members, kubernetesService, failureTimeoutSeconds);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
