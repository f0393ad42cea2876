package io.sluice.auth;

import io.sluice.config.AuthConfig;
import io.sluice.error.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.NoSuchKeyIdException;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Verifies bearer tokens, as {@link AuthConfig} says: a signature by one of the configured keys
 * (vertx-auth-jwt), or by a key of a JWKS URL (vertx-auth-oauth2, its set fetched again, at
 * most once per {@code refreshMinSeconds}, when a token names a key id it does not hold: a
 * rotation), so only their algorithms and never {@code none}; the issuer, the audience, {@code
 * nbf} and {@code exp} within the clock skew, and an {@code exp} at all, which the libraries
 * check only when present. Without authentication it names every caller {@link Principal#ANONYMOUS}.
 */
public final class Authenticator {

  private final AuthConfig config;
  /** What verifies tokens; null without authentication. */
  private final AuthenticationProvider provider;
  /** The JWKS-backed provider, when keys come from a URL. */
  private final OAuth2Auth jwks;
  /** When the JWKS was last fetched for an unknown key id (monotonic ns), or 0. */
  private long lastRefresh;

  private Authenticator(AuthConfig config, AuthenticationProvider provider, OAuth2Auth jwks) {
    this.config = config;
    this.provider = provider;
    this.jwks = jwks;
  }

  /** An authenticator for {@code config}, which must be {@link AuthConfig#validated() valid}. */
  public static Authenticator create(Vertx vertx, AuthConfig config) {
    config.validated();
    if (config.mode() != AuthConfig.Mode.JWT) {
      return new Authenticator(config, null, null);
    }
    JWTOptions checks = new JWTOptions()
        .setIssuer(config.issuer())
        .setAudience(List.of(config.audience()))
        .setLeeway(config.clockSkewSeconds());
    if (!config.jwks().url().isEmpty()) {
      OAuth2Auth oauth2 = OAuth2Auth.create(vertx, new OAuth2Options()
          .setClientId(config.audience())
          .setJwkPath(config.jwks().url())
          .setJWTOptions(checks));
      return new Authenticator(config, oauth2, oauth2);
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(checks);
    if (!config.hs256Secret().isEmpty()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.hs256Secret()));
    }
    for (AuthConfig.PublicKey key : config.publicKeys()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(key.algorithm()).setBuffer(key.pem()).setId(key.id()));
    }
    return new Authenticator(config, JWTAuth.create(vertx, options), null);
  }

  /** Fetches the JWKS, when keys come from a URL: the service does not serve before it has them. */
  public Future<Void> start() {
    return jwks == null ? Future.succeededFuture() : jwks.jWKSet()
        .recover(err -> Future.failedFuture(new ConfigException("auth.jwks.url: cannot load the key set: " + err.getMessage())));
  }

  public boolean required() {
    return provider != null;
  }

  /** The caller of a service without authentication. */
  public Principal anonymous() {
    return Principal.anonymous(config.anonymousRoles(), config.anonymousRoles().contains(AuthConfig.ALL_ROLES));
  }

  /**
   * The caller of a request, decided alike for every transport, each of which only finds the
   * token in its own place ({@code findToken}): without authentication, anonymous, and the token
   * is not looked for; with it, who the token names, or a failed future with an {@link
   * AuthenticationException}: {@link AuthenticationException#missing() missing} when {@code
   * findToken} gives none (null or blank), the one {@code findToken} throws when the request
   * carries its token in a way the transport refuses, or the reason the token does not verify.
   */
  public Future<Principal> caller(Supplier<String> findToken) {
    if (!required()) {
      return Future.succeededFuture(anonymous());
    }
    String token;
    try {
      token = findToken.get();
    } catch (AuthenticationException refused) {
      return Future.failedFuture(refused);
    }
    return token == null || token.isBlank() ? Future.failedFuture(AuthenticationException.missing()) : authenticate(token);
  }

  /** Who {@code token} names; fails with {@link AuthenticationException} when it does not verify. */
  private Future<Principal> authenticate(String token) {
    if (jwks != null && !pinnedAlgorithm(token)) {
      // an empty key set would put the library in its unsecured mode: the algorithm is checked here first
      return Future.failedFuture(AuthenticationException.invalidToken(describe(new IllegalStateException("algorithm"))));
    }
    return verify(token, true)
        .recover(err -> Future.failedFuture(AuthenticationException.invalidToken(describe(err))))
        .compose(user -> {
          JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
          if (!(claims.getValue("exp") instanceof Number)) {
            return Future.failedFuture(AuthenticationException.invalidToken("the token has no expiry (exp)"));
          }
          if (jwks != null && !audienceMatches(claims.getValue("aud"))) {
            // vertx-auth-oauth2 checks the audience only when the token has one
            return Future.failedFuture(AuthenticationException.invalidToken("the token is not for this audience"));
          }
          String subject = claims.getString("sub");
          if (subject == null || subject.isBlank()) {
            return Future.failedFuture(AuthenticationException.invalidToken("the token names no subject (sub)"));
          }
          return Future.succeededFuture(new Principal(subject, roles(claims), false, claims));
        });
  }

  /**
   * Verifies with the provider; a token whose key id the JWKS does not hold makes it fetch the
   * set again, at most once per {@code refreshMinSeconds}, and try once more.
   */
  private Future<User> verify(String token, boolean mayRefresh) {
    return provider.authenticate(new TokenCredentials(token)).recover(err -> {
      if (jwks == null || !mayRefresh || !(err instanceof NoSuchKeyIdException) || !refreshAllowed()) {
        return Future.failedFuture(err);
      }
      return jwks.jWKSet().compose(v -> verify(token, false), refreshFailed -> Future.failedFuture(err));
    });
  }

  private synchronized boolean refreshAllowed() {
    long now = System.nanoTime();
    if (lastRefresh != 0 && now - lastRefresh < TimeUnit.SECONDS.toNanos(config.jwks().refreshMinSeconds())) {
      return false;
    }
    lastRefresh = now;
    return true;
  }

  /** Whether the token's header names one of the algorithms configured for the JWKS. */
  private boolean pinnedAlgorithm(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    try {
      JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8));
      return config.jwks().algorithms().contains(header.getString("alg"));
    } catch (RuntimeException malformed) {
      return false;
    }
  }

  private boolean audienceMatches(Object aud) {
    return aud instanceof String one ? one.equals(config.audience())
        : aud instanceof JsonArray many && many.contains(config.audience());
  }

  /** The roles at the configured claim (a dotted path), a string array. */
  private Set<String> roles(JsonObject claims) {
    Object node = claims;
    for (String part : config.rolesClaim().split("\\.")) {
      node = node instanceof JsonObject object ? object.getValue(part) : null;
    }
    Set<String> roles = new HashSet<>();
    if (node instanceof JsonArray array) {
      array.forEach(role -> {
        if (role instanceof String name) {
          roles.add(name);
        }
      });
    }
    return roles;
  }

  /** A reason fit for the caller: what was wrong, never the key or the library's internals. */
  private static String describe(Throwable err) {
    String message = String.valueOf(err.getMessage());
    if (message.contains("expired")) {
      return "the token has expired";
    }
    if (message.contains("audience")) {
      return "the token is not for this audience";
    }
    if (message.contains("issuer")) {
      return "the token is not from the expected issuer";
    }
    if (message.contains("not yet valid") || message.contains("nbf") || message.contains("iat")) {
      return "the token is not valid yet";
    }
    return "the token is malformed, unsigned, signed with an algorithm or key not accepted here, or its signature does not match";
  }
}
