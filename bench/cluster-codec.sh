#!/usr/bin/env bash
# Event-bus batch encodings across two cluster nodes: the compact binary codec (RowBatchCodec)
# against JSON batches, each also as a ratio to psql's own \copy timed in the same rounds.
#
#   bash bench/cluster-codec.sh                      # 1,000,000 rows, 5 measured rounds after 1 warm-up
#   BENCH_RUNS=9 bash bench/cluster-codec.sh         # more rounds
#
# What it does, in one run (docs/benchmarks.md, "Across two cluster nodes", explains every figure):
#   1. builds target/sluice.jar if it is missing;
#   2. starts the producer node, a JVM of its own: `java -jar target/sluice.jar demo` clustered over
#      Hazelcast on 127.0.0.1:BENCH_NODE_PORT with SLUICE_ROLES=cursor (only the cursor stage: no
#      transforms, no HTTP), and waits until it logs that it serves (the demo seeds `transactions`
#      with rows 1..SLUICE_DEMO_ROWS if it holds anything else);
#   3. runs bench/CodecBench.java as a second node, another JVM, on 127.0.0.1:BENCH_CLIENT_PORT. In each
#      of BENCH_WARMUP unmeasured and BENCH_RUNS measured rounds it times, one after the other:
#        psql \copy (select * from transactions order by id) to stdout with csv header | wc -c
#        the dataset transactions_raw read whole from the producer's sluice.cursor.open with
#        "encoding": "binary", and again with "encoding": "json" (which one goes first alternates)
#      Every stream is checked: batches in sequence, rows counted = rows announced by `end`;
#   4. stops the node (also on failure or Ctrl-C), prints a plain table, then Markdown (both saved
#      under bench/results/, with both nodes' logs and every round in rounds.tsv).
#
# Environment (all optional):
#   BENCH_NODE_PORT=5791        Hazelcast port of the producer node
#   BENCH_CLIENT_PORT=5792      Hazelcast port of the CodecBench node
#   BENCH_HTTP_PORT=18480       http.port of the producer (a cursor-only node opens no HTTP server; set so it collides with nothing if it did)
#   SLUICE_DEMO_ROWS=1000000    rows in the demo table
#   SLUICE_DB_URL=postgresql://postgres@127.0.0.1:5432/postgres   used by psql AND the producer
#   BENCH_RUNS=5                measured rounds (median reported)
#   BENCH_WARMUP=1              unmeasured rounds first (JIT, caches)
#   BENCH_WINDOW=4              credits the consumer keeps granted ahead (the Java client's default window)
#   BENCH_JAVA_OPTS=-Xmx256m    JVM options for both nodes (the heap cap docs/operations.md recommends)
#   BENCH_START_TIMEOUT, BENCH_REQUEST_TIMEOUT   seconds; the defaults grow with the row count
#   BENCH_OUT=bench/results/<UTC timestamp>-cluster-codec   where logs and results go (git-ignored)
#   SLUICE_RESUME_KEY           a clustered node refuses to start without one; made up for the run if unset
# Other SLUICE_* variables (SLUICE_FETCH_SIZE, SLUICE_INSTANCES, ...) reach the producer unchanged.

set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C # decimal points and sort order independent of the caller's locale

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# ---------------------------------------------------------------- settings

NODE_PORT=${BENCH_NODE_PORT:-5791}
CLIENT_PORT=${BENCH_CLIENT_PORT:-5792}
HTTP_PORT=${BENCH_HTTP_PORT:-18480}
ROWS=${SLUICE_DEMO_ROWS:-1000000}
RUNS=${BENCH_RUNS:-5}
WARMUP=${BENCH_WARMUP:-1}
WINDOW=${BENCH_WINDOW:-4}
JAVA_OPTS=${BENCH_JAVA_OPTS--Xmx256m}
DB=${SLUICE_DB_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
START_TIMEOUT=${BENCH_START_TIMEOUT:-$((120 + ROWS / 20000))} # includes seeding
REQUEST_TIMEOUT=${BENCH_REQUEST_TIMEOUT:-$((60 + ROWS / 5000))}
OUT=${BENCH_OUT:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)-cluster-codec}
JAR=target/sluice.jar
CONFIG=${SLUICE_CONFIG:-conf/sluice.yaml}
DATASET=transactions_raw
PSQL_COPY='\copy (select * from transactions order by id) to stdout with csv header'

