package io.sluice.auth;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Who a request comes from: a name (the token's {@code sub}, or {@code anonymous}), the roles
 * it holds, and the token's claims, which datasets may bind parameters to.
 */
public record Principal(String name, Set<String> roles, boolean allRoles, JsonObject claims) {

  public static final String ANONYMOUS = "anonymous";

  public Principal {
    roles = Set.copyOf(roles);
    claims = claims.copy();
  }

  /** The unauthenticated caller of a service without authentication, holding {@code roles} (or every role). */
  public static Principal anonymous(Set<String> roles, boolean allRoles) {
    return new Principal(ANONYMOUS, roles, allRoles, new JsonObject());
  }

  /** Whether it holds every role of {@code required}; an empty set requires none. */
  public boolean holdsAny(Set<String> required) {
    return required.isEmpty() || allRoles || required.stream().anyMatch(roles::contains);
  }

  /** Its roles as a stream request carries them: {@code "*"} for every role. */
  public Set<String> roleNames() {
    return allRoles ? Set.of("*") : roles;
  }

  public boolean holds(String role) {
    return allRoles || roles.contains(role);
  }

  /** The value of {@code claim} as text (a number as its digits), or null when the token has none or it is not a scalar. */
  public String claimText(String claim) {
    Object value = claims.getValue(claim);
    return value instanceof String || value instanceof Number || value instanceof Boolean ? String.valueOf(value) : null;
  }
}
