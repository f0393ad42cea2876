package io.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.sluice.Main;
import io.sluice.Sluice;
import io.sluice.config.ConfigLoader;
import io.sluice.config.HttpConfig;
import io.sluice.config.SluiceConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.yaml.snakeyaml.Yaml;

/**
 * What a set of Kubernetes objects (the base, or an overlay as kustomize renders it) must
 * hold for Sluice to run, scale and roll without failed exports: the checks behind
 * {@link ManifestsTest}, each tied to the application's own configuration and code.
 */
final class Deployable {

  /** Secret-backed values stand in for what the Secrets hold: the test never sees those. */
  private static final Map<String, String> SECRET_STAND_INS = Map.of(
      "SLUICE_DB_URL", "postgresql://sluice@database.invalid:5432/app",
      "SLUICE_DB_PASSWORD", "stand-in-password",
      "SLUICE_RESUME_KEY", "stand-in-resume-signing-key-0123456789abcdef",
      "SLUICE_AUDIT_HMAC_KEY", "stand-in-audit-hmac-key-0123456789abcdef",
      "SLUICE_JWT_HS256_SECRET", "stand-in-hs256-secret-0123456789abcdef");
  private static final Map<String, String> FIELD_STAND_INS = Map.of(
      "metadata.namespace", "data-export",
      "metadata.name", "sluice-0",
      "status.podIP", "10.0.0.10");
  private static final Pattern DOLLAR_REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
  private static final Pattern LOGBACK_VARIABLE = Pattern.compile("\\$\\{(SLUICE_[A-Z0-9_]+)");
  private static final long MIB = 1024L * 1024;
  /**
   * The native memory the JVM flags do not cap, per docs/operations.md ("Memory in a
   * container"): thread stacks, the JVM's own (symbols, shared classes, compiler), and G1's
   * structures (a tenth of the heap). Arrow's vectors, allocated outside
   * -XX:MaxDirectMemorySize, are capped by the configuration's http.arrowMemoryBytes.
   */
  static final long THREADS_BUDGET = 32 * MIB;
  static final long JVM_BUDGET = 48 * MIB;

  private final List<HasMetadata> objects;
  private final SoftAssertions softly;
  private final String what;

  private Deployable(List<HasMetadata> objects, SoftAssertions softly, String what) {
    this.objects = objects;
    this.softly = softly;
    this.what = what;
  }

  /** Runs every check on {@code objects}, reporting all failures at once. */
  static void check(List<HasMetadata> objects, String what) {
    SoftAssertions softly = new SoftAssertions();
    new Deployable(objects, softly, what).run();
    softly.assertAll();
  }

