package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * The audit log ({@code audit}): the key the values of sensitive parameters are recorded under,
 * as HMAC-SHA256 digests ({@code hmacKey}, at least 32 characters; from {@code
 * SLUICE_AUDIT_HMAC_KEY}), the same on every node so that their lines can be matched. Without
 * one, each process makes up its own and warns: its digests then match only its own lines.
 */
public record AuditConfig(String hmacKey) {

  public static final int MIN_KEY_LENGTH = 32;

  static AuditConfig from(JsonObject json) {
    AuditConfig config = new AuditConfig(json.getString("hmacKey", ""));
    if (config.hasKey() && config.hmacKey.length() < MIN_KEY_LENGTH) {
      throw new ConfigException("audit.hmacKey must be at least " + MIN_KEY_LENGTH + " characters");
    }
    return config;
  }

  public boolean hasKey() {
    return hmacKey != null && !hmacKey.isBlank();
  }

  /** Never the key. */
  @Override
  public String toString() {
    return "AuditConfig[hmacKey=" + (hasKey() ? "***" : "none") + "]";
  }
}
