package io.sluice.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Instant;
import java.util.List;

/** HS256 tokens for tests that turn authentication on ({@link #configure}). */
public final class Jwt {

  public static final String SECRET = "an-hs256-secret-of-at-least-32-characters!";

  private final JWTAuth auth;

  private Jwt(Vertx vertx) {
    this.auth = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
  }

  public static Jwt on(Vertx vertx) {
    return new Jwt(vertx);
  }

  /** Turns JWT authentication on in a test configuration, with this class's secret. */
  public static void configure(JsonObject json) {
    json.put("auth", new JsonObject().put("mode", "jwt").put("hs256Secret", SECRET).put("clockSkewSeconds", 5));
  }

  /** A token that verifies for an hour: {@code subject}, holding {@code roles}, with {@code extra} claims. */
  public String token(String subject, JsonObject extra, String... roles) {
    long now = Instant.now().getEpochSecond();
    JsonObject claims = new JsonObject().put("sub", subject).put("iss", "sluice").put("aud", "sluice").put("exp", now + 3600)
        .put("roles", new JsonArray(List.of(roles))).mergeIn(extra);
    return auth.generateToken(claims, new JWTOptions().setAlgorithm("HS256"));
  }

  public String token(String subject, String... roles) {
    return token(subject, new JsonObject(), roles);
  }
}
