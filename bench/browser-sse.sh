#!/usr/bin/env bash
# Browser check of the SSE format: a real browser's EventSource, on a page of another origin,
# reads a Sluice stream end to end (docs/http.md, "Browsers and EventSource").
#
#   bash bench/browser-sse.sh                                   # starts the demo from $SLUICE_JAR
#   bash bench/browser-sse.sh --base-url http://127.0.0.1:8080  # a running server with the demo data
#
# What it does (it builds nothing):
#   1. unless --base-url is given, starts `java -jar $SLUICE_JAR demo` on a free loopback port
#      (the demo reseeds `transactions` to SLUICE_DEMO_ROWS rows if it holds anything else);
#   2. serves a page (written to a temporary directory) with `python3 -m http.server` on another
#      loopback port, so that its EventSources are cross-origin and CORS is exercised;
#   3. checks with curl, as that page's origin, what the browser relies on: the SSE answer is 200,
#      text/event-stream, with Access-Control-Allow-Origin, and ends with the `end` event; a
#      reconnect with `Last-Event-ID: end` gets 204;
#   4. loads the page in headless Chromium (--virtual-time-budget, --dump-dom) and reads its
#      two verdicts from the dumped DOM:
#        closed-on-end   an EventSource of SSE_LIMIT rows: `message` ids 1..N in order, every
#                        data a JSON object, then `end` (id `end`) with
#                        {"status":"complete","rows":N}, where the page closes it;
#        unclosed-stops  an EventSource of SSE_UNCLOSED_LIMIT rows left open after `end`: it
#                        reconnects with Last-Event-ID: end, gets 204 and stops for good
#                        (one `open`, error readyStates 0 then 2, no row after `end`, still
#                        CLOSED a while later);
#   5. reads /metrics before and after the browser: that reconnect was answered 204 and no
#      stream was opened again (exact counts only when this script started the server).
#
# Prints one line per check ("ok", "FAIL" or "skipped", then the detail), then
# "N passed, M failed"; exits 1 if a check failed, 2 on bad usage. The temporary directory
# (page, DOM dump, logs) is kept when a check fails.
#
# Environment (all optional):
#   SLUICE_JAR=target/sluice.jar    the jar to start (relative to the caller's directory; the
#                                   default is relative to the repository)
#   SLUICE_DEMO_ROWS=2000           rows the demo seeds: at least SSE_LIMIT
#   SLUICE_DB_URL=postgresql://postgres@127.0.0.1:5432/postgres
#   SSE_LIMIT=500                   rows of the closed-on-end stream
#   SSE_UNCLOSED_LIMIT=20           rows of the unclosed-stops stream
#   CHROMIUM=chromium               the browser (Debian: apt-get install chromium)
#   SSE_BUDGET_MS=15000             Chromium's --virtual-time-budget; the page gives up 2 s before
#   SSE_START_TIMEOUT=120           seconds for the service to become healthy (seeding included)
#   SSE_BROWSER_TIMEOUT=90          seconds of real time for Chromium
# Other SLUICE_* variables reach the service unchanged.

set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C

