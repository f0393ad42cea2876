package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Loads the YAML configuration with vertx-config and applies the {@code SLUICE_*}
 * environment overrides listed in {@link #ENV_OVERRIDES}. Secrets may instead come from a file
 * ({@link #FILE_OVERRIDES}, for Kubernetes and Docker secrets): its content, trimmed. Neither
 * the values nor the contents of such files ever appear in an error message.
 *
 * <p>The JWT secret is one of them: {@code SLUICE_JWT_HS256_SECRET} or {@code
 * SLUICE_JWT_HS256_SECRET_FILE}; so is the audit log's key, {@code SLUICE_AUDIT_HMAC_KEY} or
 * {@code SLUICE_AUDIT_HMAC_KEY_FILE}.
 */
public final class ConfigLoader {

  /** Environment variable to the dotted path it overrides. */
  static final Map<String, String> ENV_OVERRIDES =
      Map.ofEntries(
          Map.entry("SLUICE_RESUME_KEY", "resume.signingKey"),
          Map.entry("SLUICE_AUDIT_HMAC_KEY", "audit.hmacKey"),
          Map.entry("SLUICE_AUTH", "auth.mode"),
          Map.entry("SLUICE_JWT_HS256_SECRET", "auth.hs256Secret"),
          Map.entry("SLUICE_JWT_ISSUER", "auth.issuer"),
          Map.entry("SLUICE_JWT_AUDIENCE", "auth.audience"),
          Map.entry("SLUICE_JWKS_URL", "auth.jwks.url"),
          Map.entry("SLUICE_HTTP_HOST", "http.host"),
          Map.entry("SLUICE_HTTP_PORT", "http.port"),
          Map.entry("SLUICE_ARROW_MEMORY_BYTES", "http.arrowMemoryBytes"),
          Map.entry("SLUICE_DB_URL", "database.url"),
          Map.entry("SLUICE_DB_PASSWORD", "database.password"),
          Map.entry("SLUICE_DB_POOL_SIZE", "database.poolSize"),
          Map.entry("SLUICE_DB_WARM_CONNECTIONS", "database.warmConnections"),
          Map.entry("SLUICE_DB_REPLICAS", "database.replicas"),
          Map.entry("SLUICE_DB_APPLICATION_NAME", "database.applicationName"),
          Map.entry("SLUICE_FETCH_SIZE", "stream.fetchSize"),
          Map.entry("SLUICE_WINDOW", "stream.window"),
          Map.entry("SLUICE_LEASE_MS", "stream.leaseMs"),
          Map.entry("SLUICE_MAX_LIMIT", "stream.maxLimit"),
          Map.entry("SLUICE_DRAIN_SECONDS", "shutdown.drainSeconds"),
          Map.entry("SLUICE_EXPORT_TTL_SECONDS", "exports.ttlSeconds"),
          Map.entry("SLUICE_HEALTH_STREAM_INTERVAL_SECONDS", "health.streamIntervalSeconds"),
          Map.entry("SLUICE_HEALTH_STREAM_TIMEOUT_MS", "health.streamTimeoutMs"),
          Map.entry("SLUICE_INSTANCES", "instances"),
          Map.entry("SLUICE_ROLES", "roles"),
          Map.entry("SLUICE_BRIDGE", "bridge.enabled"),
          Map.entry("SLUICE_BRIDGE_HOST", "bridge.host"),
          Map.entry("SLUICE_BRIDGE_PORT", "bridge.port"),
          Map.entry("SLUICE_BRIDGE_MAX_STREAMS", "bridge.maxStreamsPerClient"),
          Map.entry("SLUICE_FOLLOW_LOG_DIR", "follow.logDir"),
          Map.entry("SLUICE_FOLLOW_RETAINED_BYTES", "follow.retainedBytes"),
          Map.entry("SLUICE_CLUSTER", "cluster.enabled"),
          Map.entry("SLUICE_CLUSTER_HOST", "cluster.host"),
          Map.entry("SLUICE_CLUSTER_PORT", "cluster.port"),
          Map.entry("SLUICE_CLUSTER_MEMBERS", "cluster.members"),
          Map.entry("SLUICE_CLUSTER_BUS_PORT", "cluster.busPort"),
          Map.entry("SLUICE_CLUSTER_PUBLIC_HOST", "cluster.publicHost"),
          Map.entry("SLUICE_CLUSTER_SERVICE", "cluster.kubernetesService"));

  /** Environment variable naming a file whose content (trimmed) is the secret, to the variable it stands for. */
  static final Map<String, String> FILE_OVERRIDES = Map.of(
      "SLUICE_RESUME_KEY_FILE", "SLUICE_RESUME_KEY",
      "SLUICE_AUDIT_HMAC_KEY_FILE", "SLUICE_AUDIT_HMAC_KEY",
      "SLUICE_DB_PASSWORD_FILE", "SLUICE_DB_PASSWORD",
      "SLUICE_DB_URL_FILE", "SLUICE_DB_URL",
      "SLUICE_JWT_HS256_SECRET_FILE", "SLUICE_JWT_HS256_SECRET");

  /** Overridden entries that are text whatever they look like: a signing key of digits stays text. */
  private static final java.util.Set<String> TEXT_VALUED = java.util.Set.of(
      "resume.signingKey", "audit.hmacKey", "auth.hs256Secret", "auth.mode", "auth.issuer", "auth.audience", "auth.jwks.url", "http.host", "database.url",
      "database.password", "database.applicationName", "roles",
      "cluster.host", "cluster.publicHost", "cluster.members", "cluster.kubernetesService", "follow.logDir");

  private ConfigLoader() {}

  /** Reads {@code path} (YAML) and the environment. */
  public static Future<SluiceConfig> load(Vertx vertx, String path) {
    return loadJson(vertx, path).map(SluiceConfig::from);
  }

  /** Reads {@code path} (YAML) and the environment into the merged JSON form. */
  public static Future<JsonObject> loadJson(Vertx vertx, String path) {
    ConfigStoreOptions yaml =
        new ConfigStoreOptions()
            .setType("file")
            .setFormat("yaml")
            .setConfig(new JsonObject().put("path", path));
    ConfigStoreOptions env =
        new ConfigStoreOptions()
            .setType("env")
            .setConfig(new JsonObject().put("keys", new JsonArray(java.util.stream.Stream.concat(
                ENV_OVERRIDES.keySet().stream(), FILE_OVERRIDES.keySet().stream()).toList())));
    ConfigRetriever retriever =
        ConfigRetriever.create(
            vertx, new ConfigRetrieverOptions().setScanPeriod(0).addStore(yaml).addStore(env));
    return retriever
        .getConfig()
        .compose(merged -> readSecretFiles(vertx, merged))
        .map(ConfigLoader::applyEnvironment)
        .recover(err -> Future.failedFuture(new ConfigException("cannot read " + path + ": " + err.getMessage(), err)))
        .eventually(retriever::close);
  }

  /**
   * Replaces each {@code *_FILE} variable of {@code merged} by the variable it stands for,
   * holding the file's content, trimmed. Giving both is an error, as is a file that cannot be
   * read; the messages name the variables and the file, never a secret.
   */
  static Future<JsonObject> readSecretFiles(Vertx vertx, JsonObject merged) {
    JsonObject result = merged.copy();
    Future<Void> all = Future.succeededFuture();
    for (Map.Entry<String, String> variant : FILE_OVERRIDES.entrySet()) {
      Object file = result.remove(variant.getKey());
      if (file == null || file.toString().isBlank()) {
        continue;
      }
      Object direct = result.getValue(variant.getValue());
      if (direct != null && !direct.toString().isBlank()) {
        return Future.failedFuture(new ConfigException("give " + variant.getValue() + " or " + variant.getKey() + ", not both"));
      }
      String path = file.toString();
      all = all.compose(v -> vertx.fileSystem().readFile(path)
          .recover(err -> Future.failedFuture(new ConfigException(variant.getKey() + ": cannot read " + path)))
          .map(content -> {
            result.put(variant.getValue(), content.toString(java.nio.charset.StandardCharsets.UTF_8).strip());
            return null;
          }));
    }
    return all.map(result);
  }

  /** Every environment variable the configuration reads: the overrides and their {@code *_FILE} variants. */
  public static java.util.Set<String> environmentVariables() {
    java.util.Set<String> names = new java.util.TreeSet<>(ENV_OVERRIDES.keySet());
    names.addAll(FILE_OVERRIDES.keySet());
    return java.util.Collections.unmodifiableSet(names);
  }

  /**
   * Moves the {@code SLUICE_*} entries at the top of {@code merged} (where vertx-config's
   * environment store puts them) to the paths they override; blank ones are dropped.
   */
  public static JsonObject applyEnvironment(JsonObject merged) {
    JsonObject result = merged.copy();
    ENV_OVERRIDES.forEach(
        (variable, path) -> {
          Object value = result.remove(variable);
          if (value != null && !value.toString().isBlank()) {
            put(result, path, value);
          }
        });
    return result;
  }

  /** A whole number or a boolean as such, anything else as text. */
  private static Object typed(String text) {
    if (text.matches("-?\\d{1,18}")) {
      return Long.parseLong(text);
    }
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(text);
    }
    return text;
  }

  private static void put(JsonObject root, String dottedPath, Object value) {
    String[] parts = dottedPath.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], TEXT_VALUED.contains(dottedPath) ? value.toString() : typed(value.toString()));
  }
}
