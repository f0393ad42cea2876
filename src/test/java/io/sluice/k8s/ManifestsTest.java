package io.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * k8s/: every file parsed (manifests into fabric8's typed model, where an unknown field shows
 * as {@code additionalProperties}), every kustomization's references resolved, and the base
 * checked against the application ({@link Deployable}). The example overlay is checked whole
 * as {@code kubectl kustomize} renders it when kubectl is on the machine; without it, its
 * patches are checked one by one (fields known, targets present), not merged.
 */
@DisplayName("The Kubernetes manifests")
class ManifestsTest {

  @Test
  @DisplayName("are all accounted for: manifests, kustomizations, patches, the configuration, the monitoring files")
  void everyFileIsKnown() throws IOException {
    Set<Path> known = new TreeSet<>();
    known.add(Manifests.ROOT.resolve("README.md"));
    for (Path kustomization : kustomizations()) {
      known.add(kustomization);
      known.addAll(referencedFiles(kustomization));
    }
    try (Stream<Path> files = Files.walk(Manifests.ROOT)) {
      assertThat(files.filter(Files::isRegularFile).map(Path::normalize).toList())
          .as("files under k8s/ that no kustomization uses").allMatch(known::contains);
    }
  }

  @Test
  @DisplayName("parse into the Kubernetes model with no field it does not know, each kind at its apiVersion")
  void baseResourcesAreTyped() {
    List<HasMetadata> base = Manifests.base();
    assertThat(base).extracting(HasMetadata::getKind).containsExactlyInAnyOrder(
        "Deployment", "Service", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap");
    for (HasMetadata object : base) {
      assertThat(Manifests.unknownFields(object)).as(object.getKind() + " " + object.getMetadata().getName()).isEmpty();
    }
  }

  @Test
  @DisplayName("catch a misspelled field anywhere in the tree, as the model's additionalProperties")
  void misspellingIsCaught() {
    String deployment = Manifests.read(Manifests.BASE.resolve("deployment.yaml"));
    assertThat(deployment).contains("livenessProbe:", "periodSeconds:");

    HasMetadata misspelled = Manifests.typed(Manifests.documents(deployment.replace("livenessProbe:", "livenesProbe:")).get(0), "test");
    assertThat(Manifests.unknownFields(misspelled)).containsEntry(".spec.template.spec.containers[0]", Set.of("livenesProbe"));

    HasMetadata deeper = Manifests.typed(Manifests.documents(deployment.replaceFirst("periodSeconds:", "periodSecond:")).get(0), "test");
    assertThat(Manifests.unknownFields(deeper)).containsEntry(".spec.template.spec.containers[0].startupProbe", Set.of("periodSecond"));

    assertThatThrownBy(() -> Manifests.typed(Manifests.documents(deployment.replace("apps/v1", "apps/v1beta2")).get(0), "test"))
        .hasMessageContaining("apps/v1beta2");
  }

  @Test
  @DisplayName("ship conf/sluice.yaml itself as the ConfigMap, so the two cannot drift")
  void configMapIsTheConfiguration() {
    ConfigMap config = Manifests.one(Manifests.base(), ConfigMap.class);
    assertThat(config.getData()).containsOnlyKeys("sluice.yaml");
    assertThat(config.getData().get("sluice.yaml")).isEqualTo(Manifests.read(Path.of("conf/sluice.yaml")));
  }

  @Test
  @DisplayName("base: a Deployment, Services, autoscaler, budget and policy that fit the application's configuration")
  void baseIsDeployable() {
    Deployable.check(Manifests.base(), "base");
  }

  @Test
  @DisplayName("base as kubectl kustomize renders it is just as deployable (when kubectl is installed)")
  void renderedBaseIsDeployable() {
    assumeTrue(Manifests.kubectlPresent(), "kubectl is not installed");
    List<HasMetadata> rendered = Manifests.kustomized(Manifests.BASE).orElseThrow();
    rendered.forEach(o -> assertThat(Manifests.unknownFields(o)).as(o.getKind()).isEmpty());
    Deployable.check(rendered, "base (kustomize)");
  }

  @Test
  @DisplayName("example overlay as kubectl kustomize renders it: deployable, JWKS egress and all (when kubectl is installed)")
  void renderedOverlayIsDeployable() {
    assumeTrue(Manifests.kubectlPresent(), "kubectl is not installed");
    List<HasMetadata> rendered = Manifests.kustomized(Manifests.EXAMPLE).orElseThrow();
    rendered.forEach(o -> assertThat(Manifests.unknownFields(o)).as(o.getKind()).isEmpty());
    assertThat(rendered).allSatisfy(o -> assertThat(o.getMetadata().getNamespace() == null ? o.getMetadata().getName() : o.getMetadata().getNamespace())
        .isEqualTo("data-export"));
    Deployment deployment = Manifests.one(rendered, Deployment.class);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
    Deployable.check(rendered, "example overlay (kustomize)");
  }

  @Test
  @DisplayName("example overlay's patches name known fields of existing objects, and its JSON patch lands in the base's NetworkPolicy")
  @SuppressWarnings("unchecked")
  void overlayPatchesFitTheBase() {
    List<HasMetadata> base = Manifests.base();
    Map<String, Object> kustomization = Manifests.yamlMap(Manifests.EXAMPLE.resolve("kustomization.yaml"));
    for (Object entry : (List<Object>) kustomization.get("patches")) {
      Map<String, Object> patch = (Map<String, Object>) entry;
      Path file = Manifests.EXAMPLE.resolve(patch.get("path").toString());
      Object document = Manifests.documents(Manifests.read(file)).get(0);
      if (document instanceof List<?> operations) {
        Map<String, Object> target = (Map<String, Object>) patch.get("target");
        HasMetadata patched = base.stream()
            .filter(o -> o.getKind().equals(target.get("kind")) && o.getMetadata().getName().equals(target.get("name"))).findFirst()
            .orElseThrow(() -> new AssertionError(file + ": no " + target + " in the base"));
        JsonObject json = JsonObject.mapFrom(patched);
        for (Object operation : operations) {
          Map<String, Object> op = (Map<String, Object>) operation;
          assertThat(op.get("op")).isEqualTo("add");
          String path = op.get("path").toString();
          assertThat(path).as(file.toString()).isEqualTo("/spec/egress/-");
          assertThat(JsonPointer.from(path.substring(0, path.lastIndexOf('/'))).queryJson(json)).as(file + ": " + path).isNotNull();
          assertThat(patched).isInstanceOf(NetworkPolicy.class);
          NetworkPolicyEgressRule rule = Manifests.convert(op.get("value"), NetworkPolicyEgressRule.class);
          assertThat(Manifests.unknownFields(rule)).as(file.toString()).isEmpty();
        }
      } else {
        HasMetadata object = Manifests.typed(document, file.toString());
        assertThat(base).as(file + " patches an object of the base")
            .anyMatch(o -> o.getKind().equals(object.getKind()) && o.getMetadata().getName().equals(object.getMetadata().getName()));
        Map<String, Set<String>> unknown = Manifests.unknownFields(object);
        assertThat(unknown.values()).as(file + ": only kustomize's $patch directives beside known fields: " + unknown)
            .allMatch(Manifests.PATCH_DIRECTIVES::containsAll);
      }
    }
    List<String> replicated = ((List<Object>) kustomization.get("replicas")).stream().map(r -> ((Map<String, Object>) r).get("name").toString()).toList();
    assertThat(replicated).containsExactly(Manifests.one(base, Deployment.class).getMetadata().getName());
    String image = Manifests.one(base, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    assertThat(((List<Object>) kustomization.get("images"))).extracting(i -> ((Map<String, Object>) i).get("name"))
        .containsExactly(image.substring(0, image.lastIndexOf(':')));
  }

  @Test
  @DisplayName("kustomizations are kustomize's v1beta1 and every file they name exists")
  void kustomizationsResolve() {
    for (Path kustomization : kustomizations()) {
      Map<String, Object> yaml = Manifests.yamlMap(kustomization);
      assertThat(yaml).as(kustomization.toString())
          .containsEntry("apiVersion", "kustomize.config.k8s.io/v1beta1").containsEntry("kind", "Kustomization");
      assertThat(referencedFiles(kustomization)).as(kustomization.toString()).isNotEmpty().allMatch(Files::isRegularFile);
    }
  }

  private static List<Path> kustomizations() {
    return List.of(Manifests.BASE, Manifests.EXAMPLE, Manifests.MONITORING).stream().map(d -> d.resolve("kustomization.yaml")).toList();
  }

  /** The files a kustomization names (a directory resource by its own kustomization.yaml). */
  @SuppressWarnings("unchecked")
  private static List<Path> referencedFiles(Path kustomization) {
    Map<String, Object> yaml = Manifests.yamlMap(kustomization);
    Path dir = kustomization.getParent();
    List<Path> files = new ArrayList<>();
    for (Object resource : (List<Object>) yaml.getOrDefault("resources", List.of())) {
      Path path = dir.resolve(resource.toString()).normalize();
      files.add(Files.isDirectory(path) ? path.resolve("kustomization.yaml") : path);
    }
    for (Object patch : (List<Object>) yaml.getOrDefault("patches", List.of())) {
      files.add(dir.resolve(((Map<String, Object>) patch).get("path").toString()).normalize());
    }
    for (Object generator : (List<Object>) yaml.getOrDefault("configMapGenerator", List.of())) {
      for (Object file : (List<Object>) ((Map<String, Object>) generator).get("files")) {
        files.add(dir.resolve(file.toString()).normalize());
      }
    }
    return files;
  }
}
