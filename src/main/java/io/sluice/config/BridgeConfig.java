package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * The TCP event-bus bridge ({@code bridge}): when {@code enabled}, consumers in any language
 * speak the credit protocol over TCP at {@code host}:{@code port} (see docs/protocol.md).
 * Off by default: the bridge has no authentication of its own, so bind it to an address
 * only trusted clients reach. A client holds at most {@code maxStreamsPerClient} streams at
 * once: opened, and not yet unregistered or cancelled by its disconnect.
 */
public record BridgeConfig(boolean enabled, String host, int port, int maxStreamsPerClient) {

  static BridgeConfig from(JsonObject json) {
    BridgeConfig config = new BridgeConfig(
        json.getBoolean("enabled", false),
        json.getString("host", "127.0.0.1"),
        json.getInteger("port", 7000),
        json.getInteger("maxStreamsPerClient", 8));
    if (config.port < 1 || config.port > 65_535) {
      throw new ConfigException("bridge: port must be 1-65535");
    }
    if (config.maxStreamsPerClient < 1) {
      throw new ConfigException("bridge: maxStreamsPerClient must be >= 1");
    }
    return config;
  }
}
