package io.sluice.config;

import io.sluice.dataset.DatasetDefinition;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole configuration, built once at start-up from {@code conf/sluice.yaml} and the
 * {@code SLUICE_*} environment (see {@link ConfigLoader}), then passed to every verticle.
 */
public record SluiceConfig(
    HttpConfig http,
    DatabaseConfig database,
    StreamConfig stream,
    ResumeConfig resume,
    ShutdownConfig shutdown,
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
        ShutdownConfig.from(json.getJsonObject("shutdown", new JsonObject())),
        instances > 0 ? instances : Runtime.getRuntime().availableProcessors(),
        List.copyOf(datasets));
  }

  public SluiceConfig withHttp(HttpConfig newHttp) {
    return new SluiceConfig(newHttp, database, stream, resume, shutdown, instances, datasets);
  }

  public SluiceConfig withDatabase(DatabaseConfig newDatabase) {
    return new SluiceConfig(http, newDatabase, stream, resume, shutdown, instances, datasets);
  }

  public SluiceConfig withResume(ResumeConfig newResume) {
    return new SluiceConfig(http, database, stream, newResume, shutdown, instances, datasets);
  }
}
