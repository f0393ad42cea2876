package io.sluice.config;

import io.sluice.error.ConfigException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A stage a node runs ({@code roles} in the configuration): the HTTP API, the transforms, or
 * the cursors that read PostgreSQL. A node runs all three unless told otherwise; in a cluster,
 * a stage a node lacks is reached on the nodes that have it.
 */
public enum Role {
  HTTP, TRANSFORM, CURSOR;

  /** Parses role names ({@code http}, {@code transform}, {@code cursor}, or {@code all}); none means all. */
  static Set<Role> parse(Iterable<?> names) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (Object name : names) {
      String text = String.valueOf(name).strip().toLowerCase(Locale.ROOT);
      if (text.equals("all")) {
        roles.addAll(EnumSet.allOf(Role.class));
        continue;
      }
      try {
        roles.add(Role.valueOf(text.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("roles: unknown role '" + name + "' (known: all, "
            + Arrays.stream(values()).map(r -> r.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ")");
      }
    }
    return roles.isEmpty() ? EnumSet.allOf(Role.class) : roles;
  }
}
