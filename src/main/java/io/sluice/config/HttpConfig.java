package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Where the HTTP API listens. {@code sendBufferSize} (bytes, -1 for the OS default) bounds
 * what the kernel holds for a slow client; {@code idleTimeoutSeconds} closes a connection
 * on which nothing moved for that long (a client that stopped reading, say). {@code
 * corsOrigins} are the origins whose pages may read the API ({@code *} for any; none by default).
 * {@code compressionLevel} is the gzip/deflate/zstd level for clients that accept it (0 turns
 * compression off), {@code heartbeatSeconds} the silence after which a running stream sends a
 * heartbeat (0: never), {@code chunkSize} the most bytes written to the socket at once.
 * {@code stallTimeoutSeconds} ends a stream whose client has taken nothing for that long,
 * whatever it sends; {@code maxStreamsPerClient} bounds the streams one client runs at once
 * (0: no bound), a client being its address, or the one {@code X-Forwarded-For} names when
 * the request comes from one of the {@code trustedProxies} (addresses or CIDR ranges).
 * A stream that asked for {@code degrade=sample} starts sampling its rows when its response
 * spent more than {@code sampleBlockedShare} (strictly between 0 and 1) of a window of
 * {@code sampleWindowSeconds} waiting on its client's socket. {@code limits} bound the size of
 * requests ({@link RequestLimits}), {@code quota} what one client may export per window ({@link QuotaConfig}).
 * {@code arrowMemoryBytes} caps the off-heap memory the vectors of all Arrow responses of the
 * process hold at once (at least 1 MiB): a stream that would pass it fails, not the process.
 */
public record HttpConfig(String host, int port, int sendBufferSize, int idleTimeoutSeconds, List<String> corsOrigins,
    int compressionLevel, int heartbeatSeconds, int chunkSize, int stallTimeoutSeconds, int maxStreamsPerClient,
    List<String> trustedProxies, int sampleWindowSeconds, double sampleBlockedShare, RequestLimits limits, QuotaConfig quota,
    long arrowMemoryBytes) {

  /** The default of {@code arrowMemoryBytes}: what docs/operations.md budgets for Arrow in a 1 GiB container. */
  public static final long DEFAULT_ARROW_MEMORY_BYTES = 64L * 1024 * 1024;
  public static final long MIN_ARROW_MEMORY_BYTES = 1024L * 1024;

  static HttpConfig from(JsonObject json) {
    HttpConfig config = new HttpConfig(
        json.getString("host", "0.0.0.0"),
        json.getInteger("port", 8080),
        json.getInteger("sendBufferSize", -1),
        json.getInteger("idleTimeoutSeconds", 300),
        json.getJsonArray("corsOrigins", new JsonArray()).stream().map(String::valueOf).toList(),
        json.getInteger("compressionLevel", 1),
        json.getInteger("heartbeatSeconds", 15),
        json.getInteger("chunkSize", 64 * 1024),
        json.getInteger("stallTimeoutSeconds", 60),
        json.getInteger("maxStreamsPerClient", 8),
        json.getJsonArray("trustedProxies", new JsonArray()).stream().map(String::valueOf).toList(),
        json.getInteger("sampleWindowSeconds", 10),
        json.getDouble("sampleBlockedShare", 0.5),
        RequestLimits.from(json),
        QuotaConfig.from(json.getJsonObject("quota", new JsonObject())),
        json.getLong("arrowMemoryBytes", DEFAULT_ARROW_MEMORY_BYTES));
    if (config.compressionLevel < 0 || config.compressionLevel > 9 || config.heartbeatSeconds < 0 || config.chunkSize < 1024
        || config.stallTimeoutSeconds < 1 || config.maxStreamsPerClient < 0 || config.sampleWindowSeconds < 1
        || !(config.sampleBlockedShare > 0 && config.sampleBlockedShare < 1) || config.arrowMemoryBytes < MIN_ARROW_MEMORY_BYTES) {
      throw new ConfigException("http: compressionLevel must be 0-9, heartbeatSeconds >= 0, chunkSize >= 1024,"
          + " stallTimeoutSeconds >= 1, maxStreamsPerClient >= 0, sampleWindowSeconds >= 1, sampleBlockedShare between 0 and 1 (exclusive),"
          + " arrowMemoryBytes >= " + MIN_ARROW_MEMORY_BYTES);
    }
    return config;
  }

  /** The same server, open to pages of every origin (the demo's choice when none is configured). */
  public HttpConfig withCorsOrigins(List<String> origins) {
    return new HttpConfig(host, port, sendBufferSize, idleTimeoutSeconds, List.copyOf(origins), compressionLevel, heartbeatSeconds,
        chunkSize, stallTimeoutSeconds, maxStreamsPerClient, trustedProxies, sampleWindowSeconds, sampleBlockedShare, limits, quota,
        arrowMemoryBytes);
  }
}
