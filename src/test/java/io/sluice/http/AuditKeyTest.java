package io.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The audit key")
class AuditKeyTest {

  private static final String KEY = "audit-example-key-do-not-use-0123456789abcdef";

  @Test
  @DisplayName("digests a value as docs/security.md computes it with openssl, and names itself by the first 8 hex of its SHA-256")
  void asDocumented() {
    AuditKey key = AuditKey.of(KEY);

    assertThat(key.digest("4596")).isEqualTo("hmac-sha256:51ca3c71aa545c47");
    assertThat(key.id()).isEqualTo("9d5617ac");
    assertThat(key.toString()).doesNotContain(KEY);
  }

  @Test
  @DisplayName("gives the same value the same digest under one key, another under another key or a made-up one")
  void keyed() {
    AuditKey one = AuditKey.of(KEY);
    AuditKey other = AuditKey.of(KEY + "2");
    AuditKey madeUp = AuditKey.random();

    assertThat(one.digest("004596")).isEqualTo(AuditKey.of(KEY).digest("004596"))
        .isNotEqualTo(other.digest("004596")).isNotEqualTo(madeUp.digest("004596"));
    assertThat(madeUp.id()).matches("[0-9a-f]{8}").isNotEqualTo(AuditKey.random().id()).isNotIn(one.id(), other.id());
  }
}
