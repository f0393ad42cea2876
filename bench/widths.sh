#!/usr/bin/env bash
# Rows of any width under a capped heap: for each width (100 B, 10 KB, 1 MB by default) it runs
# STREAMS exports of about MB_PER_STREAM megabytes at once, half of them read at SLOW_RATE by
# `curl --limit-rate` and half as fast as they can, each from a loopback address of its own, and reports per width the rows/s and MB/s
# together, the service's CPU seconds per million rows and per GB, and its peak RSS (VmHWM) after
# the width, against the target of 400 MB under -Xmx256m.
#
#   bash bench/widths.sh | tee bench/results/widths.md
#
# Environment (all optional):
#   BENCH_PORT=18083            loopback port for the service
#   SLUICE_DB_URL=postgresql://postgres@127.0.0.1:5432/postgres
#   BENCH_WIDTHS="100 10240 1048576"   row widths in bytes
#   BENCH_STREAMS=16            exports at once per width (half slow, half fast)
#   MB_PER_STREAM=12            megabytes each export reads
#   SLOW_RATE=5M                curl --limit-rate of the slow half
#   BENCH_JAVA_OPTS=-Xmx256m    JVM options of the service
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${BENCH_PORT:-18083}
DB=${SLUICE_DB_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
WIDTHS=${BENCH_WIDTHS:-100 10240 1048576}
STREAMS=${BENCH_STREAMS:-16}
MB_EACH=${MB_PER_STREAM:-12}
SLOW_RATE=${SLOW_RATE:-5M}
JAVA_OPTS=${BENCH_JAVA_OPTS--Xmx256m}
JAR=target/sluice.jar
BASE="http://127.0.0.1:${PORT}"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/sluice-widths.XXXXXX")
BENCH_TAG=widths
# shellcheck source=bench/lib.sh
source bench/lib.sh

for tool in java curl awk; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
[[ -f $JAR ]] || mvn -B -q -DskipTests package
if curl -s -o /dev/null --max-time 2 "$BASE/health"; then die "something already answers on $BASE; set BENCH_PORT"; fi
CLK_TCK=$(getconf CLK_TCK)
proc_cpu() { awk -v t="$CLK_TCK" '{sub(/^.*\) /, ""); print ($12 + $13) / t}' "/proc/$1/stat"; }
proc_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

log "starting java ${JAVA_OPTS} -jar $JAR on $BASE (log: $OUT/sluice.log)"
# shellcheck disable=SC2086  # JAVA_OPTS is a list of options
env SLUICE_CONFIG=bench/widths.yaml SLUICE_HTTP_PORT="$PORT" SLUICE_DB_URL="$DB" \
  SLUICE_RESUME_KEY=widths-benchmark-signing-key-0123456789abcdef \
  java $JAVA_OPTS -jar "$JAR" >"$OUT/sluice.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for ((i = 0; i < 240; i++)); do
  alive "$PID" || { tail -n 20 "$OUT/sluice.log" >&2; die "the service exited during start-up"; }
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/health/ready" || true) == 200 ]] && break
  sleep 0.5
done
curl -s -o /dev/null "$BASE/v1/datasets/rows_of_width/rows?format=csv&count=20000&width=100" # warm-up

echo "| Width | Streams (slow + fast) | Rows each | Complete | Rows/s together | MB/s together | Sluice CPU s/M rows | Sluice CPU s/GB | Peak RSS after |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for width in $WIDTHS; do
  count=$((MB_EACH * 1024 * 1024 / (width + 8)))
  ((count > 0)) || count=1
  rm -f "$OUT"/w.*
  c0=$(proc_cpu "$PID")
  t0=$(now)
  for ((i = 0; i < STREAMS; i++)); do
    rate=()
    ((i % 2 == 0)) && rate=(--limit-rate "$SLOW_RATE")
    curl -s --interface "127.0.0.$((i % 250 + 2))" "${rate[@]}" -o /dev/null -D "$OUT/h.$i" -w '%{http_code} %{size_download}\n' \
      "$BASE/v1/datasets/rows_of_width/rows?format=csv&count=$count&width=$width" >"$OUT/w.$i" &
  done
  wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
  t1=$(now)
  c1=$(proc_cpu "$PID")
  complete=$(grep -li '^sluice-status: complete' "$OUT"/h.* 2>/dev/null | wc -l || true)
  hwm=$(proc_kb "$PID" VmHWM)
  cat "$OUT"/w.* | awk -v streams="$STREAMS" -v count="$count" -v width="$width" -v complete="$complete" -v hwm="$hwm" \
      -v wall="$(awk "BEGIN {print $t1 - $t0}")" -v jvm="$(awk "BEGIN {print $c1 - $c0}")" '
    {bytes += $2}
    END {
      rows = streams * count
      printf "| %d B | %d (%d + %d) | %d | %d of %d | %.0f | %.1f | %.2f | %.2f | %d MiB |\n", width, streams, int((streams + 1) / 2),
        int(streams / 2), count, complete, streams, rows / wall, bytes / wall / 1048576, jvm * 1e6 / rows, jvm * 1073741824 / bytes, hwm / 1024
    }'
done
