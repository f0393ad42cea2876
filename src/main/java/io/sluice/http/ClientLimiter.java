package io.sluice.http;

import io.sluice.auth.Principal;
import io.sluice.error.ConfigException;
import io.sluice.config.QuotaConfig;
import io.sluice.protocol.StreamError;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The one limiter of streams per client, shared by every HTTP verticle of a node: how many
 * streams a client runs at once, and how many rows and bytes it exported in the current
 * window of its {@link QuotaConfig quota}. A client is its principal when authenticated, else
 * the address the request came from or, when that is one of the trusted proxies, the nearest
 * address of {@code X-Forwarded-For} that is not a trusted proxy (a client cannot forge its
 * way past the limit by sending the header itself).
 */
public final class ClientLimiter {

  private final int perClient;
  private final List<AddressRange> trustedProxies;
  private final QuotaConfig quota;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Integer> active = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Usage> usage = new ConcurrentHashMap<>();

  /** {@code perClient} streams at most per client (0: no bound); proxies as addresses or CIDR ranges. */
  public ClientLimiter(int perClient, List<String> trustedProxies) {
    this(perClient, trustedProxies, new QuotaConfig(0, 0, 3600), System::nanoTime);
  }

  /** With a {@code quota} per client, its windows measured on {@code nanoClock} (monotonic). */
  public ClientLimiter(int perClient, List<String> trustedProxies, QuotaConfig quota, LongSupplier nanoClock) {
    this.perClient = perClient;
    this.trustedProxies = trustedProxies.stream().map(AddressRange::parse).toList();
    this.quota = quota;
    this.nanoClock = nanoClock;
  }

  /** What {@code client} exported in its current window; a new window once the last one is over. */
  private static final class Usage {
    long windowStart;
    long rows;
    long bytes;
  }

  /**
   * The refusal of a new stream of {@code client} whose quota is used up in this window (429,
   * {@code Retry-After} the seconds left in it), or null when it has some left.
   */
  StreamError quotaRefusal(String client) {
    if (!quota.bounded()) {
      return null;
    }
    long[] left = {0};
    usage.computeIfPresent(client, (key, used) -> {
      Usage counted = current(used);
      left[0] = exhausted(counted) ? secondsLeft(counted) : 0;
      // a window that ran out with nothing counted yet is forgotten: the map holds active clients only
      return counted.rows == 0 && counted.bytes == 0 ? null : counted;
    });
    return left[0] == 0 ? null : StreamError.of(StreamError.QUOTA_EXCEEDED, 429, "the client's export quota of "
        + describe() + " is used up; a new window starts in " + left[0] + " s").withRetryAfter((int) Math.min(Integer.MAX_VALUE, left[0]));
  }

  private String describe() {
    String rows = quota.rowsPerWindow() > 0 ? quota.rowsPerWindow() + " rows" : null;
    String bytes = quota.bytesPerWindow() > 0 ? quota.bytesPerWindow() + " bytes" : null;
    return (rows != null && bytes != null ? rows + " and " + bytes : rows != null ? rows : bytes) + " per " + quota.windowSeconds() + " s";
  }

  /** The window {@code used} counts in, reset if it is over. */
  private Usage current(Usage used) {
    long now = nanoClock.getAsLong();
    if (now - used.windowStart >= TimeUnit.SECONDS.toNanos(quota.windowSeconds())) {
      used.windowStart = now;
      used.rows = 0;
      used.bytes = 0;
    }
    return used;
  }

  private boolean exhausted(Usage used) {
    return (quota.rowsPerWindow() > 0 && used.rows >= quota.rowsPerWindow()) || (quota.bytesPerWindow() > 0 && used.bytes >= quota.bytesPerWindow());
  }

  private long secondsLeft(Usage used) {
    long leftNanos = TimeUnit.SECONDS.toNanos(quota.windowSeconds()) - (nanoClock.getAsLong() - used.windowStart);
    return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(leftNanos + TimeUnit.SECONDS.toNanos(1) - 1));
  }

  /** Takes a stream slot for {@code client}, or returns null when it already runs as many as it may. */
  Lease acquire(String client) {
    if (perClient == 0) {
      return new Lease(null, client);
    }
    boolean[] granted = {false};
    active.compute(client, (key, count) -> {
      int current = count == null ? 0 : count;
      granted[0] = current < perClient;
      return granted[0] ? current + 1 : count;
    });
    return granted[0] ? new Lease(client, client) : null;
  }

  int perClient() {
    return perClient;
  }

  /** Streams {@code client} runs now. */
  int active(String client) {
    return active.getOrDefault(client, 0);
  }

  /** The client a request of {@code principal} stands for: the principal, unless anonymous. */
  String clientOf(HttpServerRequest request, Principal principal) {
    return Principal.ANONYMOUS.equals(principal.name()) ? clientOf(request) : "principal:" + principal.name();
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

  /** One stream's slot, released once however the stream ends, and its client's quota. */
  final class Lease {
    /** The key of the slot taken, or null when streams are not bounded. */
    private final String client;
    /** Whose quota the stream's rows and bytes count against. */
    private final String quotaKey;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(String client, String quotaKey) {
      this.client = client;
      this.quotaKey = quotaKey;
    }

    /** The error the stream ends with when its client's quota is used up in this window, or null while some is left. */
    StreamError quotaExhausted() {
      return quotaRefusal(quotaKey);
    }

    /** Counts {@code rows} and {@code bytes} sent against the client's quota. */
    void charge(long rows, long bytes) {
      if (!quota.bounded()) {
        return;
      }
      usage.compute(quotaKey, (key, used) -> {
        Usage counted = used == null ? fresh() : current(used);
        counted.rows += rows;
        counted.bytes += bytes;
        return counted;
      });
    }

    private Usage fresh() {
      Usage used = new Usage();
      used.windowStart = nanoClock.getAsLong();
      return used;
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
