package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * What one client (its principal, or its address without authentication) may export per
 * window of {@code windowSeconds}: {@code rowsPerWindow} rows and {@code bytesPerWindow} body
 * bytes (0: no bound), counted by each node for the streams it serves ({@code http.quota}).
 * An exhausted quota refuses new streams with 429 until the window ends, and ends a stream in
 * flight {@code partial} before its next batch.
 */
public record QuotaConfig(long rowsPerWindow, long bytesPerWindow, int windowSeconds) {

  static QuotaConfig from(JsonObject json) {
    QuotaConfig config = new QuotaConfig(json.getLong("rowsPerWindow", 0L), json.getLong("bytesPerWindow", 0L),
        json.getInteger("windowSeconds", 3600));
    if (config.rowsPerWindow < 0 || config.bytesPerWindow < 0 || config.windowSeconds < 1) {
      throw new ConfigException("http.quota: rowsPerWindow and bytesPerWindow must be >= 0 (0: no bound), windowSeconds >= 1");
    }
    return config;
  }

  public boolean bounded() {
    return rowsPerWindow > 0 || bytesPerWindow > 0;
  }
}
