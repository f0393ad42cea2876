#!/usr/bin/env bash
# Following under load: followers of the demo's `transactions` dataset (follow=true&from=<the
# step's start>: the snapshot is empty and every row the writers touch passes the filter, so
# every change reaches every follower) while writers update rows, on a throw-away PostgreSQL 15
# with wal_level = logical (initdb'd here, fsync off: the writers, not the disk, set the pace; synchronous_commit
# stays on: with it off a commit reaches the walsender only when the WAL writer flushes, every wal_writer_delay = 200 ms,
# which the latencies would measure).
#
#   bash bench/follow.sh                                # the whole series below
#   BENCH_FOLLOW_STEPS="rate:1:1000" bash bench/follow.sh
#
# Steps (BENCH_FOLLOW_STEPS, space separated MODE:FOLLOWERS:RATE):
#   max:1:16000   16,000 changes (about 8,000 transactions: within follow.retainedTransactions) as fast as two
#                 connections write them: the changes/s one follower keeps up with (changes / time to the last one)
#   rate:1:1000   1,000 changes/s for BENCH_SECONDS: p50/p99 latency (row's clock_timestamp() -> client read), CPU;
#                 the default series runs it twice: the first, on a cold JVM, is its warm-up (JIT) and says so
#   rate:100:1000 the same with 100 followers of the same dataset and parameters: CPU against one follower
#   burst:0:20000 20,000 changes in 5-row transactions as fast as possible, then the slot's lag polled until < 1 MB
# Writers: 3 of 4 transactions update one row, 1 of 4 update 5 rows; each row's created_at is
# set to clock_timestamp(), which the client compares with its own clock on receipt (same machine).
# CPU: the Sluice JVM's user+system seconds (/proc/<pid>/stat) from the first write until the
# last follower has every change. Prints one line per step (FollowBench's key=value figures).
#
# Environment: BENCH_PORT (18082), BENCH_PG_PORT (55482), SLUICE_DEMO_ROWS (20000),
# BENCH_SECONDS (20), BENCH_JAVA_OPTS (-Xmx256m), BENCH_FOLLOW_STEPS (above), BENCH_JAR (target/sluice.jar).

set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${BENCH_PORT:-18082}
PG_PORT=${BENCH_PG_PORT:-55482}
ROWS=${SLUICE_DEMO_ROWS:-20000}
SECONDS_EACH=${BENCH_SECONDS:-20}
JAVA_OPTS=${BENCH_JAVA_OPTS--Xmx256m}
STEPS=${BENCH_FOLLOW_STEPS:-max:1:16000 rate:1:1000 rate:1:1000 rate:100:1000 burst:0:20000}
PG_BIN=${BENCH_PG_BIN:-/usr/lib/postgresql/15/bin}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/sluice-follow.XXXXXX")
BENCH_TAG=follow
# shellcheck source=bench/lib.sh
source bench/lib.sh

JAR=${BENCH_JAR:-target/sluice.jar}
[[ -f $JAR ]] || mvn -B -q -DskipTests package
[[ -x $PG_BIN/initdb ]] || die "no PostgreSQL server binaries in $PG_BIN (set BENCH_PG_BIN)"

# PostgreSQL refuses to run as root: the throw-away server runs as the postgres user then.
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PGDATA=$OUT/pgdata
mkdir -p "$PGDATA"
[[ $(id -u) == 0 ]] && chown -R postgres "$OUT"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust >"$OUT/initdb.log" 2>&1 || die "initdb failed ($OUT/initdb.log)"
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$OUT/pg.log" -w -o "-p $PG_PORT -k $OUT -c listen_addresses=127.0.0.1 -c wal_level=logical \
  -c max_replication_slots=4 -c max_wal_senders=4 -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
  || die "PostgreSQL did not start ($OUT/pg.log)"
DB="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
JDBC="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres?user=postgres"

# The shipped configuration, without the per-client bound (every follower comes from 127.0.0.1).
sed -e 's/maxStreamsPerClient: 8 /maxStreamsPerClient: 0 /' -e 's/maxWaitQueue: 64 /maxWaitQueue: 256 /' conf/sluice.yaml >"$OUT/sluice.yaml"
env SLUICE_CONFIG="$OUT/sluice.yaml" SLUICE_HTTP_HOST=127.0.0.1 SLUICE_HTTP_PORT="$PORT" SLUICE_DB_URL="$DB" SLUICE_DEMO_ROWS="$ROWS" \
  java $JAVA_OPTS -jar "$JAR" demo >"$OUT/sluice.log" 2>&1 &
PID=$!
cleanup() {
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
for ((i = 0; i < 600; i++)); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/health/ready" || true) == 200 ]] && break
  alive "$PID" || die "service exited during start-up (log: $OUT/sluice.log)"
  sleep 0.5
done
log "Sluice pid $PID on $PORT, PostgreSQL (wal_level=logical) on $PG_PORT, $ROWS rows; logs in $OUT"

for step in $STEPS; do
  IFS=: read -r mode followers rate <<<"$step"
  java -cp "$JAR" bench/FollowBench.java "$PORT" "$JDBC" "$PID" "$mode" "$followers" "$rate" "$SECONDS_EACH" "$ROWS" 2>>"$OUT/bench.err" \
    || log "step $step failed ($OUT/bench.err)"
done
