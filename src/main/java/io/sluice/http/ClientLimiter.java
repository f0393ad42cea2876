package io.sluice.http;

import io.sluice.config.ConfigException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * The one limiter of streams per client, shared by every HTTP verticle of a node. A client
 * is the address the request came from or, when that is one of the trusted proxies, the
 * nearest address of {@code X-Forwarded-For} that is not a trusted proxy (a client cannot
 * forge its way past the limit by sending the header itself).
 */
public final class ClientLimiter {

  private final int perClient;
  private final List<AddressRange> trustedProxies;
  private final ConcurrentHashMap<String, Integer> active = new ConcurrentHashMap<>();

  /** {@code perClient} streams at most per client (0: no bound); proxies as addresses or CIDR ranges. */
  public ClientLimiter(int perClient, List<String> trustedProxies) {
    this.perClient = perClient;
    this.trustedProxies = trustedProxies.stream().map(AddressRange::parse).toList();
  }

  /** Takes a stream slot for {@code client}, or returns null when it already runs as many as it may. */
  Lease acquire(String client) {
    if (perClient == 0) {
      return new Lease(null);
    }
    boolean[] granted = {false};
    active.compute(client, (key, count) -> {
      int current = count == null ? 0 : count;
      granted[0] = current < perClient;
      return granted[0] ? current + 1 : count;
    });
    return granted[0] ? new Lease(client) : null;
  }

  int perClient() {
    return perClient;
  }

  /** Streams {@code client} runs now. */
  int active(String client) {
    return active.getOrDefault(client, 0);
  }

  /** The client a request stands for. */
  String clientOf(HttpServerRequest request) {
    SocketAddress remote = request.remoteAddress();
    String peer = remote == null ? "unknown" : remote.hostAddress();
    String forwarded = request.getHeader("X-Forwarded-For");
    if (forwarded == null || !trusted(peer)) {
      return peer;
    }
    String[] hops = forwarded.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].strip();
      if (!hop.isEmpty() && !trusted(hop)) {
        return hop;
      }
    }
    return hops[0].strip().isEmpty() ? peer : hops[0].strip();
  }

  private boolean trusted(String address) {
    return trustedProxies.stream().anyMatch(range -> range.contains(address));
  }

  /** One stream's slot; released once, however the stream ends. */
  final class Lease {
    private final String client;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(String client) {
      this.client = client;
    }

    void release() {
      if (client != null && released.compareAndSet(false, true)) {
        active.computeIfPresent(client, (key, count) -> count <= 1 ? null : count - 1);
      }
    }
  }

  /** An address or a CIDR range of addresses, IPv4 or IPv6, given as literals (never resolved). */
  record AddressRange(byte[] network, int prefix) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    static AddressRange parse(String text) {
      String[] parts = text.strip().split("/", 2);
      byte[] network = literal(parts[0]);
      if (network == null) {
        throw new ConfigException("http.trustedProxies: '" + text + "' is not an IP address or CIDR range");
      }
      int prefix;
      try {
        prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : network.length * 8;
      } catch (NumberFormatException e) {
        throw new ConfigException("http.trustedProxies: '" + text + "' has a bad prefix length");
      }
      if (prefix < 0 || prefix > network.length * 8) {
        throw new ConfigException("http.trustedProxies: '" + text + "' has a bad prefix length");
      }
      return new AddressRange(network, prefix);
    }

    boolean contains(String address) {
      byte[] candidate = literal(address);
      if (candidate == null || candidate.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (candidate[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return rest == 0 || (candidate[full] & mask) == (network[full] & mask);
    }

    /** The bytes of an IP literal, or null for anything else (a host name is never looked up). */
    private static byte[] literal(String text) {
      boolean ipv4 = IPV4.matcher(text).matches();
      boolean ipv6 = text.indexOf(':') >= 0 && text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':');
      if (!ipv4 && !ipv6) {
        return null;
      }
      try {
        return InetAddress.getByName(text).getAddress();
      } catch (UnknownHostException e) {
        return null;
      }
    }
  }
}
