package io.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * k8s/monitoring: the alerting rules and the Grafana dashboard name only series that Sluice
 * exports (with labels and label values they carry), every alert has its runbook section,
 * and the dashboard shows every Sluice metric.
 */
@DisplayName("The alerts and the dashboard")
class MonitoringTest {

  private static final Path ALERTS = Manifests.MONITORING.resolve("alerts.yaml");
  private static final Path DASHBOARD = Manifests.MONITORING.resolve("dashboard.json");
  private static final Pattern DURATION = Pattern.compile("\\d+[smhd]");
  private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6} (.+)$");

  @Test
  @DisplayName("cover completion rate, time to first row, pool saturation, the breaker and stalled streams")
  void theAlertsAsked() {
    assertThat(rules()).extracting(r -> r.get("alert")).contains(
        "SluiceCompletionRateLow", "SluiceTimeToFirstRowSlow", "SluiceConnectionsSaturated", "SluiceStreamsQueueing",
        "SluiceDatabaseBreakerOpen", "SluiceStreamsStalled");
  }

  @Test
  @DisplayName("each alert: an expression on exported series, a severity, a summary and a runbook section that exists")
  @SuppressWarnings("unchecked")
  void everyAlertIsComplete() {
    Set<String> anchors = anchors(Manifests.read(Path.of("docs/operations.md")));
    Set<String> names = new HashSet<>();
    for (Map<String, Object> rule : rules()) {
      String alert = String.valueOf(rule.get("alert"));
      assertThat(names.add(alert)).as("alert names are unique: " + alert).isTrue();
      String expr = String.valueOf(rule.get("expr"));
      assertThat(ExportedMetrics.selectors(expr)).as(alert + " reads a series").isNotEmpty();
      assertThat(ExportedMetrics.problems(expr)).as(alert).isEmpty();
      if (rule.containsKey("for")) {
        assertThat(String.valueOf(rule.get("for"))).as(alert + " for").matches(DURATION);
      }
      assertThat((Map<String, Object>) rule.get("labels")).as(alert).containsKey("severity");
      Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
      assertThat(annotations).as(alert).containsKeys("summary", "description", "runbook_url");
      String runbook = String.valueOf(annotations.get("runbook_url"));
      assertThat(runbook).as(alert).contains("docs/operations.md#");
      assertThat(anchors).as(alert + ": " + runbook).contains(runbook.substring(runbook.indexOf('#') + 1));
    }
  }

  @Test
  @DisplayName("a series that Sluice does not export, or a label value it never sets, is reported")
  void unknownNamesAreCaught() {
    assertThat(ExportedMetrics.problems("sum(rate(sluice_rows_sent_total[5m]))")).isEmpty();
    assertThat(ExportedMetrics.problems("rate(sluice_rows_send_total[5m])")).containsExactly("unknown series sluice_rows_send_total");
    assertThat(ExportedMetrics.problems("sluice_streams_ended_total{status=\"completed\"}"))
        .containsExactly("sluice_streams_ended_total: status is never \"completed\"");
    assertThat(ExportedMetrics.problems("sluice_db_connections_held{pool=\"x\"}")).containsExactly("sluice_db_connections_held has no label pool");
    assertThat(ExportedMetrics.problems("histogram_quantile(0.9, rate(sluice_admission_wait_seconds_bucket{le=\"1\"}[1m]))")).isEmpty();
  }

  @Test
  @DisplayName("the dashboard is Grafana JSON whose queries name exported series, and it shows every Sluice metric")
  void dashboard() {
    JsonObject dashboard = new JsonObject(Manifests.read(DASHBOARD));
    assertThat(dashboard.getString("uid")).isEqualTo("sluice");
    List<String> queries = new ArrayList<>();
    Set<Integer> ids = new HashSet<>();
    for (Object item : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) item;
      assertThat(ids.add(panel.getInteger("id"))).as("panel ids are unique").isTrue();
      assertThat(panel.getJsonObject("gridPos")).as(panel.getString("title")).isNotNull();
      if (panel.getString("type").equals("row")) {
        continue;
      }
      assertThat(panel.getJsonObject("datasource").getString("uid")).as(panel.getString("title")).isEqualTo("${datasource}");
      JsonArray targets = panel.getJsonArray("targets");
      assertThat(targets).as(panel.getString("title")).isNotEmpty();
      targets.forEach(t -> queries.add(((JsonObject) t).getString("expr")));
    }
    dashboard.getJsonObject("templating").getJsonArray("list").forEach(v -> {
      String definition = ((JsonObject) v).getString("definition");
      if (definition != null) {
        queries.add(definition);
      }
    });
    Set<String> shown = new HashSet<>();
    for (String query : queries) {
      assertThat(ExportedMetrics.problems(query)).as(query).isEmpty();
      ExportedMetrics.selectors(query).forEach(s -> shown.add(ExportedMetrics.series().get(s.series()).name()));
    }
    assertThat(shown).containsAll(ExportedMetrics.SLUICE.stream().map(ExportedMetrics.Metric::name).toList());
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rules() {
    Map<String, Object> file = Manifests.yamlMap(ALERTS);
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Object group : (List<Object>) file.get("groups")) {
      Map<String, Object> g = (Map<String, Object>) group;
      assertThat(g).containsKeys("name", "rules");
      ((List<Object>) g.get("rules")).forEach(r -> rules.add((Map<String, Object>) r));
    }
    assertThat(rules).isNotEmpty();
    return rules;
  }

  /** GitHub's anchors for the headings of a Markdown text. */
  static Set<String> anchors(String markdown) {
    Set<String> anchors = new HashSet<>();
    Matcher matcher = HEADING.matcher(markdown);
    while (matcher.find()) {
      anchors.add(matcher.group(1).strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
    }
    return anchors;
  }
}
