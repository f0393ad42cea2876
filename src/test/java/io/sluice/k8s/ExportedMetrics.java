package io.sluice.k8s;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series that {@code GET /metrics} exports (docs/operations.md, "Metrics"), kept in this
 * one place for the checks of the alerting rules and the dashboard, and what PromQL
 * expressions name of them.
 */
final class ExportedMetrics {

  enum Type { COUNTER, GAUGE, HISTOGRAM }

  /** A metric and its labels; null labels: not Sluice's own, any label goes. */
  record Metric(String name, Type type, Set<String> labels) {}

  /** A series named in an expression, with its label matchers ({@code label op value}). */
  record Selector(String series, List<String[]> matchers) {}

  static final Map<String, Set<String>> LABEL_VALUES = Map.of(
      "status", Set.of("complete", "partial", "sampled", "error", "cancelled"),
      "state", Set.of("closed", "open", "half_open"));

  /** Labels Prometheus itself puts on every scraped series. */
  static final Set<String> SCRAPE_LABELS = Set.of("instance", "job", "namespace", "pod");

  static final List<Metric> SLUICE = List.of(
      new Metric("sluice_streams_active", Type.GAUGE, Set.of("dataset", "format")),
      new Metric("sluice_streams_ended_total", Type.COUNTER, Set.of("dataset", "format", "status")),
      new Metric("sluice_streams_refused_total", Type.COUNTER, Set.of("dataset", "reason")),
      new Metric("sluice_rows_sent_total", Type.COUNTER, Set.of("dataset", "format")),
      new Metric("sluice_bytes_sent_total", Type.COUNTER, Set.of("dataset", "format")),
      new Metric("sluice_time_to_first_row_seconds", Type.HISTOGRAM, Set.of("dataset", "format")),
      new Metric("sluice_stream_duration_seconds", Type.HISTOGRAM, Set.of("dataset", "format", "status")),
      new Metric("sluice_backpressure_paused_seconds_total", Type.COUNTER, Set.of("dataset", "format")),
      new Metric("sluice_credits_outstanding", Type.GAUGE, Set.of()),
      new Metric("sluice_rows_in_flight", Type.GAUGE, Set.of()),
      new Metric("sluice_stage_opens_total", Type.COUNTER, Set.of("loop")),
      new Metric("sluice_admission_wait_seconds", Type.HISTOGRAM, Set.of()),
      new Metric("sluice_db_connections_held", Type.GAUGE, Set.of()),
      new Metric("sluice_db_connections_waiting", Type.GAUGE, Set.of()),
      new Metric("sluice_db_connections_max", Type.GAUGE, Set.of()),
      new Metric("sluice_database_breaker_state", Type.GAUGE, Set.of("state")),
      new Metric("sluice_rows_sampled_out_total", Type.COUNTER, Set.of("dataset", "format")),
      new Metric("sluice_cluster_members", Type.GAUGE, Set.of()),
      new Metric("sluice_exports_snapshots_held", Type.GAUGE, Set.of()),
      new Metric("sluice_exports_snapshot_oldest_age_seconds", Type.GAUGE, Set.of()),
      new Metric("sluice_follow_slot_lag_bytes", Type.GAUGE, Set.of()),
      new Metric("sluice_follow_retained_transactions", Type.GAUGE, Set.of()),
      new Metric("sluice_follow_slot_held", Type.GAUGE, Set.of()),
      new Metric("sluice_follow_retained_disk_bytes", Type.GAUGE, Set.of()),
      new Metric("sluice_follow_evaluations_total", Type.COUNTER, Set.of()),
      new Metric("sluice_follow_evaluated_transactions_total", Type.COUNTER, Set.of()),
      new Metric("sluice_db_replica_healthy", Type.GAUGE, Set.of("server")),
      new Metric("sluice_db_replica_lag_bytes", Type.GAUGE, Set.of("server")),
      new Metric("sluice_db_replica_lag_seconds", Type.GAUGE, Set.of("server")),
      new Metric("sluice_db_replica_streams", Type.GAUGE, Set.of("server")),
      new Metric("sluice_arrow_memory_allocated_bytes", Type.GAUGE, Set.of()),
      new Metric("sluice_arrow_memory_limit_bytes", Type.GAUGE, Set.of()));

