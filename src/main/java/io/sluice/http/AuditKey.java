package io.sluice.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key under which the {@link AuditLog} records the values it must not show: {@code
 * hmac-sha256:} and the first 16 hex digits of their HMAC-SHA256, so that equal values match
 * without a dictionary of likely values giving them away; and its {@link #id()}, the first 8
 * hex digits of the key's SHA-256, which every line carries so that lines made under different
 * keys (another process's made-up key, a key before a rotation) are told apart.
 */
public final class AuditKey {

  private static final String ALGORITHM = "HmacSHA256";
  private static final int DIGEST_HEX_DIGITS = 16;
  private static final int ID_HEX_DIGITS = 8;
  private static final int RANDOM_KEY_BYTES = 32;

  private final SecretKeySpec key;
  private final String id;

  private AuditKey(String secret) {
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    this.key = new SecretKeySpec(bytes, ALGORITHM);
    try {
      this.id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, ID_HEX_DIGITS);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The configured key ({@code audit.hmacKey}). */
  public static AuditKey of(String secret) {
    return new AuditKey(secret);
  }

  /** A key made up for this process: its digests match only this process's lines. */
  public static AuditKey random() {
    byte[] bytes = new byte[RANDOM_KEY_BYTES];
    new SecureRandom().nextBytes(bytes);
    return new AuditKey(Base64.getEncoder().encodeToString(bytes));
  }

  /** The key's id: the first 8 hex digits of its SHA-256; it says nothing of the key. */
  public String id() {
    return id;
  }

  /** {@code "hmac-sha256:"} and the first 16 hex digits of the HMAC-SHA256 of {@code value}'s UTF-8 bytes. */
  String digest(String value) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM); // one per call: a Mac is not thread-safe, and this runs once per request
      mac.init(key);
      return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8))).substring(0, DIGEST_HEX_DIGITS);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has " + ALGORITHM, e);
    }
  }

  /** Never the key. */
  @Override
  public String toString() {
    return "AuditKey[id=" + id + "]";
  }
}
