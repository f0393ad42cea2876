# Helpers every bench script sources after `cd` to the project root. Set BENCH_TAG first: it
# prefixes every log line ([<tag> HH:MM:SS] ...).

log() { printf '[%s %s] %s\n' "${BENCH_TAG:-bench}" "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
# The DB URL ($DB) without its password, for printing.
db_shown() { sed -E 's#(//[^:/@]*):[^@]*@#\1:***@#' <<<"$DB"; }

# 0 if the process lives (a zombie counts as gone).
alive() {
  local state
  state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null || true)
  [[ -n $state && $state != Z ]]
}
