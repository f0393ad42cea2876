package io.sluice.k8s;

import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The project's Dockerfile, read as instructions: continuation lines joined, comments dropped. */
final class ContainerImage {

  static final Path DOCKERFILE = Path.of("Dockerfile");
  private static final Pattern ENV_JAVA_TOOL_OPTIONS = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"");

  private ContainerImage() {}

  /** Each instruction on one line, in order. */
  static List<String> instructions() {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Manifests.read(DOCKERFILE).split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
        continue;
      }
      boolean continued = trimmed.endsWith("\\");
      current.append(continued ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
      if (!continued) {
        instructions.add(current.toString().strip());
        current.setLength(0);
      }
    }
    return instructions;
  }

  static List<String> instructions(String keyword) {
    return instructions().stream().filter(i -> i.startsWith(keyword + " ")).map(i -> i.substring(keyword.length() + 1).strip()).toList();
  }

  /** The runtime stage's JAVA_TOOL_OPTIONS. */
  static String javaToolOptions() {
    for (String env : instructions("ENV")) {
      Matcher matcher = ENV_JAVA_TOOL_OPTIONS.matcher(env);
      if (matcher.find()) {
        return matcher.group(1);
      }
    }
    throw new AssertionError("the Dockerfile sets no JAVA_TOOL_OPTIONS");
  }

  /** The ENTRYPOINT, in its exec (JSON) form. */
  static List<String> entrypoint() {
    List<String> entrypoints = instructions("ENTRYPOINT");
    if (entrypoints.size() != 1) {
      throw new AssertionError("expected one ENTRYPOINT, found " + entrypoints);
    }
    return new JsonArray(entrypoints.get(0)).stream().map(String::valueOf).toList();
  }
}
