#!/usr/bin/env bash
# Sluice export benchmark: every Sluice format against psql's own \copy, on the demo data.
#
#   bash bench/run.sh                          # 1,000,000 rows, 3 measured runs each
#   SLUICE_DEMO_ROWS=10000000 bash bench/run.sh  # the issue's 10M-row memory target
#
# What it does, in one run (docs/benchmarks.md explains every figure):
#   1. builds target/sluice.jar if it is missing;
#   2. starts `java -jar target/sluice.jar demo` on 127.0.0.1:BENCH_PORT (the demo seeds
#      `transactions` with rows 1..SLUICE_DEMO_ROWS if it holds anything else) and times, BENCH_RUNS
#      times each after BENCH_WARMUP unmeasured rounds, interleaved:
#        psql \copy (select * from transactions order by id) to stdout with csv header | wc -c
#        curl .../v1/datasets/transactions_raw/rows?format=F   for F in ndjson, csv, json, tsv,
#        arrow (full exports), and ndjson again with Accept-Encoding: gzip (bytes on the wire)
#      and takes the median of each; in the same rounds, partitioned exports of transactions_raw as
#      CSV (BENCH_PARTITIONS, default "2 4" partitions): POST the export, read every partition at
#      once, DELETE it, timed from the POST to the last partition's end;
#   3. peak RSS (VmHWM): a fresh service process exports BENCH_SMALL_ROWS rows (limit=...), then
#      another fresh process exports every row, both as BENCH_RSS_FORMAT;
#   4. bench/concurrency.sh: 1, 8, 32 and 64 CSV exports at once (BENCH_CONCURRENCY), each from its
#      own address: served, refused, first byte p50/p99, rows/s together, CPU per row;
#   5. prints a plain table, then the same results as Markdown (also saved under bench/results/).
#
# Environment (all optional):
#   BENCH_PORT=18080            loopback port for the service
#   SLUICE_DEMO_ROWS=1000000    rows in the demo table
#   SLUICE_DB_URL=postgresql://postgres@127.0.0.1:5432/postgres   used by psql AND the service
#   BENCH_RUNS=3                measured runs per export (median reported)
#   BENCH_WARMUP=1              unmeasured rounds first (JIT, caches)
#   BENCH_SMALL_ROWS=100000     rows of the small export in the memory comparison
#   BENCH_RSS_FORMAT=ndjson     format of the two memory exports
#   BENCH_PARTITIONS="2 4"      partition counts of the partitioned CSV exports (each < database.poolSize)
#   BENCH_CONCURRENCY="1 8 32 64"  stream counts of the concurrency series (bench/concurrency.sh); "" skips it
#   BENCH_JAVA_OPTS=-Xmx256m    JVM options for the service (default -Xmx256m, the heap cap docs/operations.md recommends; set it empty for JVM defaults)
#   BENCH_START_TIMEOUT, BENCH_REQUEST_TIMEOUT   seconds; the defaults grow with the row count
#   BENCH_OUT=bench/results/<UTC timestamp>   where logs and results.md go (git-ignored)
# Other SLUICE_* variables (SLUICE_FETCH_SIZE, SLUICE_WINDOW, ...) reach the service unchanged.

set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C # decimal points and sort order independent of the caller's locale

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# ---------------------------------------------------------------- settings

PORT=${BENCH_PORT:-18080}
ROWS=${SLUICE_DEMO_ROWS:-1000000}
RUNS=${BENCH_RUNS:-3}
WARMUP=${BENCH_WARMUP:-1}
SMALL_ROWS=${BENCH_SMALL_ROWS:-100000}
RSS_FORMAT=${BENCH_RSS_FORMAT:-ndjson}
JAVA_OPTS=${BENCH_JAVA_OPTS--Xmx256m}
CONCURRENCY=${BENCH_CONCURRENCY-1 8 32 64}
DB=${SLUICE_DB_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
START_TIMEOUT=${BENCH_START_TIMEOUT:-$((120 + ROWS / 20000))} # includes seeding
REQUEST_TIMEOUT=${BENCH_REQUEST_TIMEOUT:-$((60 + ROWS / 5000))}
OUT=${BENCH_OUT:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)}
JAR=target/sluice.jar
CONFIG=${SLUICE_CONFIG:-conf/sluice.yaml}
BASE="http://127.0.0.1:${PORT}"
ROWS_URL="${BASE}/v1/datasets/transactions_raw/rows"
PSQL_COPY='\copy (select * from transactions order by id) to stdout with csv header'
EXPORTS_URL="${BASE}/v1/datasets/transactions_raw/exports"
read -r -a PARTITION_COUNTS <<<"${BENCH_PARTITIONS:-2 4}"

