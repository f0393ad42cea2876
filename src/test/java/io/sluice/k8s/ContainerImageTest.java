package io.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile, which no engine builds here (`mvn package`/`verify` never need one): its
 * stages, its user, its JVM flags against the pom's and the Deployment's, its memory budget.
 */
@DisplayName("The container image")
class ContainerImageTest {

  private static final long GIB = 1024L * 1024 * 1024;

  @Test
  @DisplayName("builds the shaded jar with Maven in a first stage and runs it on a JRE in a second")
  void twoStages() {
    assertThat(ContainerImage.instructions("FROM")).containsExactly("maven:3-eclipse-temurin-17 AS build", "eclipse-temurin:17-jre");
    assertThat(ContainerImage.instructions("RUN")).anyMatch(run -> run.contains("mvn -B -q -DskipTests package"));
    assertThat(ContainerImage.instructions("COPY")).contains("--from=build /src/target/sluice.jar /app/sluice.jar");
    assertThat(Manifests.read(Path.of("pom.xml"))).as("no container plugin in the Maven build").doesNotContain("docker").doesNotContain("jib");
    assertThat(Manifests.read(Path.of(".dockerignore"))).contains("\n*\n", "!pom.xml", "!conf/", "!src/main/");
  }

  @Test
  @DisplayName("runs as the numeric non-root user the Deployment names")
  void nonRoot() {
    Deployment deployment = Manifests.one(Manifests.base(), Deployment.class);
    Long uid = deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser();
    assertThat(ContainerImage.instructions("USER")).containsExactly(uid + ":" + uid);
  }

  @Test
  @DisplayName("passes Arrow's and Hazelcast's module flags, the same as the pom's tests and the jar's manifest")
  void moduleFlags() {
    String pom = Manifests.read(Path.of("pom.xml"));
    List<String> flags = Arrays.asList((property(pom, "arrow.jvm.flags") + " " + property(pom, "hazelcast.jvm.flags")).split("\\s+"));
    List<String> entrypoint = ContainerImage.entrypoint();
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint).containsAll(flags).endsWith("-jar", "/app/sluice.jar");
    assertThat(entrypoint.subList(1, entrypoint.size() - 2)).containsExactlyInAnyOrderElementsOf(flags);
  }

  @Test
  @DisplayName("sizes the JVM for a 1 GiB limit, with the same options as the base Deployment")
  void memory() {
    String options = ContainerImage.javaToolOptions();
    Deployable.JvmMemory budget = Deployable.JvmMemory.parse(options, GIB);
    assertThat(budget.total()).as(budget.toString()).isLessThanOrEqualTo(GIB);
    assertThat(budget.heap()).isEqualTo(GIB / 2);
    assertThat(options).contains("-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");

    Deployment deployment = Manifests.one(Manifests.base(), Deployment.class);
    String deployed = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals("JAVA_TOOL_OPTIONS")).map(EnvVar::getValue).findFirst().orElseThrow();
    assertThat(deployed.strip().replaceAll("\\s+", " ")).isEqualTo(options);
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits().get("memory").toString())
        .isEqualTo("1Gi");
  }

  private static String property(String pom, String name) {
    Matcher matcher = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</" + Pattern.quote(name) + ">").matcher(pom);
    assertThat(matcher.find()).as("pom property " + name).isTrue();
    return matcher.group(1).strip();
  }
}
