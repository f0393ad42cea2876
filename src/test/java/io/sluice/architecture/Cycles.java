package io.sluice.architecture;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The strongly connected components of more than one node in a graph (Tarjan): the loops of a dependency graph. */
final class Cycles {

  private final Map<String, Set<String>> edges;
  private final Map<String, Integer> index = new HashMap<>();
  private final Map<String, Integer> low = new HashMap<>();
  private final Deque<String> stack = new ArrayDeque<>();
  private final List<Set<String>> loops = new ArrayList<>();
  private int next;

  private Cycles(Map<String, Set<String>> edges) {
    this.edges = edges;
  }

  /** Each group of nodes that reach each other, as sorted names. */
  static List<Set<String>> of(Map<String, Set<String>> edges) {
    Cycles cycles = new Cycles(edges);
    for (String node : new TreeSet<>(edges.keySet())) {
      if (!cycles.index.containsKey(node)) {
        cycles.visit(node);
      }
    }
    return cycles.loops;
  }

  private void visit(String node) {
    index.put(node, next);
    low.put(node, next);
    next++;
    stack.push(node);
    for (String target : edges.getOrDefault(node, Set.of())) {
      if (!index.containsKey(target)) {
        visit(target);
        low.put(node, Math.min(low.get(node), low.get(target)));
      } else if (stack.contains(target)) {
        low.put(node, Math.min(low.get(node), index.get(target)));
      }
    }
    if (low.get(node).equals(index.get(node))) {
      Set<String> component = new TreeSet<>();
      String member;
      do {
        member = stack.pop();
        component.add(member);
      } while (!member.equals(node));
      if (component.size() > 1) {
        loops.add(component);
      }
    }
  }
}