for n in PORT ROWS RUNS WARMUP SMALL_ROWS START_TIMEOUT REQUEST_TIMEOUT; do
  [[ ${!n} =~ ^[0-9]+$ ]] || { echo "bench: $n must be a whole number, got '${!n}'" >&2; exit 2; }
done
((RUNS >= 1)) || { echo "bench: BENCH_RUNS must be >= 1" >&2; exit 2; }
[[ $RSS_FORMAT == ndjson || $RSS_FORMAT == csv ]] || { echo "bench: BENCH_RSS_FORMAT is ndjson or csv" >&2; exit 2; }

mkdir -p "$OUT"

BENCH_TAG=bench
# shellcheck source=bench/lib.sh
source bench/lib.sh

# ---------------------------------------------------------------- service process

SERVICE_PID=""
SERVICE_LOG=""
# The jar and configuration under test are copied here once, so that a rebuild or an edit
# during the run cannot change what the later service processes run.
SNAPSHOT=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")

start_service() { # name
  SERVICE_LOG="$OUT/sluice-$1.log"
  log "starting service ($1): java ${JAVA_OPTS:+$JAVA_OPTS }-jar $JAR demo on $BASE (log: $SERVICE_LOG)"
  # shellcheck disable=SC2086  # JAVA_OPTS is a list of options
  env SLUICE_HTTP_HOST=127.0.0.1 SLUICE_HTTP_PORT="$PORT" SLUICE_DB_URL="$DB" SLUICE_DEMO_ROWS="$ROWS" \
    SLUICE_CONFIG="$SNAPSHOT/sluice.yaml" java $JAVA_OPTS -jar "$SNAPSHOT/sluice.jar" demo >"$SERVICE_LOG" 2>&1 &
  SERVICE_PID=$!
  local deadline code
  deadline=$(($(date +%s) + START_TIMEOUT))
  while :; do
    alive "$SERVICE_PID" || { tail -n 20 "$SERVICE_LOG" >&2; SERVICE_PID=""; die "service ($1) exited during start-up"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/health" || true)
    [[ $code == 200 ]] && break
    (($(date +%s) < deadline)) || die "service ($1) not healthy after ${START_TIMEOUT}s (last /health status: $code)"
    sleep 0.5
  done
  log "service ($1) healthy, pid $SERVICE_PID"
}

stop_service() {
  [[ -n $SERVICE_PID ]] || return 0
  local pid=$SERVICE_PID i
  SERVICE_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do # 15 s for the shutdown hook
    alive "$pid" || break
    sleep 0.25
  done
  if alive "$pid"; then
    log "service pid $pid ignored SIGTERM for 15s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  stop_service
  rm -rf "$SNAPSHOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# /proc/<pid>/status field in kB (VmHWM = peak resident set, VmRSS = current).
proc_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
# CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat: steadier than walls on a busy machine.
CLK_TCK=$(getconf CLK_TCK)
proc_cpu() { awk -v t="$CLK_TCK" '{sub(/^.*\) /, ""); print ($12 + $13) / t}' "/proc/$1/stat"; }
# PostgreSQL's backends' CPU: what the postmaster reaped of its children (cutime + cstime) plus
# what its live children used (utime + stime): psql's backend ends with each export, while a
# stream's session is kept for the next stream (database.warmConnections) and never ends while
# the service runs. The difference around one export is what the database spent serving it (plus
# whatever else the server ran meanwhile: keep the machine quiet). 0 when the postmaster's /proc
# entry cannot be read (another user's server, a remote one).
POSTMASTER=$(head -n 1 "$(psql "$DB" -X -A -t -c 'show data_directory' 2>/dev/null)/postmaster.pid" 2>/dev/null || true)
[[ -n $POSTMASTER && -r /proc/$POSTMASTER/stat ]] || POSTMASTER=""
pg_cpu() {
  if [[ -z $POSTMASTER ]]; then echo 0; return; fi
  { awk '{sub(/^.*\) /, ""); print $14 + $15}' "/proc/$POSTMASTER/stat"
    for child in $(cat /proc/"$POSTMASTER"/task/*/children 2>/dev/null); do
      awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$child/stat" 2>/dev/null || true
    done; } | awk -v t="$CLK_TCK" '{s += $1} END {print s / t}'
}

# ---------------------------------------------------------------- measurements

calc() { awk "BEGIN {printf \"%.6f\\n\", ($*)}"; } # calc '1 / 3' -> 0.333333
fmt() { awk -v v="$2" "BEGIN {printf \"$1\", v}"; } # fmt '%.2f' value
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m}'; }
commas() { sed -E ':a; s/([0-9])([0-9]{3})($|,)/\1,\2\3/; ta' <<<"$1"; } # 1000000 -> 1,000,000

# The measurements set globals (T = seconds, F = first byte seconds, B = bytes, C = the service's CPU seconds,
# G = PostgreSQL's backends' CPU seconds) rather than
# print them, so that they run in this shell: a failure stops the script and the EXIT trap
# still knows the service's pid.

# psql's own export, timed around the whole pipeline (psql start-up and connection included).
psql_once() {
  local t0 g0
  g0=$(pg_cpu)
  t0=$(now)
  B=$(timeout "$REQUEST_TIMEOUT" psql "$DB" -X -q -v ON_ERROR_STOP=1 -c "$PSQL_COPY" | wc -c)
  T=$(calc "$(now) - $t0")
  G=$(calc "$(pg_cpu) - $g0")
}

# One Sluice export: format [limit]. Fails unless the response is 200 and its trailers say
# that every expected row arrived.
curl_once() { # format [limit] [content-encoding]
  local format=$1 limit=${2:-} encoding=${3:-identity} url expect out code rows status hdr="$OUT/last-headers.txt" c0 g0
  c0=$(proc_cpu "$SERVICE_PID") g0=$(pg_cpu)
  url="${ROWS_URL}?format=${format}${limit:+&limit=${limit}}"
  expect=${limit:-$ROWS}
  # the body is not decoded: B is the bytes on the wire, T the server's cost plus transfer
  out=$(curl -sS --max-time "$REQUEST_TIMEOUT" -D "$hdr" -o /dev/null -H "Accept-Encoding: $encoding" \
    -w '%{http_code} %{time_total} %{time_starttransfer} %{size_download}' "$url") || die "curl failed: $url"
  read -r code T F B <<<"$out"
  C=$(calc "$(proc_cpu "$SERVICE_PID") - $c0")
  G=$(calc "$(pg_cpu) - $g0")
  [[ $code == 200 ]] || die "$url answered $code"
  rows=$(awk -F': *' 'tolower($1) == "sluice-row-count" {sub(/\r$/, "", $2); print $2}' "$hdr")
  status=$(awk -F': *' 'tolower($1) == "sluice-status" {sub(/\r$/, "", $2); print $2}' "$hdr")
  [[ $rows == "$expect" && $status == complete ]] ||
    die "$url: trailers say ${rows:-no} rows, status=${status:-?}; expected $expect rows"
}

# One partitioned export: POST it, read its partitions as CSV all at once, DELETE it. Sets T (from
# the POST to the last partition's end), M (the POST's time: the manifest), F (the slowest
# partition's first byte, from its request, which starts right after the manifest) and C. Fails
# unless every partition is 200 and complete and they add up to every row.
partitioned_once() { # partitions
  local n=$1 t0 c0 answer code id urls=() pids=() i tt ft rows status total=0 fmax=0 g0
  c0=$(proc_cpu "$SERVICE_PID") g0=$(pg_cpu)
  t0=$(now)
  answer=$(curl -sS --max-time "$REQUEST_TIMEOUT" -X POST -H 'Content-Type: application/json' -d "{\"partitions\": $n}" \
    -w '\n%{http_code} %{time_total}' "$EXPORTS_URL") || die "POST $EXPORTS_URL failed"
  read -r code M <<<"$(tail -n 1 <<<"$answer")"
  [[ $code == 201 ]] || die "POST $EXPORTS_URL answered $code: $answer"
  id=$(grep -o '"id":"[^"]*"' <<<"$answer" | head -n 1 | cut -d'"' -f4)
  mapfile -t urls < <(grep -o '"url":"[^"]*"' <<<"$answer" | cut -d'"' -f4)
  ((${#urls[@]} == n)) || die "export $id has ${#urls[@]} partitions, not $n"
  for i in "${!urls[@]}"; do
    curl -sS --max-time "$REQUEST_TIMEOUT" -D "$OUT/partition-$i-headers.txt" -o /dev/null \
      -w '%{http_code} %{time_total} %{time_starttransfer}\n' "${BASE}${urls[$i]}?format=csv" >"$OUT/partition-$i.out" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || die "partition $i of export $id failed"; done
  T=$(calc "$(now) - $t0")
  for i in "${!urls[@]}"; do
    read -r code tt ft <"$OUT/partition-$i.out"
    [[ $code == 200 ]] || die "partition $i of export $id answered $code"
    rows=$(awk -F': *' 'tolower($1) == "sluice-row-count" {sub(/\r$/, "", $2); print $2}' "$OUT/partition-$i-headers.txt")
    status=$(awk -F': *' 'tolower($1) == "sluice-status" {sub(/\r$/, "", $2); print $2}' "$OUT/partition-$i-headers.txt")
    [[ $status == complete ]] || die "partition $i of export $id: status=${status:-?}"
    total=$((total + rows))
    fmax=$(calc "$ft > $fmax ? $ft : $fmax")
  done
  ((total == ROWS)) || die "export $id: its partitions hold $total rows, not $ROWS"
  F=$fmax
  C=$(calc "$(proc_cpu "$SERVICE_PID") - $c0")
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "$BASE/v1/exports/$id")
  [[ $code == 204 ]] || die "DELETE of export $id answered $code"
  G=$(calc "$(pg_cpu) - $g0") # the leader's backend ends with the DELETE
}

# ---------------------------------------------------------------- preflight

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

for tool in java curl psql awk timeout; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
if [[ ! -f $JAR ]]; then
  log "$JAR missing: building (mvn -B -q -DskipTests package)"
  command -v mvn >/dev/null || die "mvn is not installed"
  timeout 900 mvn -B -q -DskipTests package
  [[ -f $JAR ]] || die "the build did not produce $JAR"
fi
[[ -f $CONFIG ]] || die "no configuration at $CONFIG"
cp "$JAR" "$SNAPSHOT/sluice.jar"
cp "$CONFIG" "$SNAPSHOT/sluice.yaml"
JAR_SUM=$(sha256sum "$SNAPSHOT/sluice.jar" | cut -c1-12)
JAR_TIME=$(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain -- src pom.xml "$CONFIG" 2>/dev/null) ]]; then COMMIT+=" (src, pom.xml or config modified)"; fi
if curl -s -o /dev/null --max-time 2 "$BASE/health"; then
  die "something already answers on $BASE; set BENCH_PORT"
fi
timeout 15 psql "$DB" -X -q -A -t -c 'select 1' >/dev/null || die "psql cannot reach $(db_shown)"

# "count|max(id)" of transactions, "0|0" when there is no such table.
table_state() {
  if [[ -z $(timeout 30 psql "$DB" -X -A -t -c "select to_regclass('transactions')") ]]; then
    echo "0|0"
  else
    timeout 120 psql "$DB" -X -A -t -c "select count(*) || '|' || coalesce(max(id), 0) from transactions"
  fi
}

# ---------------------------------------------------------------- throughput and first byte

[[ $(table_state) == "$ROWS|$ROWS" ]] || log "transactions does not hold rows 1..$ROWS: the service will seed it (timeout ${START_TIMEOUT}s)"
start_service main
[[ $(table_state) == "$ROWS|$ROWS" ]] || die "transactions does not hold rows 1..$ROWS after start-up"
SEED_NOTE=$(awk '/Seeded [0-9]+ transactions in/ {for (i = 1; i <= NF; i++) if ($i == "in") print "seeded by the demo in " $(i + 1) " ms"}' "$SERVICE_LOG")
SEED_NOTE=${SEED_NOTE:-already present}

# variant -> "format encoding"; measured runs go to V_T/V_F/V_B as space-separated lists
VARIANTS=(ndjson csv json tsv arrow ndjson-gzip)
declare -A V_SPEC=([ndjson]="ndjson identity" [csv]="csv identity" [json]="json identity" [tsv]="tsv identity"
  [arrow]="arrow identity" [ndjson-gzip]="ndjson gzip")
declare -A V_T V_F V_B V_C V_G X_T X_M X_F X_C X_G
declare -a P_T P_B P_G
for ((round = 1; round <= WARMUP + RUNS; round++)); do
  if ((round <= WARMUP)); then tag="warm-up $round/$WARMUP"; else tag="run $((round - WARMUP))/$RUNS"; fi
  measured=$((round > WARMUP))
  psql_once
  log "$tag  psql \\copy: ${T}s ${B} bytes"
  if ((measured)); then P_T+=("$T") P_B+=("$B") P_G+=("$G"); fi
  for v in "${VARIANTS[@]}"; do
    read -r vformat vencoding <<<"${V_SPEC[$v]}"
    curl_once "$vformat" "" "$vencoding"
    log "$tag  sluice $v: ${T}s, first byte ${F}s, ${B} bytes, service CPU ${C}s"
    if ((measured)); then V_T[$v]+="$T " V_F[$v]+="$F " V_B[$v]+="$B " V_C[$v]+="$C " V_G[$v]+="$G "; fi
  done
  for n in "${PARTITION_COUNTS[@]}"; do
    partitioned_once "$n"
    log "$tag  sluice csv, $n partitions at once: ${T}s, manifest ${M}s, slowest first byte ${F}s, service CPU ${C}s"
    if ((measured)); then X_T[$n]+="$T " X_M[$n]+="$M " X_F[$n]+="$F " X_C[$n]+="$C " X_G[$n]+="$G "; fi
  done
done
MAIN_HWM_KB=$(proc_kb "$SERVICE_PID" VmHWM)
stop_service

# ---------------------------------------------------------------- memory: two fresh processes

# Sets IDLE (VmHWM once healthy), HWM (VmHWM after the export), RSS (VmRSS then), T and F.
rss_probe() { # name limit ("" = every row)
  start_service "$1"
  IDLE=$(proc_kb "$SERVICE_PID" VmHWM)
  curl_once "$RSS_FORMAT" "$2"
  HWM=$(proc_kb "$SERVICE_PID" VmHWM)
  RSS=$(proc_kb "$SERVICE_PID" VmRSS)
  stop_service
  log "memory ($1): VmHWM ${IDLE} kB when healthy, ${HWM} kB after the export (VmRSS then ${RSS} kB), ${T}s, first byte ${F}s"
}
rss_probe "rss-${SMALL_ROWS}" "$SMALL_ROWS"
S_IDLE=$IDLE S_HWM=$HWM S_T=$T S_F=$F
rss_probe "rss-${ROWS}" ""
F_IDLE=$IDLE F_HWM=$HWM F_T=$T F_F=$F

# ---------------------------------------------------------------- many streams at once

# bench/concurrency.sh with a service of its own (this script's are stopped: each keeps
# database.warmConnections sessions open): N CSV exports at once for N in BENCH_CONCURRENCY.
CONCURRENCY_MD=""
if [[ -n $CONCURRENCY ]]; then
  log "concurrency series: $CONCURRENCY streams at once"
  CONCURRENCY_MD=$(BENCH_SERIES="$CONCURRENCY" SLUICE_DB_URL="$DB" SLUICE_DEMO_ROWS="$ROWS" BENCH_JAVA_OPTS="$JAVA_OPTS" \
    bash bench/concurrency.sh 2>>"$OUT/concurrency.log")
fi

# ---------------------------------------------------------------- figures

p_t=$(median "${P_T[@]}"); p_b=$(median "${P_B[@]}"); p_g=$(median "${P_G[@]}")
declare -A M_T M_F M_B M_C M_G RATIO
for v in "${VARIANTS[@]}"; do
  # shellcheck disable=SC2086 # the lists are space-separated numbers
  M_T[$v]=$(median ${V_T[$v]}); M_F[$v]=$(median ${V_F[$v]}); M_B[$v]=$(median ${V_B[$v]}); M_C[$v]=$(median ${V_C[$v]}); M_G[$v]=$(median ${V_G[$v]})
  RATIO[$v]=$(calc "${M_T[$v]} / $p_t")
done
n_t=${M_T[ndjson]}; n_f=${M_F[ndjson]}; c_f=${M_F[csv]}
declare -A XM_T XM_M XM_F XM_C XM_G XRATIO
for n in "${PARTITION_COUNTS[@]}"; do
  # shellcheck disable=SC2086 # the lists are space-separated numbers
  XM_T[$n]=$(median ${X_T[$n]}); XM_M[$n]=$(median ${X_M[$n]}); XM_F[$n]=$(median ${X_F[$n]}); XM_C[$n]=$(median ${X_C[$n]}); XM_G[$n]=$(median ${X_G[$n]})
  XRATIO[$n]=$(calc "${XM_T[$n]} / $p_t")
done
rss_ratio=$(calc "$F_HWM / $S_HWM")
delta_ratio=$(calc "($S_HWM - $S_IDLE) > 0 ? ($F_HWM - $F_IDLE) / ($S_HWM - $S_IDLE) : 0")
verdict() { awk "BEGIN {v = ($1) ? \"yes\" : \"**no**\"; print v}"; }
ok_n=$(verdict "${RATIO[ndjson]} <= 1.3"); ok_c=$(verdict "${RATIO[csv]} <= 1.3"); ok_a=$(verdict "${RATIO[arrow]} <= 1.2")
ok_f=$(verdict "$n_f < 0.050 && $c_f < 0.050"); ok_r=$(verdict "$rss_ratio <= 1.10")
gzip_cost=$(calc "${M_T[ndjson-gzip]} / $n_t"); gzip_saved=$(calc "1 - ${M_B[ndjson-gzip]} / ${M_B[ndjson]}")

secs() { fmt '%.2f s' "$1"; }
ms() { fmt '%.1f ms' "$(calc "$1 * 1000")"; }
mib() { fmt '%.0f MiB' "$(calc "$1 / 1024")"; }
rate() { fmt '%.0f' "$(calc "$ROWS / $1")"; }
cpm() { fmt '%.2f' "$(calc "$1 * 1000000 / $ROWS")"; } # CPU seconds per million rows
mbps() { fmt '%.1f' "$(calc "$1 / $2 / 1000000")"; }
mb() { fmt '%.1f MB' "$(calc "$1 / 1000000")"; }
runs() { local s="" v; for v in "$@"; do s+="${s:+, }$(fmt '%.2f' "$v")"; done; echo "$s"; }

# ---------------------------------------------------------------- machine facts

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
MEM=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
JAVA_V=$(java -version 2>&1 | head -n 1)
JVM_FLAGS=$(java $JAVA_OPTS -XX:+PrintFlagsFinal -version 2>/dev/null |
  awk '$2 == "MaxHeapSize" {h = $4} $2 ~ /^Use(G1|Serial|Parallel|Z|Shenandoah)GC$/ && $4 == "true" {g = $2} END {printf "%s, max heap %.0f MiB", g, h / 1048576}')
PSQL_V=$(psql --version)
PG_V=$(timeout 15 psql "$DB" -X -A -t -c 'show server_version')
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
TUNING=$(env | grep -E '^SLUICE_(FETCH_SIZE|WINDOW|LEASE_MS|INSTANCES|DB_POOL_SIZE)=' | sort | paste -sd' ' - || true)

# ---------------------------------------------------------------- plain table

{
  echo
  printf '%-28s %10s %8s %12s %8s %10s %12s %10s\n' "export (median of $RUNS)" time "x psql" rows/s MB/s size "first byte" "CPU s/M"
  printf '%-28s %10s %8s %12s %8s %10s %12s %10s\n' "psql \\copy csv" "$(secs "$p_t")" 1.00 "$(rate "$p_t")" "$(mbps "$p_b" "$p_t")" "$(mb "$p_b")" - -
  for v in "${VARIANTS[@]}"; do
    printf '%-28s %10s %8s %12s %8s %10s %12s %10s\n' "sluice $v" "$(secs "${M_T[$v]}")" "$(fmt '%.2f' "${RATIO[$v]}")" \
      "$(rate "${M_T[$v]}")" "$(mbps "${M_B[$v]}" "${M_T[$v]}")" "$(mb "${M_B[$v]}")" "$(ms "${M_F[$v]}")" "$(cpm "${M_C[$v]}")"
  done
  echo
  printf '%-44s %14s %14s %8s\n' "peak RSS ($RSS_FORMAT, fresh process each)" "VmHWM idle" "VmHWM after" "delta"
  printf '%-44s %14s %14s %8s\n' "$SMALL_ROWS rows (limit=$SMALL_ROWS)" "$(mib "$S_IDLE")" "$(mib "$S_HWM")" "$(mib "$((S_HWM - S_IDLE))")"
  printf '%-44s %14s %14s %8s\n' "$ROWS rows (full export)" "$(mib "$F_IDLE")" "$(mib "$F_HWM")" "$(mib "$((F_HWM - F_IDLE))")"
  echo
  printf '%-40s %-26s %s\n' target measured met
  printf '%-40s %-26s %s\n' "ndjson within 1.3x psql" "$(fmt '%.2f' "${RATIO[ndjson]}")x" "$ok_n"
  printf '%-40s %-26s %s\n' "csv within 1.3x psql" "$(fmt '%.2f' "${RATIO[csv]}")x" "$ok_c"
  printf '%-40s %-26s %s\n' "arrow within 1.2x psql" "$(fmt '%.2f' "${RATIO[arrow]}")x" "$ok_a"
  printf '%-40s %-26s %s\n' "gzip ndjson: time x identity, bytes saved" "$(fmt '%.2f' "$gzip_cost")x, $(fmt '%.0f' "$(calc "$gzip_saved * 100")")%" "-"
  printf '%-40s %-26s %s\n' "first row < 50 ms (warm)" "$(ms "$n_f") / $(ms "$c_f")" "$ok_f"
  printf '%-40s %-26s %s\n' "peak RSS full within 10% of ${SMALL_ROWS}" "$(fmt '%.2f' "$rss_ratio")x" "$ok_r"
  echo
  printf '%-28s %10s %8s %12s %22s %10s\n' "partitioned csv (median)" time "x psql" manifest "slowest first byte" "CPU s/M"
  for n in "${PARTITION_COUNTS[@]}"; do
    printf '%-28s %10s %8s %12s %22s %10s\n' "$n partitions at once" "$(secs "${XM_T[$n]}")" "$(fmt '%.2f' "${XRATIO[$n]}")" \
      "$(ms "${XM_M[$n]}")" "$(ms "${XM_F[$n]}")" "$(cpm "${XM_C[$n]}")"
  done
  echo
}

# ---------------------------------------------------------------- markdown

MD="$OUT/results.md"
{
  echo "### $(date -u +%Y-%m-%d): $(commas "$ROWS") rows, median of $RUNS runs"
  echo
  echo "- Machine: $(nproc) CPUs ($CPU), $MEM RAM, Linux $(uname -r); load average $LOAD_BEFORE before the run, $LOAD_AFTER after"
  echo "- Java: $JAVA_V; JVM: $JVM_FLAGS; options: ${JAVA_OPTS:-none}"
  echo "- psql: $PSQL_V; server: PostgreSQL $PG_V at $(db_shown)"
  echo "- Sluice: HEAD $COMMIT; jar built $JAR_TIME, sha256 $JAR_SUM; config $CONFIG; tuning: ${TUNING:-none beyond the config}"
  echo "- Data: \`transactions\`, $(commas "$ROWS") rows ($SEED_NOTE); $WARMUP warm-up round(s) before the measured runs"
  echo
  echo "| Export | Median time | Runs (s) | × psql | Rows/s | MB/s | Size | First byte | Service CPU s per M rows | PostgreSQL CPU s per M rows |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  echo "| psql \`\\copy … csv header\` | $(secs "$p_t") | $(runs "${P_T[@]}") | 1.00 | $(rate "$p_t") | $(mbps "$p_b" "$p_t") | $(mb "$p_b") | – | – | $(cpm "$p_g") |"
  for v in "${VARIANTS[@]}"; do
    # shellcheck disable=SC2086
    echo "| Sluice $v | $(secs "${M_T[$v]}") | $(runs ${V_T[$v]}) | $(fmt '%.2f' "${RATIO[$v]}") | $(rate "${M_T[$v]}") | $(mbps "${M_B[$v]}" "${M_T[$v]}") | $(mb "${M_B[$v]}") | $(ms "${M_F[$v]}") | $(cpm "${M_C[$v]}") | $(cpm "${M_G[$v]}") |"
  done
  echo
  echo "| Peak RSS ($RSS_FORMAT, fresh process each) | VmHWM after start-up | VmHWM after export | Growth | Export time | First byte (cold JVM) |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "| $(commas "$SMALL_ROWS") rows (\`limit=$SMALL_ROWS\`) | $(mib "$S_IDLE") | $(mib "$S_HWM") | $(mib "$((S_HWM - S_IDLE))") | $(secs "$S_T") | $(ms "$S_F") |"
  echo "| $(commas "$ROWS") rows (full) | $(mib "$F_IDLE") | $(mib "$F_HWM") | $(mib "$((F_HWM - F_IDLE))") | $(secs "$F_T") | $(ms "$F_F") |"
  echo
  echo "Peak RSS of the throughput process after $((WARMUP + RUNS)) rounds of every variant: $(mib "$MAIN_HWM_KB")."
  echo
  echo "| Target | Measured | Met |"
  echo "|---|---|---|"
  echo "| NDJSON within 1.3× psql | $(fmt '%.2f' "${RATIO[ndjson]}")× | $ok_n |"
  echo "| CSV within 1.3× psql | $(fmt '%.2f' "${RATIO[csv]}")× | $ok_c |"
  echo "| Arrow within 1.2× psql | $(fmt '%.2f' "${RATIO[arrow]}")× | $ok_a |"
  echo "| gzip NDJSON (http.compressionLevel of the config): cost and saving | $(fmt '%.2f' "$gzip_cost")× the identity NDJSON time, $(fmt '%.0f' "$(calc "$gzip_saved * 100")")% fewer bytes | – |"
  echo "| First row < 50 ms (warm, full export) | NDJSON $(ms "$n_f"), CSV $(ms "$c_f") | $ok_f |"
  echo "| Peak RSS flat: full export within 10% of $(commas "$SMALL_ROWS") rows | $(fmt '%.2f' "$rss_ratio")× (growth over start-up $(fmt '%.2f' "$delta_ratio")×) | $ok_r |"
  echo
  echo "| Partitioned CSV export, partitions read at once | Median time (POST to last byte) | Runs (s) | × psql | Manifest | Slowest first byte after it | Service CPU s per M rows | PostgreSQL CPU s per M rows |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|"
  for n in "${PARTITION_COUNTS[@]}"; do
    # shellcheck disable=SC2086
    echo "| $n partitions | $(secs "${XM_T[$n]}") | $(runs ${X_T[$n]}) | $(fmt '%.2f' "${XRATIO[$n]}") | $(ms "${XM_M[$n]}") | $(ms "${XM_F[$n]}") | $(cpm "${XM_C[$n]}") | $(cpm "${XM_G[$n]}") |"
  done
  if [[ -n $CONCURRENCY_MD ]]; then
    echo
    echo "CSV exports of 100,000 rows at once, from distinct addresses (bench/concurrency.sh):"
    echo
    echo "$CONCURRENCY_MD"
  fi
} >"$MD"

echo "----- Markdown (also in $MD) -----"
cat "$MD"
log "done; logs in $OUT"
