package io.sluice.auth;

import io.sluice.config.AuthConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies bearer tokens with vertx-auth-jwt, as {@link AuthConfig} says: a signature by one
 * of the configured keys (so only their algorithms, never {@code none}), the issuer, the
 * audience, {@code nbf} and {@code exp} within the clock skew, and an {@code exp} at all, which
 * vertx-auth-jwt checks only when present. Without authentication it names every caller
 * {@link Principal#ANONYMOUS}.
 */
public final class Authenticator {

  private final AuthConfig config;
  /** Null without authentication. */
  private final JWTAuth jwt;

  private Authenticator(AuthConfig config, JWTAuth jwt) {
    this.config = config;
    this.jwt = jwt;
  }

  /** An authenticator for {@code config}, which must be {@link AuthConfig#validated() valid}. */
  public static Authenticator create(Vertx vertx, AuthConfig config) {
    config.validated();
    if (config.mode() != AuthConfig.Mode.JWT) {
      return new Authenticator(config, null);
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(new JWTOptions()
        .setIssuer(config.issuer())
        .setAudience(List.of(config.audience()))
        .setLeeway(config.clockSkewSeconds()));
    if (!config.hs256Secret().isEmpty()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.hs256Secret()));
    }
    for (AuthConfig.PublicKey key : config.publicKeys()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(key.algorithm()).setBuffer(key.pem()).setId(key.id()));
    }
    return new Authenticator(config, JWTAuth.create(vertx, options));
  }

  public boolean required() {
    return jwt != null;
  }

  /** The caller of a service without authentication. */
  public Principal anonymous() {
    return Principal.anonymous(config.anonymousRoles(), config.anonymousRoles().contains(AuthConfig.ALL_ROLES));
  }

  /** Who {@code token} names; fails with {@link AuthenticationException} when it does not verify. */
  public Future<Principal> authenticate(String token) {
    if (jwt == null) {
      return Future.succeededFuture(anonymous());
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(err -> Future.failedFuture(AuthenticationException.invalidToken(describe(err))))
        .compose(user -> {
          JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
          if (!(claims.getValue("exp") instanceof Number)) {
            return Future.failedFuture(AuthenticationException.invalidToken("the token has no expiry (exp)"));
          }
          String subject = claims.getString("sub");
          if (subject == null || subject.isBlank()) {
            return Future.failedFuture(AuthenticationException.invalidToken("the token names no subject (sub)"));
          }
          return Future.succeededFuture(new Principal(subject, roles(claims), false, claims));
        });
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
