#!/usr/bin/env bash
# Slow readers against a capped heap: `java -Xmx256m -jar target/sluice.jar` serves rows of
# about 50 KB (bench/slow-readers.yaml) to two clients reading a few hundred bytes a second,
# and, while they hang on, to one client reading as fast as it can. It reports the service's
# peak RSS (VmHWM), whether the slow readers were still being served at the end, whether the
# fast export was complete, and whether an OutOfMemoryError was logged.
#
#   bash bench/slow-readers.sh
#
# Environment (all optional):
#   BENCH_PORT=18081            loopback port for the service
#   SLUICE_DB_URL=postgresql://postgres@127.0.0.1:5432/postgres
#   SLOW_RATE=300               bytes per second each slow reader takes
#   SLOW_SECONDS=30             how long the slow readers read
#   FAST_ROWS=2000              50 KB rows of the fast export (2000: about 100 MB)
#   BENCH_JAVA_OPTS=-Xmx256m    JVM options of the service
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${BENCH_PORT:-18081}
DB=${SLUICE_DB_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
RATE=${SLOW_RATE:-300}
SECONDS_SLOW=${SLOW_SECONDS:-30}
FAST_ROWS=${FAST_ROWS:-2000}
JAVA_OPTS=${BENCH_JAVA_OPTS--Xmx256m}
JAR=target/sluice.jar
BASE="http://127.0.0.1:${PORT}"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/sluice-slow-readers.XXXXXX")

BENCH_TAG=slow-readers
# shellcheck source=bench/lib.sh
source bench/lib.sh

for tool in java curl awk python3; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
[[ -f $JAR ]] || die "$JAR is missing: mvn -B -q -DskipTests package"
if curl -s -o /dev/null --max-time 2 "$BASE/health"; then die "something already answers on $BASE; set BENCH_PORT"; fi

SERVICE_PID=""
READERS=()
cleanup() {
  local pid
  for pid in "${READERS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n $SERVICE_PID ]]; then
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

proc_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

log "starting java ${JAVA_OPTS} -jar $JAR on $BASE (log: $OUT/sluice.log)"
# shellcheck disable=SC2086  # JAVA_OPTS is a list of options
env SLUICE_CONFIG=bench/slow-readers.yaml SLUICE_HTTP_PORT="$PORT" SLUICE_DB_URL="$DB" \
  SLUICE_RESUME_KEY=slow-readers-benchmark-signing-key-0123456789 \
  java $JAVA_OPTS -jar "$JAR" >"$OUT/sluice.log" 2>&1 &
SERVICE_PID=$!
for ((i = 0; i < 120; i++)); do
  [[ -d /proc/$SERVICE_PID ]] || { tail -n 20 "$OUT/sluice.log" >&2; SERVICE_PID=""; die "the service exited during start-up"; }
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/health" || true) == 200 ]] && break
  sleep 0.5
done
IDLE_KB=$(proc_kb "$SERVICE_PID" VmHWM)
log "healthy, pid $SERVICE_PID, VmHWM ${IDLE_KB} kB"

# A reader that takes RATE bytes a second in tenths, on a socket with a small receive buffer
# (curl's --limit-rate reads whole buffers, several KB/s at first); it exits 0 if the response
# was still running when its time was up, 1 if the service ended it.
slow_reader() { # output file
  python3 - "$PORT" "$RATE" "$SECONDS_SLOW" "$1" <<'PY'
import socket, sys, time
port, rate, seconds, out = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
s.sendall(b"GET /v1/datasets/wide_rows/rows?count=5000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
end, step = time.monotonic() + seconds, max(1, rate // 10)
with open(out, "wb") as f:
    while time.monotonic() < end:
        data = s.recv(step)
        if not data:
            sys.exit(1)
        f.write(data)
        time.sleep(0.1)
PY
}

# two slow readers of 5,000 rows (about 250 MB each, far more than they will take; the
# ORDER BY of the keyset sorts them all before the first row, so keep the count modest)
for r in 1 2; do
  slow_reader "$OUT/slow-$r.body" &
  READERS+=($!)
done
log "two readers at ${RATE} B/s for ${SECONDS_SLOW}s; meanwhile one fast export of ${FAST_ROWS} rows"
FAST=$(curl -sS -D "$OUT/fast.headers" -o /dev/null -w '%{http_code} %{size_download} %{time_total}' \
  "$BASE/v1/datasets/wide_rows/rows?count=${FAST_ROWS}")
read -r FAST_CODE FAST_BYTES FAST_T <<<"$FAST"
FAST_STATUS=$(awk -F': *' 'tolower($1) == "sluice-status" {sub(/\r$/, "", $2); print $2}' "$OUT/fast.headers")
FAST_COUNT=$(awk -F': *' 'tolower($1) == "sluice-row-count" {sub(/\r$/, "", $2); print $2}' "$OUT/fast.headers")

SLOW_CUT=0
for pid in "${READERS[@]}"; do
  wait "$pid" || SLOW_CUT=$((SLOW_CUT + 1))
done
READERS=()
HWM_KB=$(proc_kb "$SERVICE_PID" VmHWM)
RSS_KB=$(proc_kb "$SERVICE_PID" VmRSS)
SLOW_BYTES=$(($(stat -c %s "$OUT/slow-1.body") + $(stat -c %s "$OUT/slow-2.body")))
OOM=$(grep -c 'OutOfMemoryError' "$OUT/sluice.log" || true)
STALLED=$(grep -c 'client took nothing' "$OUT/sluice.log" || true)

printf '\n%-52s %s\n' "service" "java ${JAVA_OPTS} -jar $JAR (pid $SERVICE_PID)"
printf '%-52s %s\n' "VmHWM when healthy" "$((IDLE_KB / 1024)) MiB"
printf '%-52s %s\n' "VmHWM (peak RSS) after the run" "$((HWM_KB / 1024)) MiB"
printf '%-52s %s\n' "VmRSS after the run" "$((RSS_KB / 1024)) MiB"
printf '%-52s %s\n' "slow readers: bytes taken in ${SECONDS_SLOW}s at ${RATE} B/s" "$SLOW_BYTES"
printf '%-52s %s\n' "slow readers ended by the service early" "$SLOW_CUT (streams given up as stalled: $STALLED)"
printf '%-52s %s\n' "fast export" "HTTP $FAST_CODE, $FAST_BYTES bytes in ${FAST_T}s, Sluice-Status ${FAST_STATUS:-none}, ${FAST_COUNT:-?} rows"
printf '%-52s %s\n' "OutOfMemoryError in the log" "$OOM"
printf '%-52s %s\n\n' "service alive at the end" "$([[ -d /proc/$SERVICE_PID ]] && echo yes || echo no)"

[[ $OOM == 0 && $SLOW_CUT == 0 && $FAST_CODE == 200 && $FAST_STATUS == complete && $FAST_COUNT == "$FAST_ROWS" ]] ||
  die "see $OUT/sluice.log"
log "done; logs in $OUT"
