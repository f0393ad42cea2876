package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * Resume tokens: the key that signs them ({@code signingKey}, at least 32 characters; from
 * {@code SLUICE_RESUME_KEY}) and how long a token stays valid. Start-up refuses a missing
 * key, except for the single-node demo, which makes one per process.
 */
public record ResumeConfig(String signingKey, long tokenTtlSeconds) {

  public static final int MIN_KEY_LENGTH = 32;

  static ResumeConfig from(JsonObject json) {
    ResumeConfig config = new ResumeConfig(json.getString("signingKey", ""), json.getLong("tokenTtlSeconds", 86_400L));
    if (config.hasKey() && config.signingKey.length() < MIN_KEY_LENGTH) {
      throw new ConfigException("resume.signingKey must be at least " + MIN_KEY_LENGTH + " characters");
    }
    if (config.tokenTtlSeconds < 1) {
      throw new ConfigException("resume.tokenTtlSeconds must be >= 1");
    }
    return config;
  }

  public boolean hasKey() {
    return signingKey != null && !signingKey.isBlank();
  }

  /** Never the key. */
  @Override
  public String toString() {
    return "ResumeConfig[signingKey=" + (hasKey() ? "***" : "none") + ", tokenTtlSeconds=" + tokenTtlSeconds + "]";
  }

  public ResumeConfig withSigningKey(String key) {
    return new ResumeConfig(key, tokenTtlSeconds);
  }
}
