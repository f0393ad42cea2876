package io.sluice.limits;

import io.sluice.error.Failure;
import io.sluice.error.Reason;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The one limiter of streams per client on a node, shared by every transport that serves it
 * (HTTP, the event bus and the TCP bridge): how many streams a client runs at once, and how many
 * rows and bytes it exported in the current window of its quota. A client is a key its transport
 * names: {@code principal:<name>} for an authenticated caller, whatever the transport, so one
 * caller's HTTP and bridge streams count together; otherwise the address (HTTP, the bridge) or
 * the cluster node (the event bus) the stream came from. Refusals are domain {@link Failure}s
 * ({@code too-many-streams}, {@code quota-exceeded}: 429), which each transport puts on its wire.
 */
public final class ClientLimiter {

  /** Seconds a client refused for running too many streams is told to wait. */
  public static final int TOO_MANY_RETRY_AFTER_SECONDS = 5;

  private final int perClient;
  private final long rowsPerWindow;
  private final long bytesPerWindow;
  private final int windowSeconds;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Integer> active = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Usage> usage = new ConcurrentHashMap<>();

  /** {@code perClient} streams at most per client (0: no bound), and no quota. */
  public ClientLimiter(int perClient) {
    this(perClient, 0, 0, 3600, System::nanoTime);
  }

  /**
   * With a quota per client of {@code rowsPerWindow} rows and {@code bytesPerWindow} bytes (0: no
   * bound) per window of {@code windowSeconds}, measured on {@code nanoClock} (monotonic).
   */
  public ClientLimiter(int perClient, long rowsPerWindow, long bytesPerWindow, int windowSeconds, LongSupplier nanoClock) {
    this.perClient = perClient;
    this.rowsPerWindow = rowsPerWindow;
    this.bytesPerWindow = bytesPerWindow;
    this.windowSeconds = windowSeconds;
    this.nanoClock = nanoClock;
  }

  /** The key of an authenticated caller, the same on every transport. */
  public static String principalKey(String principal) {
    return "principal:" + principal;
  }

  /** What {@code client} exported in its current window; a new window once the last one is over. */
  private static final class Usage {
    long windowStart;
    long rows;
    long bytes;
  }

  private boolean bounded() {
    return rowsPerWindow > 0 || bytesPerWindow > 0;
  }

  /**
   * The refusal of a new stream of {@code client} whose quota is used up in this window
   * ({@code quota-exceeded}, retry after the seconds left in it), or null when it has some left.
   */
  public Failure quotaRefusal(String client) {
    if (!bounded()) {
      return null;
    }
    long[] left = {0};
    usage.computeIfPresent(client, (key, used) -> {
      Usage counted = current(used);
      left[0] = exhausted(counted) ? secondsLeft(counted) : 0;
      // a window that ran out with nothing counted yet is forgotten: the map holds active clients only
      return counted.rows == 0 && counted.bytes == 0 ? null : counted;
    });
    return left[0] == 0 ? null : Failure.of(Reason.QUOTA_EXCEEDED, "the client's export quota of "
        + describe() + " is used up; a new window starts in " + left[0] + " s").withRetryAfter((int) Math.min(Integer.MAX_VALUE, left[0]));
  }

  /** The refusal of a stream of {@code client}, which already runs as many as it may. */
  public Failure tooManyStreams(String client) {
    return Failure.of(Reason.TOO_MANY_STREAMS, "client " + client + " already runs " + perClient + " streams, the most one client may")
        .withRetryAfter(TOO_MANY_RETRY_AFTER_SECONDS);
  }

  private String describe() {
    String rows = rowsPerWindow > 0 ? rowsPerWindow + " rows" : null;
    String bytes = bytesPerWindow > 0 ? bytesPerWindow + " bytes" : null;
    return (rows != null && bytes != null ? rows + " and " + bytes : rows != null ? rows : bytes) + " per " + windowSeconds + " s";
  }

  /** The window {@code used} counts in, reset if it is over. */
  private Usage current(Usage used) {
    long now = nanoClock.getAsLong();
    if (now - used.windowStart >= TimeUnit.SECONDS.toNanos(windowSeconds)) {
      used.windowStart = now;
      used.rows = 0;
      used.bytes = 0;
    }
    return used;
  }

  private boolean exhausted(Usage used) {
    return (rowsPerWindow > 0 && used.rows >= rowsPerWindow) || (bytesPerWindow > 0 && used.bytes >= bytesPerWindow);
  }

  private long secondsLeft(Usage used) {
    long leftNanos = TimeUnit.SECONDS.toNanos(windowSeconds) - (nanoClock.getAsLong() - used.windowStart);
    return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(leftNanos + TimeUnit.SECONDS.toNanos(1) - 1));
  }

  /** Takes a stream slot for {@code client}, or returns null when it already runs as many as it may. */
  public Lease acquire(String client) {
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

  public int perClient() {
    return perClient;
  }

  /** Streams {@code client} runs now. */
  public int active(String client) {
    return active.getOrDefault(client, 0);
  }

  /** One stream's slot, released once however the stream ends, and its client's quota. */
  public final class Lease {
    /** The key of the slot taken, or null when streams are not bounded. */
    private final String client;
    /** Whose quota the stream's rows and bytes count against. */
    private final String quotaKey;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(String client, String quotaKey) {
      this.client = client;
      this.quotaKey = quotaKey;
    }

    /** The failure the stream ends with when its client's quota is used up in this window, or null while some is left. */
    public Failure quotaExhausted() {
      return quotaRefusal(quotaKey);
    }

    /** Counts {@code rows} and {@code bytes} sent against the client's quota. */
    public void charge(long rows, long bytes) {
      if (!bounded()) {
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

    public void release() {
      if (client != null && released.compareAndSet(false, true)) {
        active.computeIfPresent(client, (key, count) -> count <= 1 ? null : count - 1);
      }
    }
  }
}