for n in NODE_PORT CLIENT_PORT HTTP_PORT ROWS RUNS WARMUP WINDOW START_TIMEOUT REQUEST_TIMEOUT; do
  [[ ${!n} =~ ^[0-9]+$ ]] || { echo "bench: $n must be a whole number, got '${!n}'" >&2; exit 2; }
done
((RUNS >= 1 && WINDOW >= 1)) || { echo "bench: BENCH_RUNS and BENCH_WINDOW must be >= 1" >&2; exit 2; }
((NODE_PORT != CLIENT_PORT)) || { echo "bench: BENCH_NODE_PORT and BENCH_CLIENT_PORT must differ" >&2; exit 2; }

mkdir -p "$OUT"

BENCH_TAG=bench
# shellcheck source=bench/lib.sh
source bench/lib.sh

# ---------------------------------------------------------------- producer node process

NODE_PID=""
NODE_LOG="$OUT/producer-node.log"
# The jar and configuration under test are copied here once, so that a rebuild or an edit
# during the run cannot change what runs.
SNAPSHOT=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")

# 0 if something accepts connections on 127.0.0.1:port.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_node() {
  log "starting the producer node: java ${JAVA_OPTS:+$JAVA_OPTS }-jar $JAR demo, roles cursor, Hazelcast 127.0.0.1:$NODE_PORT (log: $NODE_LOG)"
  # shellcheck disable=SC2086  # JAVA_OPTS is a list of options
  env SLUICE_CLUSTER=true SLUICE_ROLES=cursor SLUICE_CLUSTER_HOST=127.0.0.1 SLUICE_CLUSTER_PORT="$NODE_PORT" \
    SLUICE_CLUSTER_MEMBERS="127.0.0.1:$NODE_PORT,127.0.0.1:$CLIENT_PORT" SLUICE_RESUME_KEY="$RESUME_KEY" \
    SLUICE_HTTP_HOST=127.0.0.1 SLUICE_HTTP_PORT="$HTTP_PORT" SLUICE_DB_URL="$DB" SLUICE_DEMO_ROWS="$ROWS" \
    SLUICE_CONFIG="$SNAPSHOT/sluice.yaml" java $JAVA_OPTS -jar "$SNAPSHOT/sluice.jar" demo >"$NODE_LOG" 2>&1 &
  NODE_PID=$!
  local deadline
  deadline=$(($(date +%s) + START_TIMEOUT))
  # a cursor-only node has no HTTP health endpoint: it is ready when it logs that it serves
  until grep -q 'Sluice serving .* with roles \[CURSOR\]' "$NODE_LOG"; do
    alive "$NODE_PID" || { tail -n 20 "$NODE_LOG" >&2; NODE_PID=""; die "the producer node exited during start-up"; }
    (($(date +%s) < deadline)) || die "the producer node did not serve within ${START_TIMEOUT}s"
    sleep 0.5
  done
  log "producer node serving, pid $NODE_PID"
}

stop_node() {
  [[ -n $NODE_PID ]] || return 0
  local pid=$NODE_PID i
  NODE_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 120; i++)); do # 30 s for the drain and the shutdown hook
    alive "$pid" || break
    sleep 0.25
  done
  if alive "$pid"; then
    log "producer node pid $pid ignored SIGTERM for 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  stop_node
  rm -rf "$SNAPSHOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- figures helpers

calc() { awk "BEGIN {printf \"%.6f\\n\", ($*)}"; } # calc '1 / 3' -> 0.333333
fmt() { awk -v v="$2" "BEGIN {printf \"$1\", v}"; } # fmt '%.2f' value
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m}'; }
commas() { sed -E ':a; s/([0-9])([0-9]{3})($|,)/\1,\2\3/; ta' <<<"$1"; } # 1000000 -> 1,000,000

