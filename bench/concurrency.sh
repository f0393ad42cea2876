#!/usr/bin/env bash
# Sluice under many streams at once: N concurrent CSV exports, each on its own connection from a
# loopback address of its own (127.0.0.2, 127.0.0.3, ...: distinct clients, so per-client limits
# do not apply), all driven by one curl process, with the shipped configuration, for N in
# BENCH_SERIES.
#
#   bash bench/concurrency.sh                     # 1, 8, 32 and 64 streams of 100,000 rows
#   BENCH_SERIES="64" BENCH_ROWS_EACH=1000000 bash bench/concurrency.sh
#
# Per N: served (200) and refused, first byte p50/p99 over the served, rows/s of all of them
# together (rows served / wall of the whole round), and CPU seconds per million rows served of
# the Sluice JVM (/proc/<pid>/stat) and of PostgreSQL (what the postmaster reaped, cutime +
# cstime, plus the CPU of its live children: backends kept for the next stream do not end).
# Prints a Markdown table.
#
# Environment: BENCH_PORT (18081), SLUICE_DEMO_ROWS (1000000), BENCH_ROWS_EACH (100000),
# BENCH_SERIES ("1 8 32 64"), BENCH_JAVA_OPTS (-Xmx256m), SLUICE_DB_URL (the local server).

set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${BENCH_PORT:-18081}
ROWS=${SLUICE_DEMO_ROWS:-1000000}
EACH=${BENCH_ROWS_EACH:-100000}
SERIES=${BENCH_SERIES:-1 8 32 64}
JAVA_OPTS=${BENCH_JAVA_OPTS--Xmx256m}
DB=${SLUICE_DB_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/sluice-concurrency.XXXXXX")
BENCH_TAG=concurrency
# shellcheck source=bench/lib.sh
source bench/lib.sh

[[ -f target/sluice.jar ]] || mvn -B -q -DskipTests package
CLK_TCK=$(getconf CLK_TCK)
proc_cpu() { awk -v t="$CLK_TCK" '{sub(/^.*\) /, ""); print ($12 + $13) / t}' "/proc/$1/stat"; }
# PostgreSQL's CPU: what the postmaster reaped (backends that ended) plus what its live children used
# (backends kept open between streams, database.warmConnections, never end while the service runs)
pg_cpu() {
  { awk '{sub(/^.*\) /, ""); print $14 + $15}' "/proc/$1/stat"
    for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
      awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$child/stat" 2>/dev/null || true
    done; } | awk -v t="$CLK_TCK" '{s += $1} END {print s / t}'
}

DATA_DIR=$(psql "$DB" -Atc 'show data_directory')
POSTMASTER=$(head -1 "$DATA_DIR/postmaster.pid" 2>/dev/null || true)
[[ -n $POSTMASTER && -r /proc/$POSTMASTER/stat ]] || { log "PostgreSQL's postmaster is not readable here: its CPU is not reported"; POSTMASTER=""; }

env SLUICE_HTTP_HOST=127.0.0.1 SLUICE_HTTP_PORT="$PORT" SLUICE_DB_URL="$DB" SLUICE_DEMO_ROWS="$ROWS" \
  java $JAVA_OPTS -jar target/sluice.jar demo >"$OUT/sluice.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for ((i = 0; i < 600; i++)); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/health/ready" || true) == 200 ]] && break
  alive "$PID" || die "service exited during start-up (log: $OUT/sluice.log)"
  sleep 0.5
done
URL="http://127.0.0.1:$PORT/v1/datasets/transactions_raw/rows?format=csv&limit=$EACH"
curl -s -o /dev/null "$URL" # warm-up

echo "| Streams | Served | Refused | First byte p50 | First byte p99 | Rows/s together | Sluice CPU s/M rows | PostgreSQL CPU s/M rows |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $SERIES; do
  rm -f "$OUT"/w.all
  c0=$(proc_cpu "$PID"); p0=${POSTMASTER:+$(pg_cpu "$POSTMASTER")}
  t0=$(now)
  # One curl process runs the n transfers at once (--parallel), each from its own address (--next
  # starts the next transfer's options): n curl processes starting together spent about 2 s of
  # the two cores' CPU on their own start-up, which landed in every stream's first byte.
  args=()
  for ((i = 0; i < n; i++)); do
    ((i > 0)) && args+=(--next)
    args+=(-s --interface "127.0.0.$((i % 250 + 2))" -o /dev/null -w '%{http_code} %{time_starttransfer}\n' "$URL")
  done
  curl --parallel --parallel-immediate --parallel-max "$n" "${args[@]}" >"$OUT/w.all" 2>/dev/null || true
  t1=$(now)
  c1=$(proc_cpu "$PID"); p1=${POSTMASTER:+$(pg_cpu "$POSTMASTER")}
  awk -v n="$n" -v wall="$(awk "BEGIN {print $t1 - $t0}")" -v each="$EACH" -v jvm="$(awk "BEGIN {print $c1 - $c0}")" \
      -v pg="${p1:+$(awk "BEGIN {print $p1 - $p0}")}" '
    $1 == 200 {fb[++k] = $2} $1 != 200 {refused++}
    END {
      asort(fb); rows = k * each
      p50 = k ? fb[int((k + 1) * 0.50) > 0 ? int((k + 1) * 0.50) : 1] : 0
      p99 = k ? fb[int(k * 0.99 + 0.999) > k ? k : int(k * 0.99 + 0.999)] : 0
      printf "| %d | %d | %d | %.0f ms | %.0f ms | %.0f | %.2f | %s |\n", n, k, refused + 0, p50 * 1000, p99 * 1000, rows / wall,
        rows ? jvm * 1e6 / rows : 0, (pg == "" || !rows) ? "n/a" : sprintf("%.2f", pg * 1e6 / rows)
    }' "$OUT/w.all"
done
