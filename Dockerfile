# syntax=docker/dockerfile:1
# Sluice's container image, built apart from Maven (no engine or registry is needed by
# `mvn package`/`verify`):
#
#   docker build -t registry.example.com/sluice:0.1.0 .
#
# docs/operations.md ("Container image", "Memory in a container") explains every flag.

FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY conf conf
COPY src/main src/main
# the local repository is a cache mount: a rebuild downloads only what changed
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 sluice \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin sluice
WORKDIR /app
COPY --from=build /src/target/sluice.jar /app/sluice.jar
# The memory caps of a 1 GiB container (docs/operations.md, "Memory in a container"): heap
# half the limit, direct buffers, metaspace and code cache capped, G1 whatever the size (the
# JVM would pick Serial under 1792 MiB), and an OutOfMemoryError ends the process instead of
# limping on. The Deployment sets the same JAVA_TOOL_OPTIONS next to its limit.
ENV JAVA_TOOL_OPTIONS="-XX:+UseG1GC -XX:MaxRAMPercentage=50 -XX:MaxDirectMemorySize=96m -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=64m -XX:+ExitOnOutOfMemoryError" \
    MALLOC_ARENA_MAX=2
# the root filesystem may be read-only: only /tmp is written (mount a volume there)
USER 10001:10001
EXPOSE 8080 5701 5702
# The module flags Arrow (java.nio) and Hazelcast ask for; the jar's manifest carries them
# too (Add-Opens, Add-Exports), so `java -jar` alone also works.
ENTRYPOINT ["java", \
  "--add-opens=java.base/java.nio=ALL-UNNAMED", \
  "--add-opens=java.base/java.lang=ALL-UNNAMED", \
  "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", \
  "--add-opens=java.management/sun.management=ALL-UNNAMED", \
  "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED", \
  "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", \
  "-jar", "/app/sluice.jar"]
