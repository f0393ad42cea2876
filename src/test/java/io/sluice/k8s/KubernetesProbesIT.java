package io.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The base Deployment's probes and scrape annotation against a running Sluice with
 * authentication on, as the manifests deploy it: each path is served, without a token, and
 * the health checks answer UP.
 */
@DisplayName("The Deployment's probes")
class KubernetesProbesIT extends ServiceTest {

  private static final String SECRET = "kubernetes-probes-it-hs256-secret-0123456789";

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.put("auth", new JsonObject().put("mode", "jwt").put("hs256Secret", SECRET)));
  }

  @Test
  @DisplayName("startup, liveness and readiness paths answer 200 UP without a token")
  void probesAreServed() {
    Container container = deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
    List<Probe> probes = Stream.of(container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe()).toList();
    assertThat(probes).doesNotContainNull();
    for (Probe probe : probes) {
      String path = probe.getHttpGet().getPath();
      HttpResponse<String> response = Http.get(port, path);
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      assertThat(new JsonObject(response.body()).getString("outcome")).as(path).isEqualTo("UP");
    }
    assertThat(Http.get(port, "/v1/datasets").statusCode()).as("the API itself wants a token").isEqualTo(401);
  }

  @Test
  @DisplayName("the prometheus.io/path annotation is the metrics endpoint")
  void scrapePathIsServed() {
    Map<String, String> annotations = deployment().getSpec().getTemplate().getMetadata().getAnnotations();
    HttpResponse<String> response = Http.get(port, annotations.get("prometheus.io/path"));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("# TYPE ");
  }

  private static Deployment deployment() {
    return Manifests.one(Manifests.base(), Deployment.class);
  }
}