usage() { sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

BASE_URL=""
while (($#)); do
  case $1 in
    --base-url) (($# >= 2)) || { usage >&2; exit 2; }; BASE_URL=${2%/}; shift 2 ;;
    --base-url=*) BASE_URL=${1#*=}; BASE_URL=${BASE_URL%/}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "browser-sse: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

# A jar given by the caller is relative to the caller's directory.
JAR=${SLUICE_JAR:-}
if [[ -n $JAR ]]; then JAR=$(realpath -m -- "$JAR"); fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# ---------------------------------------------------------------- settings

JAR=${JAR:-$PWD/target/sluice.jar}
ROWS=${SLUICE_DEMO_ROWS:-2000}
DB=${SLUICE_DB_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
LIMIT=${SSE_LIMIT:-500}
UNCLOSED_LIMIT=${SSE_UNCLOSED_LIMIT:-20}
CHROMIUM=${CHROMIUM:-chromium}
BUDGET=${SSE_BUDGET_MS:-15000}
START_TIMEOUT=${SSE_START_TIMEOUT:-120}
BROWSER_TIMEOUT=${SSE_BROWSER_TIMEOUT:-90}
GRACE_MS=4000 # how long the page watches the unclosed EventSource once it is CLOSED

for n in SLUICE_DEMO_ROWS:ROWS SSE_LIMIT:LIMIT SSE_UNCLOSED_LIMIT:UNCLOSED_LIMIT SSE_BUDGET_MS:BUDGET \
  SSE_START_TIMEOUT:START_TIMEOUT SSE_BROWSER_TIMEOUT:BROWSER_TIMEOUT; do
  v=${n#*:}
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "browser-sse: ${n%%:*} must be a whole number, got '${!v}'" >&2; exit 2; }
done
((LIMIT >= 1 && UNCLOSED_LIMIT >= 1)) || { echo "browser-sse: SSE_LIMIT and SSE_UNCLOSED_LIMIT must be >= 1" >&2; exit 2; }
((BUDGET >= 10000)) || { echo "browser-sse: SSE_BUDGET_MS must be >= 10000" >&2; exit 2; }
if [[ -n $BASE_URL && ! $BASE_URL =~ ^https?://[^/]+ ]]; then
  echo "browser-sse: --base-url must be http(s)://host:port, got '$BASE_URL'" >&2
  exit 2
fi
if [[ -z $BASE_URL ]] && ((ROWS < LIMIT || ROWS < UNCLOSED_LIMIT)); then
  echo "browser-sse: SLUICE_DEMO_ROWS ($ROWS) must be at least SSE_LIMIT and SSE_UNCLOSED_LIMIT" >&2
  exit 2
fi

BENCH_TAG=browser-sse
# shellcheck source=bench/lib.sh
source bench/lib.sh

PASSED=0
FAILED=0
check() { # ok|FAIL name detail
  if [[ $1 == ok ]]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
  printf '%-7s %-18s %s\n' "$1" "$2" "$3"
}
skip() { printf '%-7s %-18s %s\n' skipped "$1" "$2"; }

# curl never goes through a proxy here: every target is the service or the page server.
fetch() { curl -sS --noproxy '*' "$@"; }

# The value of a response header (last occurrence) in a curl -D dump.
header() { # name file
  awk -v h="$1" '{
    line = $0; sub(/\r$/, "", line); i = index(line, ":")
    if (i > 0 && tolower(substr(line, 1, i - 1)) == h) { v = substr(line, i + 1); sub(/^[ \t]+/, "", v) }
  } END { print v }' "$2"
}

stop_pid() { # pid seconds-before-SIGKILL
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < $2 * 4; i++)); do
    alive "$pid" || break
    sleep 0.25
  done
  if alive "$pid"; then
    log "pid $pid ignored SIGTERM for $2 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- processes and cleanup

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-browser-sse.XXXXXX")
SERVICE_PID=""
PAGE_PID=""
CHROME_PID=""

cleanup() {
  local rc=$?
  stop_pid "$CHROME_PID" 5
  stop_pid "$PAGE_PID" 5
  stop_pid "$SERVICE_PID" 15
  if ((rc == 0)); then
    rm -rf "$WORK"
  else
    log "kept $WORK (page, DOM dump, logs)"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- preflight

for tool in curl python3 awk timeout realpath; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
command -v "$CHROMIUM" >/dev/null || die "$CHROMIUM is not installed (Debian: apt-get install chromium; or set CHROMIUM)"
CHROME_VERSION=$("$CHROMIUM" --version 2>/dev/null | head -n 1 || true)
log "browser: ${CHROME_VERSION:-unknown version} ($(command -v "$CHROMIUM"))"

# ---------------------------------------------------------------- the service

OWN_SERVICE=0
if [[ -z $BASE_URL ]]; then
  command -v java >/dev/null || die "java is not installed"
  [[ -f $JAR ]] || die "no jar at $JAR: build it (mvn -B -DskipTests package) or set SLUICE_JAR"
  # A copy, so that a rebuild during the run cannot change what the service runs.
  cp "$JAR" "$WORK/sluice.jar"
  PORT=$(free_port)
  BASE_URL="http://127.0.0.1:$PORT"
  if fetch -o /dev/null --max-time 2 "$BASE_URL/health" 2>/dev/null; then
    die "something already answers on $BASE_URL"
  fi
  log "starting java -jar $JAR demo on $BASE_URL ($ROWS demo rows; log: $WORK/sluice.log)"
  env SLUICE_HTTP_HOST=127.0.0.1 SLUICE_HTTP_PORT="$PORT" SLUICE_DB_URL="$DB" SLUICE_DEMO_ROWS="$ROWS" \
    java -jar "$WORK/sluice.jar" demo >"$WORK/sluice.log" 2>&1 &
  SERVICE_PID=$!
  OWN_SERVICE=1
fi

deadline=$(($(date +%s) + START_TIMEOUT))
while :; do
  if ((OWN_SERVICE)) && ! alive "$SERVICE_PID"; then
    tail -n 20 "$WORK/sluice.log" >&2
    SERVICE_PID=""
    die "the service exited during start-up"
  fi
  code=$(fetch -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/health" 2>/dev/null || true)
  [[ $code == 200 ]] && break
  (($(date +%s) < deadline)) || die "$BASE_URL/health did not answer 200 within ${START_TIMEOUT}s (last status: ${code:-none})"
  sleep 0.5
done
log "service healthy at $BASE_URL${SERVICE_PID:+ (pid $SERVICE_PID)}"

ROWS_URL="$BASE_URL/v1/datasets/transactions/rows"
API_ORIGIN=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.scheme + "://" + p.netloc)' "$BASE_URL")
API_HOST=$(python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).hostname)' "$BASE_URL")

# ---------------------------------------------------------------- the page and its server

mkdir -p "$WORK/site"
cat >"$WORK/site/index.html" <<'EOF'
<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>RUNNING</title>
</head>
<body>
<pre id="result"></pre>
<script src="sse.js"></script>
</body>
</html>
EOF

cat >"$WORK/site/sse.js" <<'EOF'
"use strict";
// Query string: api (the API's base URL), limit, unclosed (rows of each stream),
// deadline (ms before a stream is given up), grace (ms to watch a CLOSED EventSource).
const params = new URLSearchParams(location.search);
const api = params.get("api");
const apiOrigin = new URL(api).origin;
const limit = Number(params.get("limit"));
const unclosedLimit = Number(params.get("unclosed"));
const deadline = Number(params.get("deadline"));
const grace = Number(params.get("grace"));
const results = [];

function report(name, ok, detail) {
  results.push((ok ? "PASS " : "FAIL ") + name + " " + detail);
  document.getElementById("result").textContent = results.join("\n") + "\n";
  if (results.length === 2) {
    document.title = "DONE";
  }
}

function rowsUrl(rows) {
  return api + "/v1/datasets/transactions/rows?format=sse&limit=" + rows;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    return undefined;
  }
}

function isRow(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    "id" in value && "amount" in value && "currency" in value;
}

// Reads a whole stream and closes the EventSource on `end`, as docs/http.md tells pages to.
function closedOnEnd() {
  const es = new EventSource(rowsUrl(limit));
  const bad = [];
  let rows = 0;
  let json = 0;
  let opens = 0;
  let errors = 0;
  let done = false;
  const timer = setTimeout(() => finish(false, "no end event within " + deadline + " ms"), deadline);

  function finish(ok, detail) {
    if (done) {
      return;
    }
    done = true;
    clearTimeout(timer);
    es.close();
    report("closed-on-end", ok, "rows=" + rows + " " + detail + " json=" + json + " opens=" + opens +
      " errors=" + errors + (bad.length ? " bad=" + bad.slice(0, 5).join(",") + (bad.length > 5 ? ",..." : "") : ""));
  }

  es.onopen = () => {
    opens++;
  };
  es.onmessage = (e) => {
    rows++;
    if (e.lastEventId !== String(rows)) {
      bad.push("id#" + rows + "=" + e.lastEventId);
    }
    if (e.origin !== apiOrigin) {
      bad.push("origin#" + rows + "=" + e.origin);
    }
    if (isRow(parseJson(e.data))) {
      json++;
    } else {
      bad.push("data#" + rows);
    }
  };
  es.addEventListener("end", (e) => {
    const end = parseJson(e.data) || {};
    const ok = bad.length === 0 && rows === limit && json === limit && end.status === "complete" &&
      end.rows === limit && e.lastEventId === "end" && opens === 1 && errors === 0;
    finish(ok, "end.rows=" + end.rows + " end.status=" + end.status + " end.id=" + e.lastEventId +
      " ids=" + (bad.some((b) => b.startsWith("id#")) ? "out-of-order" : "1.." + rows));
  });
  es.addEventListener("fail", (e) => finish(false, "fail event: " + e.data));
  es.onerror = () => {
    errors++;
    if (es.readyState === EventSource.CLOSED) {
      finish(false, "EventSource failed (readyState CLOSED) before end: CORS, status or content type?");
    }
  };
}

// Leaves the EventSource open after `end`: its reconnect carries Last-Event-ID: end, Sluice
// answers 204, and the EventSource must stop for good.
function unclosedStops() {
  const es = new EventSource(rowsUrl(unclosedLimit));
  const errorStates = [];
  let opens = 0;
  let rows = 0;
  let ends = 0;
  let endRows;
  let afterEnd = 0;
  let endAt = null;
  let closedAt = null;
  let done = false;
  const timer = setTimeout(finish, deadline);

  function finish() {
    if (done) {
      return;
    }
    done = true;
    clearTimeout(timer);
    const state = es.readyState;
    es.close();
    const ok = opens === 1 && rows === unclosedLimit && ends === 1 && endRows === unclosedLimit &&
      afterEnd === 0 && closedAt !== null && state === EventSource.CLOSED && errorStates.join(",") === "0,2";
    const closedAfter = closedAt === null ? "never" : endAt === null ? "before-end" : Math.round(closedAt - endAt);
    report("unclosed-stops", ok, "opens=" + opens + " rows=" + rows + " ends=" + ends + " end.rows=" + endRows +
      " rows-after-end=" + afterEnd + " error-readyStates=" + errorStates.join(",") + " readyState=" + state +
      " closed-ms-after-end=" + closedAfter + " watched-ms-after-close=" + (closedAt === null ? 0 : grace));
  }

  es.onopen = () => {
    opens++;
  };
  es.onmessage = () => {
    rows++;
    if (ends > 0) {
      afterEnd++;
    }
  };
  es.addEventListener("end", (e) => {
    ends++;
    endAt = performance.now();
    const end = parseJson(e.data);
    endRows = end && end.rows;
  });
  es.onerror = () => {
    errorStates.push(es.readyState);
    if (es.readyState === EventSource.CLOSED && closedAt === null) {
      closedAt = performance.now();
      setTimeout(finish, grace);
    }
  };
}

if (apiOrigin === location.origin) {
  report("closed-on-end", false, "the page and the API share the origin " + apiOrigin + ": CORS is not exercised");
  report("unclosed-stops", false, "the page and the API share the origin " + apiOrigin);
} else {
  closedOnEnd();
  unclosedStops();
}
EOF

# Port 0: the server picks a free port and prints it (-u: at once).
: >"$WORK/page-server.log"
python3 -u -m http.server --bind 127.0.0.1 --directory "$WORK/site" 0 >>"$WORK/page-server.log" 2>&1 &
PAGE_PID=$!
PAGE_PORT=""
for ((i = 0; i < 40; i++)); do
  PAGE_PORT=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9][0-9]*\) .*/\1/p' "$WORK/page-server.log" || true)
  [[ -n $PAGE_PORT ]] && break
  alive "$PAGE_PID" || { cat "$WORK/page-server.log" >&2; PAGE_PID=""; die "the page server exited"; }
  sleep 0.25
done
[[ -n $PAGE_PORT ]] || die "the page server did not report its port within 10 s"
PAGE_ORIGIN="http://127.0.0.1:$PAGE_PORT"
code=$(fetch -o /dev/null -w '%{http_code}' --max-time 5 "$PAGE_ORIGIN/index.html" || true)
[[ $code == 200 ]] || die "the page server answered ${code:-nothing} for $PAGE_ORIGIN/index.html"
log "page served from $PAGE_ORIGIN, API at $API_ORIGIN"

# ---------------------------------------------------------------- what the browser relies on, seen by curl

hdr="$WORK/sse-headers.txt"
body="$WORK/sse-body.txt"
code=$(fetch --max-time 30 -H "Origin: $PAGE_ORIGIN" -D "$hdr" -o "$body" -w '%{http_code}' \
  "$ROWS_URL?format=sse&limit=3" 2>"$WORK/curl.err" || true)
ctype=$(header content-type "$hdr" 2>/dev/null || true)
acao=$(header access-control-allow-origin "$hdr" 2>/dev/null || true)
ids=$(grep -cE '^id: [0-9]+$' "$body" 2>/dev/null || true)
last=$(tail -n 4 "$body" 2>/dev/null || true)
want_last=$'event: end\nid: end\ndata: {"status":"complete","rows":3}'
detail="status ${code:-none}, content-type '${ctype}', access-control-allow-origin '${acao}', ${ids:-0} row ids"
if [[ $code == 200 && $ctype == text/event-stream* && ($acao == "*" || $acao == "$PAGE_ORIGIN") && $ids == 3 && $last == "$want_last" ]]; then
  check ok http-sse "$detail, ends with the end event"
else
  check FAIL http-sse "$detail; last lines: $(printf '%q' "$last") (headers: $hdr, body: $body)"
fi

code=$(fetch --max-time 30 -H "Origin: $PAGE_ORIGIN" -H 'Last-Event-ID: end' -D "$hdr.204" -o "$body.204" \
  -w '%{http_code}' "$ROWS_URL?format=sse&limit=3" 2>>"$WORK/curl.err" || true)
acao=$(header access-control-allow-origin "$hdr.204" 2>/dev/null || true)
detail="Last-Event-ID: end -> status ${code:-none}, access-control-allow-origin '${acao}'"
if [[ $code == 204 && ($acao == "*" || $acao == "$PAGE_ORIGIN") ]]; then
  check ok http-after-end "$detail"
else
  check FAIL http-after-end "$detail (headers: $hdr.204)"
fi

# ---------------------------------------------------------------- the browser

# Prints "<204 GET responses> <cursor streams opened>", or nothing when /metrics is not there.
metrics() {
  local text
  text=$(fetch --max-time 10 --fail "$BASE_URL/metrics" 2>/dev/null) || return 0
  awk '$1 == "vertx_http_server_requests_total{code=\"204\",method=\"GET\"}" {a = $2}
    $1 == "sluice_cursor_streams_opened_total" {b = $2}
    END {printf "%d %d\n", a, b}' <<<"$text"
}
METRICS_BEFORE=$(metrics)

PAGE_URL="$PAGE_ORIGIN/index.html?api=$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$BASE_URL")"
PAGE_URL+="&limit=$LIMIT&unclosed=$UNCLOSED_LIMIT&deadline=$((BUDGET - 2000))&grace=$GRACE_MS"
# Nothing but the page's and the API's hosts resolves, and no proxy is used: Chromium stays on them.
RESOLVER_RULES="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE $API_HOST"
log "loading $PAGE_URL in headless Chromium (virtual time budget ${BUDGET} ms, at most ${BROWSER_TIMEOUT} s)"
timeout -k 5 "$BROWSER_TIMEOUT" "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --user-data-dir="$WORK/chromium-profile" --no-first-run --no-default-browser-check \
  --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
  --no-proxy-server --host-resolver-rules="$RESOLVER_RULES" \
  --virtual-time-budget="$BUDGET" --dump-dom "$PAGE_URL" >"$WORK/dom.html" 2>"$WORK/chromium.log" &
CHROME_PID=$!
chrome_rc=0
wait "$CHROME_PID" || chrome_rc=$?
CHROME_PID=""
((chrome_rc == 0)) || log "Chromium exited with status $chrome_rc (124: timed out; log: $WORK/chromium.log)"

title=$(sed -n 's:.*<title>\([^<]*\)</title>.*:\1:p' "$WORK/dom.html" | head -n 1)
verdicts=$(sed -n '/<pre id="result">/,/<\/pre>/p' "$WORK/dom.html" | sed 's:.*<pre id="result">::; s:</pre>.*::')
for name in closed-on-end unclosed-stops; do
  line=$(grep -E "^(PASS|FAIL) $name " <<<"$verdicts" | head -n 1 || true)
  case $line in
    "PASS $name "*) check ok "$name" "${line#"PASS $name "}" ;;
    "FAIL $name "*) check FAIL "$name" "${line#"FAIL $name "}" ;;
    *) check FAIL "$name" "no verdict in the page (title '${title:-none}', Chromium status $chrome_rc; DOM: $WORK/dom.html)" ;;
  esac
done

# ---------------------------------------------------------------- the server's side

METRICS_AFTER=$(metrics)
if [[ -z $METRICS_BEFORE || -z $METRICS_AFTER ]]; then
  skip server-side "$BASE_URL/metrics is not available"
else
  read -r n204_0 opened_0 <<<"$METRICS_BEFORE"
  read -r n204_1 opened_1 <<<"$METRICS_AFTER"
  d204=$((n204_1 - n204_0))
  dopened=$((opened_1 - opened_0))
  detail="during the browser run: $d204 GET answered 204, $dopened streams opened (2 EventSources)"
  if ((OWN_SERVICE)); then
    if ((d204 == 1 && dopened == 2)); then check ok server-side "$detail"; else check FAIL server-side "$detail; expected 1 and 2"; fi
  else
    if ((d204 >= 1 && dopened >= 2)); then
      check ok server-side "$detail (a shared server: other clients may add to both)"
    else
      check FAIL server-side "$detail; expected at least 1 and 2"
    fi
  fi
fi

echo "browser: ${CHROME_VERSION:-unknown}"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