  /** Vert.x's own (vertx-micrometer-metrics), as a scrape of Sluice shows them. */
  static final List<Metric> VERTX = List.of(
      new Metric("vertx_http_server_requests_total", Type.COUNTER, null),
      new Metric("vertx_http_server_active_requests", Type.GAUGE, null),
      new Metric("vertx_http_server_active_connections", Type.GAUGE, null),
      new Metric("vertx_http_server_bytes_written_total", Type.COUNTER, null),
      new Metric("vertx_eventbus_pending", Type.GAUGE, null),
      new Metric("vertx_eventbus_discarded_total", Type.COUNTER, null),
      new Metric("vertx_pool_in_use", Type.GAUGE, null),
      new Metric("vertx_pool_queue_pending", Type.GAUGE, null));

  /** kube-state-metrics, for the pod basics. */
  static final List<Metric> KUBE_STATE = List.of(
      new Metric("kube_deployment_status_replicas_available", Type.GAUGE, null),
      new Metric("kube_deployment_spec_replicas", Type.GAUGE, null),
      new Metric("kube_pod_container_status_restarts_total", Type.COUNTER, null));

  private static final Pattern SERIES = Pattern.compile("\\b((?:sluice|vertx|kube)_[a-z0-9_]+)\\s*(\\{([^}]*)\\})?");
  private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");

  private ExportedMetrics() {}

  /** Series name (with its _bucket, _sum, _count) to its metric. */
  static Map<String, Metric> series() {
    Map<String, Metric> series = new LinkedHashMap<>();
    for (List<Metric> family : List.of(SLUICE, VERTX, KUBE_STATE)) {
      for (Metric metric : family) {
        if (metric.type() == Type.HISTOGRAM) {
          for (String suffix : List.of("_bucket", "_sum", "_count")) {
            series.put(metric.name() + suffix, metric);
          }
        } else {
          series.put(metric.name(), metric);
        }
      }
    }
    return series;
  }

  /** The sluice_, vertx_ and kube_ series {@code promql} names, each with its matchers. */
  static List<Selector> selectors(String promql) {
    List<Selector> selectors = new ArrayList<>();
    Matcher matcher = SERIES.matcher(promql);
    while (matcher.find()) {
      List<String[]> matchers = new ArrayList<>();
      if (matcher.group(3) != null) {
        Matcher label = MATCHER.matcher(matcher.group(3));
        while (label.find()) {
          matchers.add(new String[] {label.group(1), label.group(2), label.group(3)});
        }
      }
      selectors.add(new Selector(matcher.group(1), matchers));
    }
    return selectors;
  }

  /** What is wrong with the series {@code promql} names: unknown series, labels or label values. */
  static List<String> problems(String promql) {
    Map<String, Metric> known = series();
    List<String> problems = new ArrayList<>();
    for (Selector selector : selectors(promql)) {
      Metric metric = known.get(selector.series());
      if (metric == null) {
        problems.add("unknown series " + selector.series());
        continue;
      }
      if (metric.labels() == null) {
        continue;
      }
      for (String[] m : selector.matchers()) {
        String label = m[0];
        boolean bucket = selector.series().endsWith("_bucket") && label.equals("le");
        if (!metric.labels().contains(label) && !SCRAPE_LABELS.contains(label) && !bucket) {
          problems.add(selector.series() + " has no label " + label);
        }
        Set<String> values = LABEL_VALUES.get(label);
        if (values != null && metric.labels().contains(label) && !m[2].contains("$")) {
          for (String value : m[1].endsWith("~") ? m[2].split("\\|") : new String[] {m[2]}) {
            if (!values.contains(value)) {
              problems.add(selector.series() + ": " + label + " is never \"" + value + "\"");
            }
          }
        }
      }
    }
    return problems;
  }
}