# ---------------------------------------------------------------- preflight

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

for tool in java psql awk timeout getconf; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
if [[ ! -f $JAR ]]; then
  log "$JAR missing: building (mvn -B -q -DskipTests package)"
  command -v mvn >/dev/null || die "mvn is not installed"
  timeout 900 mvn -B -q -DskipTests package
  [[ -f $JAR ]] || die "the build did not produce $JAR"
fi
[[ -f $CONFIG ]] || die "no configuration at $CONFIG"
# The JVM flags Hazelcast wants: the jar's manifest carries them for `java -jar`, but not for
# `java -cp`, so CodecBench gets them from the pom's hazelcast.jvm.flags property.
HZ_FLAGS=$(sed -n 's:.*<hazelcast.jvm.flags>\(.*\)</hazelcast.jvm.flags>.*:\1:p' pom.xml)
[[ -n $HZ_FLAGS ]] || die "no hazelcast.jvm.flags property in pom.xml"
cp "$JAR" "$SNAPSHOT/sluice.jar"
cp "$CONFIG" "$SNAPSHOT/sluice.yaml"
JAR_SUM=$(sha256sum "$SNAPSHOT/sluice.jar" | cut -c1-12)
JAR_TIME=$(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain -- src pom.xml "$CONFIG" 2>/dev/null) ]]; then COMMIT+=" (src, pom.xml or config modified)"; fi
for port in "$NODE_PORT" "$CLIENT_PORT" "$HTTP_PORT"; do
  ! listening "$port" || die "something already listens on 127.0.0.1:$port; set BENCH_NODE_PORT, BENCH_CLIENT_PORT or BENCH_HTTP_PORT"
done
timeout 15 psql "$DB" -X -q -A -t -c 'select 1' >/dev/null || die "psql cannot reach $(db_shown)"
RESUME_KEY=${SLUICE_RESUME_KEY:-$(head -c 32 /dev/urandom | base64)}

# "count|max(id)" of transactions, "0|0" when there is no such table.
table_state() {
  if [[ -z $(timeout 30 psql "$DB" -X -A -t -c "select to_regclass('transactions')") ]]; then
    echo "0|0"
  else
    timeout 120 psql "$DB" -X -A -t -c "select count(*) || '|' || coalesce(max(id), 0) from transactions"
  fi
}

# ---------------------------------------------------------------- the run

[[ $(table_state) == "$ROWS|$ROWS" ]] || log "transactions does not hold rows 1..$ROWS: the producer will seed it (timeout ${START_TIMEOUT}s)"
start_node
[[ $(table_state) == "$ROWS|$ROWS" ]] || die "transactions does not hold rows 1..$ROWS after start-up"
SEED_NOTE=$(awk '/Seeded [0-9]+ transactions in/ {for (i = 1; i <= NF; i++) if ($i == "in") print "seeded by the demo in " $(i + 1) " ms"}' "$NODE_LOG")
SEED_NOTE=${SEED_NOTE:-already present}

BENCH_LOG="$OUT/codec-bench.log"
TSV="$OUT/rounds.tsv"
# quoted for bash -c inside CodecBench; the URL may hold characters the shell would read
printf -v COPY_CMD 'timeout %d psql %q -X -q -v ON_ERROR_STOP=1 -c %q | wc -c' "$REQUEST_TIMEOUT" "$DB" "$PSQL_COPY"
log "running CodecBench as a second node on 127.0.0.1:$CLIENT_PORT: $WARMUP warm-up + $RUNS measured rounds of psql, binary, json (log: $BENCH_LOG)"
# shellcheck disable=SC2086  # HZ_FLAGS and JAVA_OPTS are lists of options
if ! timeout $(((WARMUP + RUNS) * 3 * REQUEST_TIMEOUT + 120)) java $HZ_FLAGS $JAVA_OPTS -cp "$SNAPSHOT/sluice.jar" bench/CodecBench.java \
  --members "127.0.0.1:$NODE_PORT,127.0.0.1:$CLIENT_PORT" --host 127.0.0.1 --port "$CLIENT_PORT" \
  --dataset "$DATASET" --warmup "$WARMUP" --rounds "$RUNS" --window "$WINDOW" --timeout-s "$REQUEST_TIMEOUT" \
  --copy-cmd "$COPY_CMD" --producer-pid "$NODE_PID" --clock-ticks "$(getconf CLK_TCK)" --results "$TSV" >"$BENCH_LOG" 2>&1; then
  grep -E 'codec-bench|Exception|ERROR' "$BENCH_LOG" | tail -n 20 >&2 || true
  die "CodecBench failed (see $BENCH_LOG)"
