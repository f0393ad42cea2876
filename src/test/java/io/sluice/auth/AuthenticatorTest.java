package io.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.AuthConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("The caller of a request")
class AuthenticatorTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-characters";

  private static Authenticator jwt(Vertx vertx) {
    return Authenticator.create(vertx, new AuthConfig(AuthConfig.Mode.JWT, SECRET, List.of(), "sluice", "sluice", 5, "roles", Set.of(),
        null, null));
  }

  private static String token(Vertx vertx, String subject) {
    JsonObject claims = new JsonObject().put("sub", subject).put("iss", "sluice").put("aud", "sluice")
        .put("exp", Instant.now().getEpochSecond() + 3600).put("roles", new JsonArray().add("reader"));
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)))
        .generateToken(claims, new JWTOptions().setAlgorithm("HS256"));
  }

  @Test
  @DisplayName("is anonymous, with the anonymous roles, without authentication, and no token is looked for")
  void anonymousWithoutAuthentication(Vertx vertx, VertxTestContext test) {
    Authenticator none = Authenticator.create(vertx, new AuthConfig(AuthConfig.Mode.NONE, "", List.of(), "sluice", "sluice", 0, "roles",
        Set.of("reader"), null, null));

    none.caller(() -> {
      throw new AssertionError("a token was looked for");
    }).onComplete(test.succeeding(caller -> test.verify(() -> {
      assertThat(caller.name()).isEqualTo(Principal.ANONYMOUS);
      assertThat(caller.holds("reader")).isTrue();
      test.completeNow();
    })));
  }

  @Test
  @DisplayName("is who the token names, when it verifies")
  void theTokensSubject(Vertx vertx, VertxTestContext test) {
    String token = token(vertx, "alice");

    jwt(vertx).caller(() -> token).onComplete(test.succeeding(caller -> test.verify(() -> {
      assertThat(caller.name()).isEqualTo("alice");
      assertThat(caller.roleNames()).containsExactly("reader");
      test.completeNow();
    })));
  }

  @Test
  @DisplayName("is refused as missing when the transport finds no token, or a blank one")
  void missing(Vertx vertx, VertxTestContext test) {
    Authenticator authenticator = jwt(vertx);
    Checkpoint checked = test.checkpoint(2);
    for (String none : new String[] {null, "  "}) {
      authenticator.caller(() -> none).onComplete(test.failing(err -> test.verify(() -> {
        assertThat(err).isInstanceOf(AuthenticationException.class).hasMessage(AuthenticationException.missing().getMessage());
        assertThat(((AuthenticationException) err).bearerError()).isNull();
        checked.flag();
      })));
    }
  }

  @Test
  @DisplayName("is refused with the transport's own reason when it refuses how the token came")
  void refusedByTheTransport(Vertx vertx, VertxTestContext test) {
    AuthenticationException refused = AuthenticationException.invalidRequest("give the token once");

    jwt(vertx).caller(() -> {
      throw refused;
    }).onComplete(test.failing(err -> test.verify(() -> {
      assertThat(err).isSameAs(refused);
      test.completeNow();
    })));
  }

  @Test
  @DisplayName("is refused as an invalid token when the token does not verify")
  void invalidToken(Vertx vertx, VertxTestContext test) {
    jwt(vertx).caller(() -> "not.a.token").onComplete(test.failing(err -> test.verify(() -> {
      assertThat(err).isInstanceOf(AuthenticationException.class);
      assertThat(((AuthenticationException) err).bearerError()).isEqualTo("invalid_token");
      test.completeNow();
    })));
  }
}
