package io.sluice.dataset;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The built-in dataset of the end-to-end stream check ({@code /health/stream}): a few rows
 * PostgreSQL makes itself (no table, no parameter, no client SQL) and one transform, so that
 * the check crosses the transform stage's chain as well as its relay. Its name is one no
 * configured dataset can take (those match {@code [a-z][a-z0-9_-]*}); the catalogue keeps it
 * apart from the datasets clients list, describe and stream ({@link Catalogue#require}), and
 * only the stages find it ({@link Catalogue#forStage}).
 */
public final class HealthProbe {

  public static final String NAME = "sluice.health-probe";
  /** The rows a run of the probe streams. */
  public static final int ROWS = 3;

  static final DatasetDefinition DEFINITION = new DatasetDefinition(
      NAME,
      "the end-to-end stream check of /health/stream",
      "SELECT n, 'probe row' AS label FROM generate_series(1, " + ROWS + ") AS n",
      List.of("n"),
      List.of(),
      List.of(new JsonObject().put("type", "concat").put("columns", List.of("label", "n")).put("separator", " ").put("as", "checked")),
      null,
      Set.of(),
      null,
      List.of(),
      null,
      false,
      false);

  private HealthProbe() {}

  /** What the check asks of the stages: the whole probe, as an open frame's request. */
  public static StreamRequest request() {
    return new StreamRequest(NAME, Map.of(), null);
  }

  /** Whether {@code dataset} is the probe. */
  public static boolean is(Dataset dataset) {
    return NAME.equals(dataset.name());
  }
}