fi
grep '^codec-bench:' "$BENCH_LOG" >&2 || true
MAIN_HWM_KB=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$NODE_PID/status")
stop_node
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- figures

# measured rounds of one kind, one column: "kind column-name"
col() { awk -F'\t' -v k="$1" -v c="$2" 'NR == 1 {for (i = 1; i <= NF; i++) h[$i] = i; next} $1 == "run" && $3 == k {print $(h[c])}' "$TSV"; }

declare -A M_T M_B M_R M_N M_PC M_CC RUNS_OF
for kind in copy binary json; do
  mapfile -t ts < <(col "$kind" seconds)
  ((${#ts[@]} == RUNS)) || die "rounds.tsv holds ${#ts[@]} measured $kind runs, expected $RUNS"
  M_T[$kind]=$(median "${ts[@]}")
  M_B[$kind]=$(median $(col "$kind" bytes))
  RUNS_OF[$kind]=$(printf '%s\n' "${ts[@]}" | awk '{printf "%s%.2f", (NR > 1 ? ", " : ""), $1}')
done
for kind in binary json; do
  # every stream's rows were checked against its end frame by CodecBench; here, against the table
  while read -r r; do
    [[ $r == "$ROWS" ]] || die "a $kind stream delivered $r rows, the table holds $ROWS"
  done < <(col "$kind" rows)
  M_N[$kind]=$(median $(col "$kind" batches))
  M_PC[$kind]=$(median $(col "$kind" producer_cpu_s))
  M_CC[$kind]=$(median $(col "$kind" consumer_cpu_s))
done
p_t=${M_T[copy]}
# binary/json per round (same round, back to back), and its median
PER_ROUND=$(awk -F'\t' '$1 == "run" && $3 == "binary" {b[$2] = $6} $1 == "run" && $3 == "json" {j[$2] = $6}
  END {for (r in b) printf "%d %.6f\n", r, j[r] / b[r]}' "$TSV" | sort -n | awk '{print $2}')
# shellcheck disable=SC2086
RATIO_MEDIAN=$(median $PER_ROUND)
RATIO_RANGE=$(printf '%s\n' $PER_ROUND | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f–%.2f", lo, hi}')
RATIO_OF_MEDIANS=$(calc "${M_T[json]} / ${M_T[binary]}")

secs() { fmt '%.2f s' "$1"; }
rate() { fmt '%.0f' "$(calc "$ROWS / $1")"; }
xpsql() { fmt '%.2f' "$(calc "$1 / $p_t")"; }
per_row() { fmt '%.1f' "$(calc "$1 / $ROWS")"; }
mb() { fmt '%.1f MB' "$(calc "$1 / 1000000")"; }
mbps() { fmt '%.1f' "$(calc "$1 / $2 / 1000000")"; }
mib() { fmt '%.0f MiB' "$(calc "$1 / 1024")"; }

# ---------------------------------------------------------------- machine facts

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
MEM=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
JAVA_V=$(java -version 2>&1 | head -n 1)
PSQL_V=$(psql --version)
PG_V=$(timeout 15 psql "$DB" -X -A -t -c 'show server_version')
TUNING=$(env | grep -E '^SLUICE_(FETCH_SIZE|WINDOW|LEASE_MS|INSTANCES|DB_POOL_SIZE)=' | sort | paste -sd' ' - || true)

# ---------------------------------------------------------------- plain table

{
  echo
  printf '%-22s %10s %8s %10s %10s %10s %12s %12s\n' "transfer (median of $RUNS)" time "x psql" rows/s "bytes/row" size "producer cpu" "consumer cpu"
  printf '%-22s %10s %8s %10s %10s %10s %12s %12s\n' "psql \\copy csv" "$(secs "$p_t")" 1.00 "$(rate "$p_t")" "$(per_row "${M_B[copy]}")" "$(mb "${M_B[copy]}")" - -
  for kind in binary json; do
    printf '%-22s %10s %8s %10s %10s %10s %12s %12s\n' "event bus, $kind" "$(secs "${M_T[$kind]}")" "$(xpsql "${M_T[$kind]}")" \
      "$(rate "${M_T[$kind]}")" "$(per_row "${M_B[$kind]}")" "$(mb "${M_B[$kind]}")" "$(secs "${M_PC[$kind]}")" "$(secs "${M_CC[$kind]}")"
  done
  echo
  echo "rows/s binary/json: $(fmt '%.2f' "$RATIO_MEDIAN") (median of the per-round ratios, range $RATIO_RANGE); ratio of the medians $(fmt '%.2f' "$RATIO_OF_MEDIANS")"
  echo
}

# ---------------------------------------------------------------- markdown

MD="$OUT/results.md"
{
  echo "### $(date -u +%Y-%m-%d): $(commas "$ROWS") rows across two nodes, median of $RUNS rounds"
  echo
  echo "- Machine: $(nproc) CPUs ($CPU), $MEM RAM, Linux $(uname -r); load average $LOAD_BEFORE before the run, $LOAD_AFTER after"
  echo "- Java: $JAVA_V; options for both nodes: ${JAVA_OPTS:-none}"
  echo "- psql: $PSQL_V; server: PostgreSQL $PG_V at $(db_shown)"
  echo "- Sluice: HEAD $COMMIT; jar built $JAR_TIME, sha256 $JAR_SUM; config $CONFIG; tuning: ${TUNING:-none beyond the config}"
  echo "- Nodes: producer \`demo\`, roles cursor, Hazelcast 127.0.0.1:$NODE_PORT; consumer bench/CodecBench.java, 127.0.0.1:$CLIENT_PORT, window $WINDOW"
  echo "- Data: \`$DATASET\` (\`transactions\`, $(commas "$ROWS") rows, $SEED_NOTE); $WARMUP warm-up round(s) before the measured rounds"
  echo
  echo "| Transfer | Median time | Runs (s) | × psql (time) | Rows/s | Rows/s ÷ psql's | Bytes/row | Size | Batches | Producer CPU | Consumer CPU |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  echo "| psql \`\\copy … csv header\` | $(secs "$p_t") | ${RUNS_OF[copy]} | 1.00 | $(rate "$p_t") | 1.00 | $(per_row "${M_B[copy]}") (CSV) | $(mb "${M_B[copy]}") | – | – | – |"
  for kind in binary json; do
    echo "| event bus, \`$kind\` | $(secs "${M_T[$kind]}") | ${RUNS_OF[$kind]} | $(xpsql "${M_T[$kind]}") | $(rate "${M_T[$kind]}") | $(fmt '%.2f' "$(calc "$p_t / ${M_T[$kind]}")") | $(per_row "${M_B[$kind]}") | $(mb "${M_B[$kind]}") | ${M_N[$kind]} | $(secs "${M_PC[$kind]}") | $(secs "${M_CC[$kind]}") |"
  done
  echo
  echo "Rows/s, binary/json: $(fmt '%.2f' "$RATIO_MEDIAN")× (median of the $RUNS per-round ratios, range $RATIO_RANGE; ratio of the medians $(fmt '%.2f' "$RATIO_OF_MEDIANS")×)."
  echo "Peak RSS of the producer node after every round: $(mib "$MAIN_HWM_KB")."
} >"$MD"

echo "----- Markdown (also in $MD) -----"
cat "$MD"
log "done; logs in $OUT"
