package io.sluice.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The room map of docs/architecture.md, held against the compiled classes: every package on
 * its floor, imports only downwards, no cycle between packages nor between the classes of one,
 * the wire protocol used only by the stages and the transports, no main source file over 400 lines.
 */
@DisplayName("The architecture keeps its room map")
class ArchitectureTest {

  /** Each package's floor, as docs/architecture.md draws it: a package imports only packages on lower floors. */
  static final Map<String, Integer> FLOORS = Map.ofEntries(
      Map.entry("value", 1), Map.entry("error", 1), Map.entry("logging", 1), Map.entry("metrics", 1), Map.entry("demo", 1),
      Map.entry("transform", 2), Map.entry("format", 2), Map.entry("protocol", 2),
      Map.entry("dataset", 3),
      Map.entry("config", 4), Map.entry("source", 4), Map.entry("resume", 4), Map.entry("client", 4), Map.entry("limits", 4),
      Map.entry("db", 5), Map.entry("auth", 5), Map.entry("cluster", 5), Map.entry("stage", 5), Map.entry("changes", 5),
      Map.entry("cursor", 6), Map.entry("export", 6), Map.entry("bridge", 6),
      // the transport that serves exports as well as streams
      Map.entry("http", 7),
      // the wiring: Main and Sluice
      Map.entry("", 8));

  /** The packages that may speak the event-bus protocol: the stages, the transports and the wiring. */
  static final Set<String> PROTOCOL_USERS = Set.of("protocol", "stage", "http", "bridge", "client", "");

  private static final String ROOT = "io.sluice";
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);
  }

  /** The room of a class: its package below io.sluice, first segment only ("" for the wiring). */
  static String room(JavaClass type) {
    String pkg = type.getPackageName();
    if (pkg.equals(ROOT)) {
      return "";
    }
    String rest = pkg.substring(ROOT.length() + 1);
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  private static boolean ours(JavaClass type) {
    return type.getPackageName().equals(ROOT) || type.getPackageName().startsWith(ROOT + ".");
  }

  @Test
  @DisplayName("every package has a floor in the room map")
  void everyPackageHasAFloor() {
    Set<String> rooms = new TreeSet<>();
    classes.stream().filter(ArchitectureTest::ours).forEach(c -> rooms.add(room(c)));
    assertThat(FLOORS.keySet()).as("add new packages to docs/architecture.md and FLOORS").containsAll(rooms);
  }

  @Test
  @DisplayName("imports run one way: a package uses only packages on lower floors")
  void importsRunDownwards() {
    List<String> upward = new ArrayList<>();
    for (JavaClass type : classes) {
      if (!ours(type)) {
        continue;
      }
      String from = room(type);
      for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
        JavaClass target = dependency.getTargetClass();
        if (!ours(target) || room(target).equals(from)) {
          continue;
        }
        int fromFloor = FLOORS.getOrDefault(from, 0);
        int toFloor = FLOORS.getOrDefault(room(target), Integer.MAX_VALUE);
        if (toFloor >= fromFloor) {
          upward.add(type.getName() + " (" + from + ", floor " + fromFloor + ") -> " + target.getName() + " (floor " + toFloor + ")");
        }
      }
    }
    assertThat(new TreeSet<>(upward)).as("dependencies that do not run down the room map").isEmpty();
  }

  @Test
  @DisplayName("no cycle between packages")
  void noPackageCycle() {
    slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  @DisplayName("no cycle between the classes of one package")
  void noClassCycleInsideAPackage() {
    Map<String, Set<String>> edges = new HashMap<>();
    for (JavaClass type : classes) {
      if (!ours(type)) {
        continue;
      }
      String from = topLevel(type);
      for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
        JavaClass target = dependency.getTargetClass();
        if (ours(target) && target.getPackageName().equals(type.getPackageName()) && !topLevel(target).equals(from)) {
          edges.computeIfAbsent(from, k -> new HashSet<>()).add(topLevel(target));
        }
      }
    }
    assertThat(Cycles.of(edges)).as("classes that depend on each other, round a loop").isEmpty();
  }

  @Test
  @DisplayName("only the stages, the transports and the wiring speak the wire protocol")
  void protocolOnlyAtTheEdges() {
    List<String> outsiders = classes.stream()
        .filter(ArchitectureTest::ours)
        .filter(c -> !PROTOCOL_USERS.contains(room(c)))
        .filter(c -> c.getDirectDependenciesFromSelf().stream().anyMatch(d -> ours(d.getTargetClass()) && room(d.getTargetClass()).equals("protocol")))
        .map(JavaClass::getName)
        .sorted()
        .toList();
    assertThat(outsiders).as("classes outside " + PROTOCOL_USERS + " that use io.sluice.protocol").isEmpty();
  }

  @Test
  @DisplayName("the domain error lives below the protocol: error/ imports nothing of Sluice's")
  void errorsKnowNoTransport() {
    noClasses().that().resideInAPackage(ROOT + ".error..").should().dependOnClassesThat()
        .resideInAnyPackage(ROOT + ".protocol..", ROOT + ".http..", ROOT + ".bridge..").check(classes);
  }

  @Test
  @DisplayName("no main source file is over 400 lines")
  void noLargeFiles() throws IOException {
    List<String> large = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        long lines = Files.readAllLines(file).size();
        if (lines > 400) {
          large.add(file + ": " + lines);
        }
      }
    }
    assertThat(large).as("main source files over 400 lines").isEmpty();
  }

  private static String topLevel(JavaClass type) {
    JavaClass top = type;
    while (top.getEnclosingClass().isPresent()) {
      top = top.getEnclosingClass().get();
    }
    return top.getName();
  }
}
