#!/usr/bin/env bash
# Rate caps: the rows per second a stream achieves with max_rate=R, against R, on the demo data.
# `java -jar target/sluice.jar demo` serves transactions_raw; for each R, one NDJSON client reads
# R * BENCH_SECONDS rows with max_rate=R as fast as it can, noting after each read of the
# socket how many rows have arrived and when. For each R it reports:
#   overall   rows / (last row's time - request time): includes the burst (one batch) at the
#             start and the last batch, taken into debt, so it is a little above R on short runs;
#   steady    the rows between the 10th and the 90th percentile row / the time between their arrivals:
#             the cap's own rate, without its two ends;
#   CPU       the service's user+system CPU seconds during the stream (/proc/<pid>/stat): a cap
#             that waited by spinning or sleeping on a thread would show here;
#   complete  whether the body ended with the complete summary and every row (meta=true).
# The service's CPU while idle for BENCH_SECONDS is measured first, then an uncapped run of
# every row, for comparison (its rate is also the ceiling of this Python client on the machine).
#
#   bash bench/rate-cap.sh
#
# Environment (all optional):
#   BENCH_PORT=18082            loopback port for the service
#   SLUICE_DB_URL=postgresql://postgres@127.0.0.1:5432/postgres   (the demo seeds `transactions` there)
#   SLUICE_DEMO_ROWS=1000000    rows in the demo table
#   BENCH_RATES="1000 10000 50000 100000"   the max_rate values measured
#   BENCH_SECONDS=20            each capped stream reads R * BENCH_SECONDS rows (at most SLUICE_DEMO_ROWS)
#   BENCH_JAVA_OPTS=-Xmx256m    JVM options of the service
# Other SLUICE_* variables (SLUICE_FETCH_SIZE, SLUICE_WINDOW, ...) reach the service unchanged.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${BENCH_PORT:-18082}
DB=${SLUICE_DB_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
ROWS=${SLUICE_DEMO_ROWS:-1000000}
RATES=${BENCH_RATES:-1000 10000 50000 100000}
SECONDS_EACH=${BENCH_SECONDS:-20}
JAVA_OPTS=${BENCH_JAVA_OPTS--Xmx256m}
JAR=target/sluice.jar
BASE="http://127.0.0.1:${PORT}"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/sluice-rate-cap.XXXXXX")

BENCH_TAG=rate-cap
# shellcheck source=bench/lib.sh
source bench/lib.sh

for n in PORT ROWS SECONDS_EACH; do [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a whole number, got '${!n}'"; done
for r in $RATES; do [[ $r =~ ^[1-9][0-9]*$ ]] || die "BENCH_RATES holds '$r', not a whole number >= 1"; done
for tool in java curl awk python3; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
[[ -f $JAR ]] || die "$JAR is missing: mvn -B -q -DskipTests package"
if curl -s -o /dev/null --max-time 2 "$BASE/health"; then die "something already answers on $BASE; set BENCH_PORT"; fi

SERVICE_PID=""
cleanup() {
  if [[ -n $SERVICE_PID ]]; then
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting java ${JAVA_OPTS} -jar $JAR demo on $BASE with $ROWS rows (log: $OUT/sluice.log)"
# shellcheck disable=SC2086  # JAVA_OPTS is a list of options
env SLUICE_HTTP_HOST=127.0.0.1 SLUICE_HTTP_PORT="$PORT" SLUICE_DB_URL="$DB" SLUICE_DEMO_ROWS="$ROWS" \
  java $JAVA_OPTS -jar "$JAR" demo >"$OUT/sluice.log" 2>&1 &
SERVICE_PID=$!
for ((i = 0; i < 600; i++)); do
  [[ -d /proc/$SERVICE_PID ]] || { tail -n 20 "$OUT/sluice.log" >&2; SERVICE_PID=""; die "the service exited during start-up"; }
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/health" || true) == 200 ]] && break
  sleep 0.5
done
log "healthy, pid $SERVICE_PID"

# user+system CPU of the service, in seconds
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$SERVICE_PID/stat"; }

# One stream: rate (0: none), rows. Prints "rows overall steady complete".
measure() {
  python3 - "$PORT" "$1" "$2" <<'PY'
import bisect, http.client, json, sys, time
port, rate, rows = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
path = "/v1/datasets/transactions_raw/rows?meta=true&limit=%d%s" % (rows, "&max_rate=%d" % rate if rate else "")
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
start = time.monotonic()
conn.request("GET", path)
response = conn.getresponse()
assert response.status == 200, response.status
# lines counted per read, not per row, so that the client is not what limits the rate
counts, times, lines, tail = [], [], 0, b""
while True:
    chunk = response.read1(1 << 16)
    if not chunk:
        break
    lines += chunk.count(b"\n")
    counts.append(lines)
    times.append(time.monotonic())
    tail = (tail + chunk)[-4096:]
n = lines - 1  # the last line is the summary
last = json.loads(tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]).get("_sluice")
arrived = lambda k: times[bisect.bisect_left(counts, k)]  # when row k had arrived
overall = n / (arrived(n) - start)
lo, hi = max(1, n // 10), (9 * n) // 10
steady = (hi - lo) / (arrived(hi) - arrived(lo)) if arrived(hi) > arrived(lo) else float("inf")
complete = last == {"status": "complete", "rows": rows} and n == rows
print(n, "%.0f" % overall, "%.0f" % steady, "yes" if complete else "NO")
PY
}

# what the service spends doing nothing for as long as a capped stream lasts, to read the CPU column against
cpu0=$(cpu_seconds)
sleep "$SECONDS_EACH"
IDLE_CPU=$(awk -v a="$cpu0" -v b="$(cpu_seconds)" 'BEGIN {printf "%.2f", b - a}')
log "service CPU while idle for ${SECONDS_EACH}s: ${IDLE_CPU}s"

printf '\n| max_rate (rows/s) | rows | overall rows/s | steady rows/s (10th-90th pct) | steady / target | service CPU s | complete |\n'
printf '|---:|---:|---:|---:|---:|---:|:---:|\n'
FAILED=0
for rate in 0 $RATES; do
  if ((rate == 0)); then
    rows=$ROWS
  else
    rows=$((rate * SECONDS_EACH))
    ((rows <= ROWS)) || rows=$ROWS
  fi
  cpu0=$(cpu_seconds)
  read -r n overall steady complete <<<"$(measure "$rate" "$rows")"
  cpu=$(awk -v a="$cpu0" -v b="$(cpu_seconds)" 'BEGIN {printf "%.2f", b - a}')
  ratio=$( ((rate == 0)) && echo "-" || awk -v s="$steady" -v r="$rate" 'BEGIN {printf "%.3f", s / r}')
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$( ((rate == 0)) && echo "none" || echo "$rate")" "$n" "$overall" "$steady" "$ratio" "$cpu" "$complete"
  [[ $complete == yes ]] || FAILED=1
done
echo
((FAILED == 0)) || die "a stream was not complete; see $OUT/sluice.log"
log "done; logs in $OUT"
