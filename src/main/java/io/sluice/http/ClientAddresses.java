package io.sluice.http;

import io.sluice.auth.Principal;
import io.sluice.error.ConfigException;
import io.sluice.limits.ClientLimiter;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who an HTTP request stands for, as the {@link ClientLimiter} counts it: its principal when
 * authenticated ({@link ClientLimiter#principalKey}, the same key as on the bridge and the event
 * bus), else the address the request came from or, when that is one of the trusted proxies, the
 * nearest address of {@code X-Forwarded-For} that is not a trusted proxy (a client cannot forge
 * its way past the limit by sending the header itself).
 */
final class ClientAddresses {

  private final List<AddressRange> trustedProxies;

  /** Proxies as addresses or CIDR ranges. */
  ClientAddresses(List<String> trustedProxies) {
    this.trustedProxies = trustedProxies.stream().map(AddressRange::parse).toList();
  }

  /** The client a request of {@code principal} stands for: the principal, unless anonymous. */
  String clientOf(HttpServerRequest request, Principal principal) {
    return Principal.ANONYMOUS.equals(principal.name()) ? clientOf(request) : ClientLimiter.principalKey(principal.name());
  }

  /** The client an unauthenticated request stands for: its address. */
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
