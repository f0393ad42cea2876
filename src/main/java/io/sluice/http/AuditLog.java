package io.sluice.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.ParameterDefinition;
import io.sluice.dataset.RequestNames;
import io.sluice.logging.RequestLog;
import io.vertx.core.MultiMap;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import net.logstash.logback.marker.Markers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail of exports: one line on the {@value #LOGGER} logger for every row stream the
 * HTTP API was asked for, however it ended (a JSON object in the text log format, a JSON log
 * line with the same fields in the JSON format). It says who asked for which
 * dataset with which parameters, in which format, how it ended, and how many rows and bytes
 * left. Values of parameters a dataset marks {@code sensitive}, and of parameters it does not
 * declare, are replaced by a keyed digest ({@link AuditKey}: HMAC-SHA256 under {@code
 * audit.hmacKey}), so equal values can be matched without being readable, nor found by hashing
 * every likely value; the line names the key by its id.
 */
final class AuditLog {

  /** The logger the lines go to: route it on its own (see docs/security.md). */
  static final String LOGGER = "sluice.audit";

  static final String COMPLETE = "complete";
  static final String PARTIAL = "partial";
  static final String SAMPLED = "sampled";
  static final String REFUSED = "refused";
  static final String CANCELLED = "cancelled";
  /** An export was made: its partitions' reads have lines of their own, with its id as {@code @export}. */
  static final String EXPORT_CREATED = "export-created";

  private static final Logger AUDIT = LoggerFactory.getLogger(LOGGER);
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private AuditLog() {}

  /**
   * One stream's line. {@code keyId} names the {@link AuditKey} the digests in {@code params}
   * were made with. {@code httpStatus} is null when the client left before a status was
   * sent, {@code errorCode} when the stream ended without an error, {@code format} when the
   * request was refused before its format was known.
   */
  record Entry(String requestId, String principal, String dataset, Map<String, String> params, String keyId, String format,
      String status, Integer httpStatus, String errorCode, long rows, long bytes, long durationMs) {}

  /**
   * Logs {@code entry}'s line: its fields as fields of the log event (a Logstash marker, for the
   * JSON format) and as a JSON object for its message (for the text format, which prints the
   * message alone).
   */
  static void write(Entry entry) {
    if (!AUDIT.isInfoEnabled()) {
      return;
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", Instant.now().toString());
    line.put("requestId", entry.requestId());
    line.put("principal", entry.principal());
    line.put("dataset", entry.dataset());
    line.put("params", new TreeMap<>(entry.params()));
    line.put("keyId", entry.keyId());
    line.put("format", entry.format());
    line.put("status", entry.status());
    line.put("httpStatus", entry.httpStatus());
    line.put("errorCode", entry.errorCode());
    line.put("rows", entry.rows());
    line.put("bytes", entry.bytes());
    line.put("durationMs", entry.durationMs());
    try {
      AUDIT.info(Markers.appendEntries(line), JSON.writeValueAsString(line));
    } catch (JsonProcessingException e) {
      // cannot happen for a map of strings and numbers; never lose the line silently
      RequestLog.of(LOG, entry.requestId()).error("the audit line could not be written", e);
    }
  }

  /**
   * The parameters of a rows request as the audit shows them: every query parameter that is
   * not one of the request's own ({@link RequestNames#RESERVED}), by name, with its value
   * replaced by its digest under {@code key} unless {@code dataset} (null if unknown) declares
   * it and does not mark it sensitive.
   */
  static Map<String, String> params(Dataset dataset, MultiMap query, AuditKey key) {
    Map<String, ParameterDefinition> declared = dataset == null
        ? Map.of()
        : dataset.definition().parameters().stream().collect(Collectors.toMap(ParameterDefinition::name, p -> p));
    Map<String, String> params = new TreeMap<>();
    Set<String> names = query.names();
    for (String name : names) {
      if (RequestNames.RESERVED.contains(name)) {
        continue;
      }
      String value = query.get(name);
      ParameterDefinition parameter = declared.get(name);
      params.put(name, parameter != null && !parameter.sensitive() ? value : key.digest(value));
    }
    return params;
  }

  /** Parameters given by name (an export's JSON body) as the audit shows them: as {@link #params(Dataset, MultiMap, AuditKey)}. */
  static Map<String, String> params(Dataset dataset, Map<String, String> given, AuditKey key) {
    MultiMap query = MultiMap.caseInsensitiveMultiMap();
    given.forEach(query::add);
    return params(dataset, query, key);
  }
}
