package io.sluice.config;

import io.sluice.dataset.DatasetDefinition;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The whole configuration, built once at start-up from {@code conf/sluice.yaml} and the
 * {@code SLUICE_*} environment (see {@link ConfigLoader}), then passed to every verticle.
 */
public record SluiceConfig(
    HttpConfig http,
    DatabaseConfig database,
    StreamConfig stream,
    ResumeConfig resume,
    AuditConfig audit,
    ShutdownConfig shutdown,
    ClusterConfig cluster,
    BridgeConfig bridge,
    AuthConfig auth,
    HealthConfig health,
    ExportConfig exports,
    FollowConfig follow,
    Set<Role> roles,
    int instances,
    List<DatasetDefinition> datasets) {

  /** Reads the merged JSON form of the configuration. */
  public static SluiceConfig from(JsonObject json) {
    JsonArray datasetArray = json.getJsonArray("datasets", new JsonArray());
    List<DatasetDefinition> datasets = new ArrayList<>();
    for (int i = 0; i < datasetArray.size(); i++) {
      datasets.add(DatasetDefinition.from(datasetArray.getJsonObject(i)));
    }
    int instances = json.getInteger("instances", 0);
    return new SluiceConfig(
        HttpConfig.from(json.getJsonObject("http", new JsonObject())),
        DatabaseConfig.from(json.getJsonObject("database", new JsonObject())),
        StreamConfig.from(json.getJsonObject("stream", new JsonObject())),
        ResumeConfig.from(json.getJsonObject("resume", new JsonObject())),
        AuditConfig.from(json.getJsonObject("audit", new JsonObject())),
        ShutdownConfig.from(json.getJsonObject("shutdown", new JsonObject())),
        ClusterConfig.from(json.getJsonObject("cluster", new JsonObject())),
        BridgeConfig.from(json.getJsonObject("bridge", new JsonObject())),
        AuthConfig.from(json.getJsonObject("auth", new JsonObject())),
        HealthConfig.from(json.getJsonObject("health", new JsonObject())),
        ExportConfig.from(json.getJsonObject("exports", new JsonObject())),
        FollowConfig.from(json.getJsonObject("follow", new JsonObject())),
        Role.parse(roles(json.getValue("roles"))),
        instances > 0 ? instances : Runtime.getRuntime().availableProcessors(),
        List.copyOf(datasets));
  }

  /** {@code roles} as a YAML list or, from the environment, a comma-separated string. */
  private static JsonArray roles(Object value) {
    if (value instanceof JsonArray list) {
      return list;
    }
    return value == null ? new JsonArray() : new JsonArray(List.of(value.toString().split(",")));
  }

  public SluiceConfig withCluster(ClusterConfig newCluster) {
    return new SluiceConfig(http, database, stream, resume, audit, shutdown, newCluster, bridge, auth, health, exports, follow, roles, instances, datasets);
  }

  public SluiceConfig withHttp(HttpConfig newHttp) {
    return new SluiceConfig(newHttp, database, stream, resume, audit, shutdown, cluster, bridge, auth, health, exports, follow, roles, instances, datasets);
  }

  public SluiceConfig withDatabase(DatabaseConfig newDatabase) {
    return new SluiceConfig(http, newDatabase, stream, resume, audit, shutdown, cluster, bridge, auth, health, exports, follow, roles, instances, datasets);
  }

  public SluiceConfig withAuth(AuthConfig newAuth) {
    return new SluiceConfig(http, database, stream, resume, audit, shutdown, cluster, bridge, newAuth, health, exports, follow, roles, instances, datasets);
  }

  public SluiceConfig withResume(ResumeConfig newResume) {
    return new SluiceConfig(http, database, stream, newResume, audit, shutdown, cluster, bridge, auth, health, exports, follow, roles, instances, datasets);
  }

  public SluiceConfig withExports(ExportConfig newExports) {
    return new SluiceConfig(http, database, stream, resume, audit, shutdown, cluster, bridge, auth, health, newExports, follow, roles, instances, datasets);
  }

  public SluiceConfig withFollow(FollowConfig newFollow) {
    return new SluiceConfig(http, database, stream, resume, audit, shutdown, cluster, bridge, auth, health, exports, newFollow, roles, instances, datasets);
  }
}
