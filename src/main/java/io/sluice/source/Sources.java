package io.sluice.source;

import io.sluice.dataset.Position;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@link SourceFactory}s a node serves, by name: the source stage picks one for each request's position. */
public final class Sources {

  private final Map<String, SourceFactory<?>> byName = new LinkedHashMap<>();

  public Sources(List<SourceFactory<?>> factories) {
    for (SourceFactory<?> factory : factories) {
      if (byName.put(factory.name(), factory) != null) {
        throw new IllegalArgumentException("two sources are named '" + factory.name() + "'");
      }
    }
  }

  /** Every factory, in the order given. */
  public List<SourceFactory<?>> all() {
    return List.copyOf(byName.values());
  }

  /** The factory that reads from {@code position}; throws {@link IllegalArgumentException} when none here does. */
  public SourceFactory<?> forPosition(Position position) {
    SourceFactory<?> factory = byName.get(position.source());
    if (factory == null) {
      throw new IllegalArgumentException("no source '" + position.source() + "' on this node (have " + byName.keySet() + ")");
    }
    return factory;
  }
}
