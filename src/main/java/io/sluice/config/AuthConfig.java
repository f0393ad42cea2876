package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Who may call the HTTP API ({@code auth}). {@code mode: jwt}: every request but the health
 * probes carries a bearer JWT, verified with an HS256 secret ({@code hs256Secret}, or {@code
 * SLUICE_JWT_HS256_SECRET[_FILE]}) and/or RS256/ES256 public keys ({@code publicKeys}); the
 * algorithms accepted are exactly those of the keys configured. {@code exp} is required,
 * {@code iss} and {@code aud} must match, with {@code clockSkewSeconds} of leeway; the caller's
 * roles are the string array at {@code rolesClaim}. {@code mode: none}: no authentication, the
 * caller holds {@code anonymousRoles} ({@code "*"}: every role). The mode must be set: a
 * service that does not say is refused at start-up, as is {@code jwt} without a key.
 */
public record AuthConfig(
    Mode mode,
    String hs256Secret,
    List<PublicKey> publicKeys,
    String issuer,
    String audience,
    int clockSkewSeconds,
    String rolesClaim,
    Set<String> anonymousRoles,
    String metricsRole,
    Jwks jwks) {

  /**
   * Keys from a JWKS URL ({@code auth.jwks.url}), for tokens signed with one of {@code
   * algorithms}; the set is fetched at start-up, again when a token names an unknown key id
   * (at most once per {@code refreshMinSeconds}), and as its cache lifetime says.
   */
  public record Jwks(String url, List<String> algorithms, int refreshMinSeconds) {}

  /** Every role, as {@code anonymousRoles} may grant them. */
  public static final String ALL_ROLES = "*";

  /** How callers are authenticated. */
  public enum Mode {
    /** Not configured: start-up refuses it. */
    UNSET,
    NONE,
    JWT
  }

  /** A public key in PEM (SubjectPublicKeyInfo), for {@code RS256} or {@code ES256}, with its optional key id. */
  public record PublicKey(String algorithm, String pem, String id) {}

  public AuthConfig {
    publicKeys = List.copyOf(publicKeys);
    jwks = jwks == null ? new Jwks("", List.of("RS256"), 60) : jwks;
    anonymousRoles = Set.copyOf(anonymousRoles);
  }

  static AuthConfig from(JsonObject json) {
    String secret = json.getString("hs256Secret", "");
    List<PublicKey> keys = new ArrayList<>();
    for (Object key : json.getJsonArray("publicKeys", new JsonArray())) {
      JsonObject k = (JsonObject) key;
      String algorithm = k.getString("algorithm", "");
      if (!algorithm.equals("RS256") && !algorithm.equals("ES256")) {
        throw new ConfigException("auth.publicKeys: algorithm must be RS256 or ES256, got '" + algorithm + "'");
      }
      keys.add(new PublicKey(algorithm, k.getString("pem", ""), k.getString("id")));
    }
    String mode = json.getString("mode", "");
    Mode parsed = switch (mode.toLowerCase()) {
      case "jwt" -> Mode.JWT;
      case "none" -> Mode.NONE;
      // a secret from the environment alone turns JWT on
      case "" -> secret.isEmpty() ? Mode.UNSET : Mode.JWT;
      default -> throw new ConfigException("auth.mode must be jwt or none, got '" + mode + "'");
    };
    List<String> anonymous = new ArrayList<>();
    json.getJsonArray("anonymousRoles", new JsonArray()).forEach(r -> anonymous.add(String.valueOf(r)));
    JsonObject jwks = json.getJsonObject("jwks", new JsonObject());
    List<String> algorithms = new ArrayList<>();
    jwks.getJsonArray("algorithms", new JsonArray().add("RS256")).forEach(a -> algorithms.add(String.valueOf(a)));
    if (algorithms.stream().anyMatch(a -> !a.matches("(RS|ES|PS)(256|384|512)"))) {
      throw new ConfigException("auth.jwks.algorithms: asymmetric algorithms only (RS256, ES256, PS256, ...), got " + algorithms);
    }
    AuthConfig config = new AuthConfig(parsed, secret, keys,
        json.getString("issuer", "sluice"), json.getString("audience", "sluice"),
        json.getInteger("clockSkewSeconds", 30), json.getString("rolesClaim", "roles"), Set.copyOf(anonymous),
        json.getString("metricsRole"), new Jwks(jwks.getString("url", ""), List.copyOf(algorithms), jwks.getInteger("refreshMinSeconds", 60)));
    if (config.clockSkewSeconds < 0 || config.clockSkewSeconds > 300) {
      throw new ConfigException("auth.clockSkewSeconds must be 0-300");
    }
    return config;
  }

  /**
   * Refuses what must not serve: no mode chosen, or JWT without a key (vertx-auth-jwt without
   * keys accepts unsigned tokens, {@code alg: none}), or an HS256 secret too short to resist guessing.
   */
  public AuthConfig validated() {
    if (mode == Mode.UNSET) {
      throw new ConfigException("auth.mode is not set: configure auth.mode: jwt with a key (SLUICE_JWT_HS256_SECRET, auth.publicKeys),"
          + " or say auth.mode: none (SLUICE_AUTH=none) to serve every dataset to anyone who reaches the port");
    }
    if (mode == Mode.JWT && !hasKey()) {
      throw new ConfigException("auth.mode is jwt but no key is configured: set SLUICE_JWT_HS256_SECRET, auth.publicKeys or auth.jwks.url");
    }
    if (!jwks.url().isEmpty() && (!hs256Secret.isEmpty() || !publicKeys.isEmpty())) {
      throw new ConfigException("auth: give keys (hs256Secret, publicKeys) or a JWKS URL (auth.jwks.url), not both");
    }
    if (mode == Mode.JWT && !hs256Secret.isEmpty() && hs256Secret.length() < 32) {
      throw new ConfigException("auth.hs256Secret must be at least 32 characters");
    }
    if (publicKeys.stream().anyMatch(k -> k.pem().isBlank())) {
      throw new ConfigException("auth.publicKeys: every key needs its pem");
    }
    return this;
  }

  /** Never the secret: a configuration may be logged. */
  @Override
  public String toString() {
    return "AuthConfig[mode=" + mode + ", hs256Secret=" + (hs256Secret.isEmpty() ? "" : "***") + ", publicKeys=" + publicKeys.size()
        + ", issuer=" + issuer + ", audience=" + audience + ", clockSkewSeconds=" + clockSkewSeconds + ", rolesClaim=" + rolesClaim
        + ", anonymousRoles=" + anonymousRoles + ", metricsRole=" + metricsRole + ", jwks=" + jwks + "]";
  }

  /** Whether a key to verify tokens with is configured. */
  public boolean hasKey() {
    return !hs256Secret.isEmpty() || !publicKeys.isEmpty() || !jwks.url().isEmpty();
  }

  /** Which roles an unauthenticated caller holds. */
  public boolean anonymousHolds(String role) {
    return anonymousRoles.contains(ALL_ROLES) || anonymousRoles.contains(role);
  }

  /** The same settings with {@code auth: none} granting {@code roles}; for the demo. */
  public AuthConfig asNone(Set<String> roles) {
    return new AuthConfig(Mode.NONE, "", List.of(), issuer, audience, clockSkewSeconds, rolesClaim, roles, metricsRole, null);
  }
}