  private void run() {
    Deployment deployment = Manifests.one(objects, Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container container = sluiceContainer(pod);
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    SluiceConfig config = effectiveConfig(deployment, container);

    checkPodShape(deployment, pod, container);
    checkEnvironment(container, pod);
    checkPorts(deployment, container, config);
    checkProbesAndShutdown(pod, container, config);
    checkMemory(container, config);
    checkServices(podLabels, container, config);
    checkAutoscalerAndBudget(deployment, podLabels);
    checkNetworkPolicy(podLabels, config);
  }

  private void checkPodShape(Deployment deployment, PodSpec pod, Container container) {
    softly.assertThat(deployment.getSpec().getReplicas()).as("%s: replicas", what).isGreaterThanOrEqualTo(2);
    softly.assertThat(selects(deployment.getSpec().getSelector(), deployment.getSpec().getTemplate().getMetadata().getLabels()))
        .as("%s: the Deployment's selector matches its pods", what).isTrue();
    softly.assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable())
        .as("%s: rolling updates never take a ready pod away first", what).isEqualTo(new IntOrString(0));
    softly.assertThat(pod.getSecurityContext().getRunAsNonRoot()).as("%s: runAsNonRoot", what).isTrue();
    softly.assertThat(pod.getSecurityContext().getRunAsUser()).as("%s: runAsUser", what).isNotNull().isNotZero();
    softly.assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).as("%s: readOnlyRootFilesystem", what).isTrue();
    softly.assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).as("%s: allowPrivilegeEscalation", what).isFalse();
    // what the process writes (Vert.x's file cache, native libraries unpacked by brotli4j and zstd-jni) goes to /tmp
    Optional<VolumeMount> tmp = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).findFirst();
    softly.assertThat(tmp).as("%s: a volume at /tmp, the root filesystem being read-only", what).isPresent();
    tmp.ifPresent(m -> softly.assertThat(volume(pod, m.getName()).map(Volume::getEmptyDir)).as("%s: /tmp is an emptyDir", what).isPresent());
  }

  /** Every SLUICE_* variable is one the application reads; secrets come from Secrets, never from the manifest. */
  private void checkEnvironment(Container container, PodSpec pod) {
    Set<String> known = applicationVariables();
    Set<String> names = new HashSet<>();
    for (EnvVar variable : container.getEnv()) {
      names.add(variable.getName());
      if (variable.getName().startsWith("SLUICE_")) {
        softly.assertThat(known).as("%s: %s is a variable Sluice reads", what, variable.getName()).contains(variable.getName());
      }
      if (SECRET_STAND_INS.containsKey(variable.getName())) {
        softly.assertThat(variable.getValueFrom() != null && variable.getValueFrom().getSecretKeyRef() != null)
            .as("%s: %s comes from a Secret", what, variable.getName()).isTrue();
      }
      if (variable.getName().endsWith("_FILE") && variable.getName().startsWith("SLUICE_")) {
        softly.assertThat(mountedSecretHolds(pod, container, variable.getValue()))
            .as("%s: %s (%s) is a file of a mounted Secret", what, variable.getName(), variable.getValue()).isTrue();
      }
    }
    for (String name : names) {
      softly.assertThat(names.contains(name + "_FILE")).as("%s: %s and %s_FILE both set (start-up refuses it)", what, name, name).isFalse();
    }
    softly.assertThat(names.contains("SLUICE_RESUME_KEY") || names.contains("SLUICE_RESUME_KEY_FILE"))
        .as("%s: the resume key every pod shares", what).isTrue();
    softly.assertThat(names.contains("SLUICE_AUDIT_HMAC_KEY") || names.contains("SLUICE_AUDIT_HMAC_KEY_FILE"))
        .as("%s: the audit key every pod shares, so that the audit log's digests match across pods and restarts", what).isTrue();
    softly.assertThat(names.contains("SLUICE_DB_URL") || names.contains("SLUICE_DB_URL_FILE")).as("%s: the database URL", what).isTrue();
  }

  private void checkPorts(Deployment deployment, Container container, SluiceConfig config) {
    Map<String, String> annotations = deployment.getSpec().getTemplate().getMetadata().getAnnotations();
    softly.assertThat(annotations).as("%s: Prometheus scrapes the HTTP port", what).containsEntry("prometheus.io/port", String.valueOf(config.http().port()));
    softly.assertThat(containerPort(container, "http")).as("%s: container port http = http.port", what).isEqualTo(config.http().port());
    softly.assertThat(config.cluster().enabled()).as("%s: the pods form one cluster (SLUICE_CLUSTER)", what).isTrue();
    softly.assertThat(config.cluster().busPort()).as("%s: a fixed event-bus port, or the NetworkPolicy cannot allow it", what).isNotZero();
    softly.assertThat(containerPort(container, "hazelcast")).as("%s: container port hazelcast = cluster.port", what).isEqualTo(config.cluster().port());
    softly.assertThat(containerPort(container, "eventbus")).as("%s: container port eventbus = cluster.busPort", what).isEqualTo(config.cluster().busPort());
    softly.assertThat(config.cluster().host()).as("%s: cluster.host is the pod's IP", what).isEqualTo(FIELD_STAND_INS.get("status.podIP"));
    if (config.bridge().enabled()) {
      softly.assertThat(container.getPorts()).extracting(ContainerPort::getContainerPort).as("%s: the bridge's port", what).contains(config.bridge().port());
    }
  }

  private void checkProbesAndShutdown(PodSpec pod, Container container, SluiceConfig config) {
    checkProbe(container.getStartupProbe(), "startupProbe", "/health/live", container, config);
    checkProbe(container.getLivenessProbe(), "livenessProbe", "/health/live", container, config);
    checkProbe(container.getReadinessProbe(), "readinessProbe", "/health/ready", container, config);

    long preStop = preStopSeconds(container);
    long drain = config.shutdown().drainSeconds();
    long endGrace = Sluice.END_GRACE_MS / 1000;
    long overrun = Main.DRAIN_OVERRUN_MS / 1000;
    softly.assertThat(pod.getTerminationGracePeriodSeconds())
        .as("%s: terminationGracePeriodSeconds > preStop %d + drain %d + end grace %d + the drain's own overrun %d", what, preStop, drain, endGrace, overrun)
        .isGreaterThan(preStop + drain + endGrace + overrun);
    softly.assertThat(preStop).as("%s: a preStop pause while the endpoints forget the pod", what).isPositive();
  }

  private void checkProbe(Probe probe, String name, String path, Container container, SluiceConfig config) {
    softly.assertThat(probe).as("%s: %s", what, name).isNotNull();
    if (probe == null) {
      return;
    }
    HTTPGetAction get = probe.getHttpGet();
    softly.assertThat(get).as("%s: %s is an HTTP GET", what, name).isNotNull();
    if (get != null) {
      softly.assertThat(get.getPath()).as("%s: %s path", what, name).isEqualTo(path);
      softly.assertThat(resolvePort(get.getPort(), container)).as("%s: %s port", what, name).isEqualTo(config.http().port());
    }
  }

  /**
   * heap + direct + metaspace + code cache + the uncapped rest must fit the memory limit; the
   * CPU limit is what the JVM counts as processors, so it is also the instances per stage.
   */
  private void checkMemory(Container container, SluiceConfig config) {
    Quantity limit = container.getResources().getLimits().get("memory");
    Quantity request = container.getResources().getRequests().get("memory");
    softly.assertThat(limit).as("%s: a memory limit", what).isNotNull();
    softly.assertThat(container.getResources().getRequests().get("cpu")).as("%s: a CPU request (the autoscaler's base)", what).isNotNull();
    if (limit == null) {
      return;
    }
    softly.assertThat(request).as("%s: memory request = limit, so the pod is never the first evicted", what).isEqualTo(limit);
    long limitBytes = limit.getNumericalAmount().longValueExact();
    String options = env(container, "JAVA_TOOL_OPTIONS").orElseGet(ContainerImage::javaToolOptions);
    JvmMemory jvm = JvmMemory.parse(options, limitBytes, config.http().arrowMemoryBytes());
    softly.assertThat(jvm.total()).as("%s: %s within the %s limit: %s", what, options, limit, jvm).isLessThanOrEqualTo(limitBytes);
    Quantity cpu = container.getResources().getLimits().get("cpu");
    Optional<String> instances = env(container, "SLUICE_INSTANCES");
    if (cpu != null && instances.isPresent()) {
      softly.assertThat(new BigDecimal(instances.get())).as("%s: SLUICE_INSTANCES = the CPU limit", what)
          .isEqualByComparingTo(cpu.getNumericalAmount());
    }
  }

  private void checkServices(Map<String, String> podLabels, Container container, SluiceConfig config) {
    String headless = config.cluster().kubernetesService() == null ? "" : config.cluster().kubernetesService().split("\\.")[0];
    boolean headlessFound = false;
    for (Service service : Manifests.ofKind(objects, Service.class)) {
      String name = service.getMetadata().getName();
      softly.assertThat(selects(service.getSpec().getSelector(), podLabels)).as("%s: Service %s selects the pods", what, name).isTrue();
      for (ServicePort port : service.getSpec().getPorts()) {
        softly.assertThat(resolvePort(port.getTargetPort(), container)).as("%s: Service %s port %s targets a container port", what, name, port.getName())
            .isNotNull();
      }
      if (name.equals(headless)) {
        headlessFound = true;
        softly.assertThat(service.getSpec().getClusterIP()).as("%s: %s is headless", what, name).isEqualTo("None");
        softly.assertThat(service.getSpec().getPublishNotReadyAddresses()).as("%s: %s lists starting pods", what, name).isTrue();
        softly.assertThat(service.getSpec().getPorts()).extracting(p -> resolvePort(p.getTargetPort(), container))
            .as("%s: %s carries the cluster ports", what, name).contains(config.cluster().port(), config.cluster().busPort());
      } else {
        softly.assertThat(service.getSpec().getPorts()).extracting(p -> resolvePort(p.getTargetPort(), container))
            .as("%s: Service %s serves HTTP", what, name).contains(config.http().port());
      }
    }
    softly.assertThat(headlessFound).as("%s: the headless Service named by SLUICE_CLUSTER_SERVICE (%s)", what, headless).isTrue();
  }

  private void checkAutoscalerAndBudget(Deployment deployment, Map<String, String> podLabels) {
    HorizontalPodAutoscaler hpa = Manifests.one(objects, HorizontalPodAutoscaler.class);
    softly.assertThat(hpa.getSpec().getScaleTargetRef().getKind()).as("%s: the HPA scales a Deployment", what).isEqualTo("Deployment");
    softly.assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).as("%s: HPA target apiVersion", what).isEqualTo("apps/v1");
    softly.assertThat(hpa.getSpec().getScaleTargetRef().getName()).as("%s: the HPA scales Sluice's Deployment", what)
        .isEqualTo(deployment.getMetadata().getName());
    softly.assertThat(hpa.getSpec().getMinReplicas()).as("%s: HPA minReplicas", what).isGreaterThanOrEqualTo(2);
    softly.assertThat(hpa.getSpec().getMaxReplicas()).as("%s: HPA maxReplicas", what).isGreaterThan(hpa.getSpec().getMinReplicas());
    softly.assertThat(hpa.getSpec().getMetrics()).as("%s: the HPA scales on CPU", what)
        .anySatisfy(m -> {
          assertThat(m.getType()).isEqualTo("Resource");
          assertThat(m.getResource().getName()).isEqualTo("cpu");
        });

    PodDisruptionBudget pdb = Manifests.one(objects, PodDisruptionBudget.class);
    softly.assertThat(selects(pdb.getSpec().getSelector(), podLabels)).as("%s: the PodDisruptionBudget selects the pods", what).isTrue();
    softly.assertThat(pdb.getSpec().getMaxUnavailable()).as("%s: PDB maxUnavailable", what).isEqualTo(new IntOrString(1));
  }

  private void checkNetworkPolicy(Map<String, String> podLabels, SluiceConfig config) {
    NetworkPolicy policy = Manifests.one(objects, NetworkPolicy.class);
    softly.assertThat(selects(policy.getSpec().getPodSelector(), podLabels)).as("%s: the NetworkPolicy applies to the pods", what).isTrue();
    softly.assertThat(policy.getSpec().getPolicyTypes()).as("%s: policy types", what).containsExactlyInAnyOrder("Ingress", "Egress");
    var ingress = policy.getSpec().getIngress();
    var egress = policy.getSpec().getEgress();
    softly.assertThat(ingress).as("%s: ingress on the HTTP port from anywhere", what)
        .anySatisfy(rule -> {
          assertThat(rule.getFrom()).isNullOrEmpty();
          assertThat(ports(rule.getPorts(), "TCP")).contains(config.http().port());
        });
    softly.assertThat(ingress).as("%s: ingress on the cluster ports from the Sluice pods", what)
        .anySatisfy(rule -> {
          assertThat(rule.getFrom()).isNotEmpty().allSatisfy(peer -> assertThat(selectsPeer(peer, podLabels)).isTrue());
          assertThat(ports(rule.getPorts(), "TCP")).contains(config.cluster().port(), config.cluster().busPort());
        });
    softly.assertThat(egress).as("%s: egress to the cluster ports of the Sluice pods", what)
        .anySatisfy(rule -> {
          assertThat(rule.getTo()).isNotEmpty().allSatisfy(peer -> assertThat(selectsPeer(peer, podLabels)).isTrue());
          assertThat(ports(rule.getPorts(), "TCP")).contains(config.cluster().port(), config.cluster().busPort());
        });
    // the database's URL is in a Secret the test never sees: PostgreSQL's port, as the policy says
    int databasePort = 5432;
    softly.assertThat(egress).as("%s: egress to PostgreSQL", what)
        .anySatisfy(rule -> assertThat(ports(rule.getPorts(), "TCP")).contains(databasePort));
    softly.assertThat(egress).as("%s: egress to kube-dns on 53, UDP and TCP", what)
        .anySatisfy(rule -> {
          assertThat(rule.getTo()).isNotEmpty().allSatisfy(peer ->
              assertThat(peer.getPodSelector().getMatchLabels()).containsEntry("k8s-app", "kube-dns"));
          assertThat(ports(rule.getPorts(), "UDP")).contains(53);
          assertThat(ports(rule.getPorts(), "TCP")).contains(53);
        });
    String jwks = config.auth().jwks().url();
    if (!jwks.isEmpty()) {
      URI url = URI.create(jwks);
      int port = url.getPort() > 0 ? url.getPort() : url.getScheme().equals("https") ? 443 : 80;
      softly.assertThat(egress).as("%s: egress to the JWKS host (%s) on %d", what, url.getHost(), port)
          .anySatisfy(rule -> {
            assertThat(rule.getTo()).isNotEmpty().allSatisfy(peer -> assertThat(peer.getIpBlock()).isNotNull());
            assertThat(ports(rule.getPorts(), "TCP")).contains(port);
          });
    }
  }

  // ---------------------------------------------------------------------------------------
  // The application's view: its configuration as the pod would load it, and the names it reads

  /**
   * The configuration the pod would run with: the mounted ConfigMap's file named by
   * SLUICE_CONFIG, then the container's SLUICE_* variables through {@link ConfigLoader}
   * (secrets and field references replaced by stand-ins); start-up's own checks included.
   */
  SluiceConfig effectiveConfig(Deployment deployment, Container container) {
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Map<String, String> environment = environment(pod, container);
    String file = environment.get(Main.CONFIG_VARIABLE);
    if (file == null) {
      throw new AssertionError(what + ": " + Main.CONFIG_VARIABLE + " is not set: the pod would run the configuration inside the jar");
    }
    String yaml = configMapFile(pod, container, file);
    softly.assertThat(yaml).as("%s: the ConfigMap's sluice.yaml is conf/sluice.yaml", what).isEqualTo(Manifests.read(Path.of("conf/sluice.yaml")));
    @SuppressWarnings("unchecked")
    JsonObject merged = new JsonObject((Map<String, Object>) new Yaml().load(yaml));
    environment.forEach(merged::put);
    SluiceConfig config = SluiceConfig.from(ConfigLoader.applyEnvironment(merged));
    config.auth().validated();
    softly.assertThat(config.resume().hasKey()).as("%s: resume key", what).isTrue();
    softly.assertThat(config.audit().hasKey()).as("%s: audit key", what).isTrue();
    return config;
  }

  /** The container's variables as the pod sees them; a {@code *_FILE} secret also as the variable it stands for. */
  private Map<String, String> environment(PodSpec pod, Container container) {
    Map<String, String> values = new LinkedHashMap<>();
    for (EnvVar variable : container.getEnv()) {
      String value;
      if (variable.getValueFrom() == null) {
        value = expand(variable.getValue(), values);
      } else if (variable.getValueFrom().getSecretKeyRef() != null) {
        value = SECRET_STAND_INS.getOrDefault(variable.getName(), "stand-in-secret");
      } else if (variable.getValueFrom().getFieldRef() != null) {
        value = FIELD_STAND_INS.get(variable.getValueFrom().getFieldRef().getFieldPath());
      } else {
        throw new AssertionError(what + ": " + variable.getName() + ": unexpected valueFrom " + variable.getValueFrom());
      }
      values.put(variable.getName(), value);
      String standsFor = variable.getName().replaceFirst("_FILE$", "");
      if (!standsFor.equals(variable.getName()) && SECRET_STAND_INS.containsKey(standsFor)) {
        values.put(standsFor, SECRET_STAND_INS.get(standsFor));
      }
    }
    return values;
  }

  /** Kubernetes' {@code $(VAR)}: a variable defined earlier in the list. */
  private static String expand(String value, Map<String, String> earlier) {
    if (value == null) {
      return "";
    }
    Matcher matcher = DOLLAR_REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      matcher.appendReplacement(out, Matcher.quoteReplacement(earlier.getOrDefault(matcher.group(1), matcher.group())));
    }
    return matcher.appendTail(out).toString();
  }

  /** What the application reads: ConfigLoader's variables, Main's, and those of its logback.xml. */
  static Set<String> applicationVariables() {
    Set<String> names = new TreeSet<>(ConfigLoader.environmentVariables());
    names.add(Main.CONFIG_VARIABLE);
    names.add(Main.DEMO_ROWS_VARIABLE);
    try (InputStream logback = Deployable.class.getResourceAsStream("/logback.xml")) {
      Matcher matcher = LOGBACK_VARIABLE.matcher(new String(Objects.requireNonNull(logback, "logback.xml").readAllBytes(), StandardCharsets.UTF_8));
      while (matcher.find()) {
        names.add(matcher.group(1));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names;
  }

  // ---------------------------------------------------------------------------------------
  // Small readers of the model

  private Container sluiceContainer(PodSpec pod) {
    return pod.getContainers().stream().filter(c -> c.getName().equals("sluice")).findFirst()
        .orElseThrow(() -> new AssertionError(what + ": no container named sluice"));
  }

  private static Optional<Volume> volume(PodSpec pod, String name) {
    return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst();
  }

  private static Optional<String> env(Container container, String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name) && e.getValue() != null).map(EnvVar::getValue).findFirst();
  }

  private String configMapFile(PodSpec pod, Container container, String file) {
    Path path = Path.of(file);
    VolumeMount mount = container.getVolumeMounts().stream().filter(m -> Path.of(m.getMountPath()).equals(path.getParent())).findFirst()
        .orElseThrow(() -> new AssertionError(what + ": nothing mounted at " + path.getParent()));
    Volume volume = volume(pod, mount.getName()).orElseThrow();
    if (volume.getConfigMap() == null) {
      throw new AssertionError(what + ": " + path.getParent() + " is not a ConfigMap");
    }
    ConfigMap configMap = Manifests.ofKind(objects, ConfigMap.class).stream()
        .filter(c -> c.getMetadata().getName().equals(volume.getConfigMap().getName())).findFirst()
        .orElseThrow(() -> new AssertionError(what + ": no ConfigMap " + volume.getConfigMap().getName()));
    String data = configMap.getData().get(path.getFileName().toString());
    if (data == null) {
      throw new AssertionError(what + ": ConfigMap " + configMap.getMetadata().getName() + " has no " + path.getFileName());
    }
    return data;
  }

  private static boolean mountedSecretHolds(PodSpec pod, Container container, String file) {
    if (file == null) {
      return false;
    }
    Path path = Path.of(file);
    return container.getVolumeMounts().stream()
        .filter(m -> path.startsWith(Path.of(m.getMountPath())))
        .map(m -> volume(pod, m.getName()))
        .anyMatch(v -> v.isPresent() && v.get().getSecret() != null);
  }

  private static Integer containerPort(Container container, String name) {
    return container.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort).findFirst().orElse(null);
  }

  /** A port by number or by the name of a container port. */
  private static Integer resolvePort(IntOrString port, Container container) {
    if (port == null) {
      return null;
    }
    return port.getIntVal() != null ? port.getIntVal() : containerPort(container, port.getStrVal());
  }

  private static Set<Integer> ports(List<NetworkPolicyPort> ports, String protocol) {
    Set<Integer> numbers = new HashSet<>();
    for (NetworkPolicyPort port : ports == null ? List.<NetworkPolicyPort>of() : ports) {
      String its = port.getProtocol() == null ? "TCP" : port.getProtocol();
      if (its.equals(protocol) && port.getPort() != null && port.getPort().getIntVal() != null) {
        numbers.add(port.getPort().getIntVal());
      }
    }
    return numbers;
  }

  private static long preStopSeconds(Container container) {
    if (container.getLifecycle() == null || container.getLifecycle().getPreStop() == null) {
      return 0;
    }
    var preStop = container.getLifecycle().getPreStop();
    if (preStop.getSleep() != null) {
      return preStop.getSleep().getSeconds();
    }
    List<String> command = preStop.getExec() == null ? List.of() : preStop.getExec().getCommand();
    if (command.size() == 2 && command.get(0).equals("sleep")) {
      return Long.parseLong(command.get(1));
    }
    throw new AssertionError("a preStop other than a sleep: " + preStop);
  }

  private static boolean selects(LabelSelector selector, Map<String, String> labels) {
    return selector != null && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty())
        && selects(selector.getMatchLabels(), labels);
  }

  private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
  }

  private static boolean selectsPeer(NetworkPolicyPeer peer, Map<String, String> podLabels) {
    return peer.getNamespaceSelector() == null && peer.getIpBlock() == null && selects(peer.getPodSelector(), podLabels);
  }

  /** The JVM's memory caps under a container limit, and the rest it needs (docs/operations.md, "Memory in a container"). */
  record JvmMemory(long heap, long direct, long metaspace, long codeCache, long arrow) {

    private static final Pattern FLAG = Pattern.compile("-XX:(MaxRAMPercentage|MaxDirectMemorySize|MaxMetaspaceSize|ReservedCodeCacheSize)=(\\S+)|-Xmx(\\S+)");

    /** With the default cap on Arrow's vectors ({@code http.arrowMemoryBytes}). */
    static JvmMemory parse(String options, long limitBytes) {
      return parse(options, limitBytes, HttpConfig.DEFAULT_ARROW_MEMORY_BYTES);
    }

    static JvmMemory parse(String options, long limitBytes, long arrowBytes) {
      Map<String, String> flags = new LinkedHashMap<>();
      Matcher matcher = FLAG.matcher(options);
      while (matcher.find()) {
        if (matcher.group(3) != null) {
          flags.put("Xmx", matcher.group(3));
        } else {
          flags.put(matcher.group(1), matcher.group(2));
        }
      }
      for (String needed : List.of("MaxDirectMemorySize", "MaxMetaspaceSize", "ReservedCodeCacheSize")) {
        if (!flags.containsKey(needed)) {
          throw new AssertionError("JAVA_TOOL_OPTIONS caps no " + needed + ": " + options);
        }
      }
      long heap = flags.containsKey("Xmx") ? bytes(flags.get("Xmx"))
          : flags.containsKey("MaxRAMPercentage") ? (long) (limitBytes * Double.parseDouble(flags.get("MaxRAMPercentage")) / 100)
          : -1;
      if (heap < 0) {
        throw new AssertionError("JAVA_TOOL_OPTIONS sizes no heap (-XX:MaxRAMPercentage or -Xmx): " + options);
      }
      return new JvmMemory(heap, bytes(flags.get("MaxDirectMemorySize")), bytes(flags.get("MaxMetaspaceSize")), bytes(flags.get("ReservedCodeCacheSize")),
          arrowBytes);
    }

    long gc() {
      return heap / 10;
    }

    long total() {
      return heap + direct + metaspace + codeCache + gc() + arrow + THREADS_BUDGET + JVM_BUDGET;
    }

    static long bytes(String size) {
      char unit = Character.toLowerCase(size.charAt(size.length() - 1));
      long factor = switch (unit) {
        case 'k' -> 1024L;
        case 'm' -> MIB;
        case 'g' -> 1024 * MIB;
        default -> 1;
      };
      return Long.parseLong(Character.isDigit(unit) ? size : size.substring(0, size.length() - 1)) * factor;
    }

    @Override
    public String toString() {
      return "heap " + heap / MIB + " MiB + direct " + direct / MIB + " + metaspace " + metaspace / MIB + " + code cache " + codeCache / MIB
          + " + GC " + gc() / MIB + " + Arrow " + arrow / MIB + " + threads " + THREADS_BUDGET / MIB + " + JVM " + JVM_BUDGET / MIB
          + " = " + total() / MIB + " MiB";
    }
  }
}
