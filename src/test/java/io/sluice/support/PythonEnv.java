package io.sluice.support;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Python virtual environment under {@code target/} for the tests that run Python: made with the
 * {@code python3} on the PATH (or {@code SLUICE_PYTHON}) and filled by pip from the machine's
 * configured package indexes. A machine without Python, venv or the packages fails the test with
 * what to install, never skips it.
 */
public final class PythonEnv {

  /** What a machine needs for the Python tests, named in every failure. */
  public static final String NEEDS = "the Python tests need python3 >= 3.9 with venv and pip (Debian: apt-get install python3 python3-venv),"
      + " and pip access to pytest, pyarrow, pandas and polars (see README, Tests)";

  private final Path home;

  private PythonEnv(Path home) {
    this.home = home;
  }

  /** The environment at {@code target/<name>}, made if it does not exist yet. */
  public static PythonEnv at(String name) {
    Path home = Path.of("target", name).toAbsolutePath();
    if (!Files.isExecutable(home.resolve("bin/python"))) {
      String python = System.getenv().getOrDefault("SLUICE_PYTHON", "python3");
      Result made = run(List.of(python, "-m", "venv", home.toString()), Map.of(), 300);
      if (made.exitCode() != 0) {
        throw new AssertionError("cannot make a virtual environment with '" + python + "': " + NEEDS + "\n" + made.output());
      }
    }
    return new PythonEnv(home);
  }

  /** {@code pip install} of {@code requirements}, quietly; fails with pip's output. */
  public PythonEnv install(String... requirements) {
    List<String> command = new ArrayList<>(List.of(python(), "-m", "pip", "install", "--quiet"));
    command.addAll(List.of(requirements));
    // an index that cannot be reached is given up at once, in pip's build subprocesses too (they take no options, only the environment)
    Result installed = run(command, Map.of("PIP_RETRIES", "0", "PIP_TIMEOUT", "20", "PIP_DISABLE_PIP_VERSION_CHECK", "1"), 900);
    if (installed.exitCode() != 0) {
      throw new AssertionError("pip install " + String.join(" ", requirements) + " failed: " + NEEDS + "\n" + installed.output());
    }
    return this;
  }

  public String python() {
    return home.resolve("bin/python").toString();
  }

  /** Runs {@code command} with {@code env} added, for at most {@code timeoutSeconds}; its output, stdout and stderr merged. */
  public static Result run(List<String> command, Map<String, String> env, long timeoutSeconds) {
    try {
      File log = File.createTempFile("sluice-python", ".log");
      log.deleteOnExit();
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log);
      builder.environment().putAll(env);
      Process process;
      try {
        process = builder.start();
      } catch (IOException missing) {
        return new Result(127, "cannot run " + command.get(0) + ": " + missing.getMessage());
      }
      boolean ended = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      if (!ended) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
      return ended ? new Result(process.exitValue(), output) : new Result(-1, output + "\n(killed after " + timeoutSeconds + " s)");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** A process's exit code and output. */
  public record Result(int exitCode, String output) {}
}
