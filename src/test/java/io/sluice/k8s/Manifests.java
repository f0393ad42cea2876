package io.sluice.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.Yaml;

/**
 * The files under {@code k8s/}, read the way the API server reads them: each YAML document
 * parsed into the fabric8 model class of its kind and apiVersion. A field the model does not
 * know lands in some object's {@code additionalProperties} (where the API server would drop
 * it, or refuse it under strict validation): {@link #unknownFields} finds them all.
 */
final class Manifests {

  static final Path ROOT = Path.of("k8s");
  static final Path BASE = ROOT.resolve("base");
  static final Path EXAMPLE = ROOT.resolve("overlays/example");
  static final Path MONITORING = ROOT.resolve("monitoring");

  /** Every kind that k8s/ holds, to its model class; the class carries its apiVersion. */
  static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "Deployment", Deployment.class,
      "Service", Service.class,
      "ConfigMap", ConfigMap.class,
      "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
      "PodDisruptionBudget", PodDisruptionBudget.class,
      "NetworkPolicy", NetworkPolicy.class,
      "Namespace", Namespace.class);

  /** Kustomize's directive in a strategic-merge patch: not a field of the object, allowed in patches only. */
  static final Set<String> PATCH_DIRECTIVES = Set.of("$patch");

  private static final ObjectMapper JSON = new ObjectMapper();

  private Manifests() {}

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every YAML document of {@code text}, as plain maps and lists. */
  static List<Object> documents(String text) {
    List<Object> documents = new ArrayList<>();
    new Yaml().loadAll(text).forEach(d -> {
      if (d != null) {
        documents.add(d);
      }
    });
    return documents;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yamlMap(Path file) {
    List<Object> documents = documents(read(file));
    if (documents.size() != 1 || !(documents.get(0) instanceof Map)) {
      throw new AssertionError(file + ": expected one YAML mapping");
    }
    return (Map<String, Object>) documents.get(0);
  }

  /** The object {@code document} describes, as its kind's model class; fails on an unknown kind or apiVersion. */
  static HasMetadata typed(Object document, String where) {
    if (!(document instanceof Map<?, ?> map)) {
      throw new AssertionError(where + ": not a YAML mapping");
    }
    Class<? extends HasMetadata> type = KINDS.get(String.valueOf(map.get("kind")));
    if (type == null) {
      throw new AssertionError(where + ": kind " + map.get("kind") + " is none of " + KINDS.keySet());
    }
    if (!HasMetadata.getApiVersion(type).equals(map.get("apiVersion"))) {
      throw new AssertionError(where + ": " + map.get("kind") + " has apiVersion " + map.get("apiVersion")
          + ", the model's is " + HasMetadata.getApiVersion(type));
    }
    return JSON.convertValue(map, type);
  }

  /** Convert a plain YAML value to a model class (a fragment, say an egress rule of a JSON patch). */
  static <T> T convert(Object value, Class<T> type) {
    return JSON.convertValue(value, type);
  }

  /** The objects of a YAML file of manifests. */
  static List<HasMetadata> objects(Path file) {
    return documents(read(file)).stream().map(d -> typed(d, file.toString())).toList();
  }

  /**
   * Every non-empty {@code additionalProperties} in the object tree of {@code model}, as
   * {@code path -> keys}: what the model did not know. Walks the fields of fabric8 classes,
   * lists and maps.
   */
  static Map<String, Set<String>> unknownFields(Object model) {
    Map<String, Set<String>> found = new LinkedHashMap<>();
    walk(model, "", found);
    return found;
  }

  private static void walk(Object node, String path, Map<String, Set<String>> found) {
    if (node == null) {
      return;
    }
    if (node instanceof Collection<?> list) {
      int i = 0;
      for (Object item : list) {
        walk(item, path + "[" + i++ + "]", found);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((key, value) -> walk(value, path + "." + key, found));
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Class<?> type = node.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        Object value = valueOf(field, node);
        if (field.getName().equals("additionalProperties") && value instanceof Map<?, ?> extra) {
          if (!extra.isEmpty()) {
            found.put(path.isEmpty() ? "." : path, extra.keySet().stream().map(String::valueOf).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)));
          }
        } else {
          walk(value, path + "." + field.getName(), found);
        }
      }
    }
  }

  private static Object valueOf(Field field, Object owner) {
    try {
      field.setAccessible(true);
      return field.get(owner);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(field + ": " + e, e);
    }
  }

  /**
   * The base as {@code kubectl kustomize k8s/base} would build it, without the name suffix
   * kustomize adds to generated ConfigMaps: each file of {@code resources}, and a ConfigMap
   * per {@code configMapGenerator} entry holding its files. The base uses nothing else.
   */
  @SuppressWarnings("unchecked")
  static List<HasMetadata> base() {
    Map<String, Object> kustomization = yamlMap(BASE.resolve("kustomization.yaml"));
    List<HasMetadata> objects = new ArrayList<>();
    for (Object resource : (List<Object>) kustomization.get("resources")) {
      objects.addAll(objects(BASE.resolve(resource.toString())));
    }
    for (Object entry : (List<Object>) kustomization.getOrDefault("configMapGenerator", List.of())) {
      Map<String, Object> generator = (Map<String, Object>) entry;
      Map<String, String> data = new LinkedHashMap<>();
      for (Object file : (List<Object>) generator.get("files")) {
        data.put(Path.of(file.toString()).getFileName().toString(), read(BASE.resolve(file.toString())));
      }
      objects.add(new ConfigMapBuilder().withNewMetadata().withName(generator.get("name").toString()).endMetadata().withData(data).build());
    }
    return objects;
  }

  /** {@code kubectl kustomize dir}, when kubectl is on this machine: the overlay as it would be applied. */
  static Optional<List<HasMetadata>> kustomized(Path dir) {
    if (!kubectlPresent()) {
      return Optional.empty();
    }
    try {
      Path out = Files.createTempFile("kustomized", ".yaml");
      try {
        Process process = new ProcessBuilder("kubectl", "kustomize", dir.toString())
            .redirectOutput(out.toFile()).redirectErrorStream(false).start();
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
          throw new AssertionError("kubectl kustomize " + dir + " failed: " + errors);
        }
        return Optional.of(objects(out));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static boolean kubectlPresent() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "kubectl"))) {
        return true;
      }
    }
    return false;
  }

  static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = ofKind(objects, type);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }
}
