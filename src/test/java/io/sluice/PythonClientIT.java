package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Jwt;
import io.sluice.support.PythonEnv;
import io.sluice.support.ServiceTest;
import io.sluice.support.TestSluice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Python client ({@code clients/python}) installed by pip into a fresh virtual environment
 * and tested by its own pytest suite against two real Sluices with JWT on: one plain, one whose
 * export quota (300 rows per 1 s window) cuts every longer stream, so the client must resume
 * (partitions of an export included).
 */
@DisplayName("The Python client")
class PythonClientIT extends ServiceTest {

  /** Room for an export of 4 partitions read at once beside its snapshot's connection. */
  private static final int POOL = 6;
  private static Sluice cutting;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> {
      Jwt.configure(json);
      json.getJsonObject("database").put("poolSize", POOL);
    });
    cutting = TestSluice.start(vertx, json -> {
      Jwt.configure(json);
      json.getJsonObject("database").put("poolSize", POOL);
      json.getJsonObject("http").put("quota", new JsonObject().put("rowsPerWindow", 300).put("bytesPerWindow", 0).put("windowSeconds", 1));
    }).await(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopCutting() throws Exception {
    if (cutting != null) {
      cutting.stop().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("passes its pytest suite: typed rows, typed errors, resume across cuts, Arrow, pandas, polars, partitioned exports")
  void pytest(Vertx vertx) throws Exception {
    PythonEnv python = PythonEnv.at("python-client-venv")
        .install("--force-reinstall", "--no-deps", "./clients/python")
        .install("./clients/python[arrow,pandas,polars,test]");
    Jwt jwt = Jwt.on(vertx);
    Map<String, String> env = Map.of(
        "SLUICE_URL", "http://127.0.0.1:" + port,
        "SLUICE_CUT_URL", "http://127.0.0.1:" + cutting.config().http().port(),
        "SLUICE_TOKEN", jwt.token("alice", new JsonObject().put("tenant_id", 1), "analyst", "pii-reader"),
        "SLUICE_TOKEN_ANALYST", jwt.token("bob", "analyst"));
    Path report = Path.of("target", "python-client-pytest.xml").toAbsolutePath();
    PythonEnv.Result result = PythonEnv.run(List.of(python.python(), "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "--junitxml=" + report, "clients/python/tests"), env, 600);
    System.out.println(result.output());
    assertThat(result.exitCode()).as("pytest failed:\n" + result.output()).isZero();
    assertThat(Files.readString(report)).as("pytest ran the suite").contains("failures=\"0\"").doesNotContain("tests=\"0\"");
  }
}
