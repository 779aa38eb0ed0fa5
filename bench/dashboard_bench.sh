#!/usr/bin/env bash
# Server-side comparison benchmarks of GET /analytics/dashboard/{org}, each next to its peer in
# the same run, written to bench/out/dashboard_results.md (raw records: dashboard_results.jsonl):
#   1. wrk (64 connections, loopback) against readside and against nginx serving the same
#      response bytes as a static file, interleaved; readside's own handling-time histogram
#      scraped from /metrics around every run; readside /health/live and an nginx small file
#      as the HTTP-layer-only pair; the handler timed in-process (dashboard_handler_bench);
#   2. PostgreSQL 15 computing the dashboard numbers by SQL over the raw events
#      (bench/dashboard_direct.sql.in) under pgbench — the "direct query" baseline — with a
#      check that its numbers equal readside's;
#   3. ingest-to-visible freshness at a steady 20,000 events/s (freshness_load).
# Beside the analytics dashboard in the same wrk rounds (same server, token, connections and
# threads): GET /dashboards/{org} with the 12 widgets of bench/dashboard_widgets.json, made the
# organization's default through the HTTP API first (`readside-dashboards`), and that route
# timed in-process (dashboards_handler_bench).
# With ACCESS_LOG_PAIR=1 (the default) the wrk pair of 1. runs again with the access log on
# for both servers: readside `--access-log FILE`, nginx `access_log FILE` with a JSON
# log_format, once as nginx does by default (one write per request, `nginx-log`) and once
# buffered like readside's (`buffer=64k flush=1s`, `nginx-log-buf`); afterwards the log's lines
# are counted against the requests readside answered.
# Usage: bench/dashboard_bench.sh   (after `ninja -C build`; needs root for PostgreSQL's
# initdb as user postgres, like bench/run.sh). Peers come from scripts/install-deps.
# Environment (defaults): BUILD=build EVENTS=400000 ORG=acme-corp PERIOD=(picked from the data)
#   REPS=5 WRK_SECONDS=10 PG_CLIENTS="2 4 8" PG_SECONDS=10 FRESH_RATE=20000 FRESH_SECONDS=30
#   FRESH_BATCHES="1000 100" QUIET_WAIT=60 PROFILE=1 (perf profile of readside under wrk)
#   ACCESS_LOG_PAIR=1 (the pair with the access log on for both servers; 0 skips it)
#   PG_PEER=1 FRESHNESS=1 (0 skips the PostgreSQL baseline, the freshness runs: quick runs only)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EVENTS=${EVENTS:-400000}
TENANTS=${TENANTS:-acme-corp,beta-inc,gamma-llc,delta-co}
ORG=${ORG:-acme-corp}
PERIOD=${PERIOD:-}
REPS=${REPS:-5}
WRK_SECONDS=${WRK_SECONDS:-10}
WRK_CONNS=64
WRK_THREADS=2
PG_CLIENTS=${PG_CLIENTS:-"2 4 8"}
PG_SECONDS=${PG_SECONDS:-10}
FRESH_RATE=${FRESH_RATE:-20000}
FRESH_SECONDS=${FRESH_SECONDS:-30}
FRESH_WARMUP=3
FRESH_BATCHES=${FRESH_BATCHES:-"1000 100"}
ACCESS_LOG_PAIR=${ACCESS_LOG_PAIR:-1}
PG_PEER=${PG_PEER:-1}
FRESHNESS=${FRESHNESS:-1}
QUIET_WAIT=${QUIET_WAIT:-60}   # seconds to wait for an idle VM before each measured phase
IDLE=""
OUT=bench/out
RESULT_MD=$OUT/dashboard_results.md
RESULT_JSONL=$OUT/dashboard_results.jsonl
PGBIN=/usr/lib/postgresql/15/bin
UTIL="python3 bench/dashboard_bench.py"

die() { echo "dashboard_bench: $*" >&2; exit 1; }
for tool in wrk nginx pgbench curl python3 runuser "$PGBIN/initdb" "$PGBIN/pg_ctl"; do
  command -v "$tool" > /dev/null || die "$tool is missing: run scripts/install-deps"
done
for bin in readside bench/ingest_load bench/freshness_load bench/dashboard_handler_bench \
  bench/dashboards_handler_bench; do
  [ -x "$BUILD/$bin" ] || die "$BUILD/$bin is missing: run ninja -C $BUILD"
done
[ "$(id -u)" -eq 0 ] || die "run as root (PostgreSQL runs as user postgres, as in bench/run.sh)"
mkdir -p $OUT

WORK=$(mktemp -d /tmp/dashboard_bench.XXXXXX)
chmod 755 "$WORK"  # nginx workers (nobody) read the static file from here
# Private copies of the binaries: one consistent build for the whole run, even if build/ is
# relinked meanwhile.
SRC_BUILD=$BUILD
BUILD=$WORK/bin
mkdir -p "$BUILD/bench"
for bin in readside bench/ingest_load bench/freshness_load bench/dashboard_handler_bench \
  bench/dashboards_handler_bench; do
  cp "$SRC_BUILD/$bin" "$BUILD/$bin"
done
RS_PID="" NGINX_PID="" PGDIR=""
stop_pid() {  # pid, seconds: SIGTERM, wait, then SIGKILL
  local pid=$1 t=${2:-30}
  kill -TERM "$pid" 2> /dev/null || return 0
  for _ in $(seq $((t * 10))); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
}
cleanup() {
  set +e
  [ -n "$RS_PID" ] && stop_pid "$RS_PID" 30
  [ -n "$NGINX_PID" ] && stop_pid "$NGINX_PID" 10
  [ -n "$PGDIR" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" stop -m immediate \
    > /dev/null 2>&1
  rm -rf "$WORK" "$PGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RESULTS=$WORK/results.jsonl
: > "$RESULTS"
record() { echo "$1" >> "$RESULTS"; }
COMMANDS=()
cmdlog() { COMMANDS+=("$*"); }

# Every route but /health and /metrics needs a token (the same header goes to nginx, so both
# servers parse the same request bytes).
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$WORK/jwt-secret"
READSIDE_TOKEN=$("$BUILD/readside" token --secret-file "$WORK/jwt-secret" --org '*' --roles admin --ttl 1d)
export READSIDE_TOKEN
AUTH="Authorization: Bearer $READSIDE_TOKEN"

start_readside() {  # data dir [access log file] → RS_PID, RS_URL
  : > "$WORK/serve.log"
  "$BUILD/readside" serve --data-dir "$1" --listen 127.0.0.1:0 --jwt-secret-file "$WORK/jwt-secret" \
    --access-log "${2:-off}" > "$WORK/serve.log" 2>&1 &
  RS_PID=$!
  for _ in $(seq 600); do
    grep -q "listening on" "$WORK/serve.log" && break
    kill -0 "$RS_PID" 2> /dev/null || { cat "$WORK/serve.log"; die "readside exited"; }
    sleep 0.1
  done
  RS_URL=$(grep -o "http://[0-9.:]*" "$WORK/serve.log" | head -1)
  [ -n "$RS_URL" ] || die "readside did not start"
}
wait_applied() {  # until /health/ready is 200 with applied == stored (timeout 300 s)
  for _ in $(seq 3000); do
    local body
    body=$(curl -s -m 2 "$RS_URL/health/ready" || true)
    if python3 -c "
import json,sys; d=json.loads(sys.argv[1])
sys.exit(0 if d['status']=='ready' and d['applied_position']==d['stored_position'] else 1)" \
      "$body" 2> /dev/null; then
      echo "   ready: $body"
      return 0
    fi
    sleep 0.1
  done
  die "read models did not catch up: $body"
}
stop_readside() { stop_pid "$RS_PID" 60; RS_PID=""; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ------------------------------------------------------------------------------ data
echo "== generating $EVENTS events (seed 1, tenants $TENANTS)"
EV=$WORK/events.ndjson
"$BUILD/readside" generate --seed 1 --count "$EVENTS" --tenants "$TENANTS" --out "$EV"
cmdlog "$SRC_BUILD/readside generate --seed 1 --count $EVENTS --tenants $TENANTS --out events.ndjson"
[ -n "$PERIOD" ] || PERIOD=$($UTIL period "$EV" "$ORG")
read -r PS PE < <($UTIL bounds "$PERIOD")
echo "   organization $ORG, period $PERIOD [$PS, $PE)"

DATA=$WORK/readside-data
start_readside "$DATA"
echo "== loading into readside at $RS_URL (1 client: producer order per entity)"
"$BUILD/bench/ingest_load" "$RS_URL" "$EV" --clients 1 --batch 1000 | tee "$WORK/load.json"
cmdlog "$SRC_BUILD/readside serve --data-dir TMP --listen 127.0.0.1:0"
cmdlog "$SRC_BUILD/bench/ingest_load URL events.ndjson --clients 1 --batch 1000"
wait_applied

DASH_PATH="/analytics/dashboard/$ORG?period=$PERIOD"
curl -s -f -H "$AUTH" -D "$WORK/dash.headers" -o "$WORK/dash.json" "$RS_URL$DASH_PATH"
curl -s -f -o "$WORK/live.json" "$RS_URL/health/live"
POS=$(grep -i '^X-Readside-Position:' "$WORK/dash.headers" | tr -d '\r' | awk '{print $2}')
DASH_BYTES=$(stat -c %s "$WORK/dash.json")
echo "   dashboard: $DASH_BYTES bytes at position $POS"
# GET /dashboards/{org}: the organization's default made the 12 widgets of the widget file,
# through the API (stored as readside.dashboard.* events and applied).
DASHBOARDS_PATH="/dashboards/$ORG"
DASHBOARDS_SETUP=$($UTIL mkdash "$RS_URL" "$ORG" "$PERIOD" bench/dashboard_widgets.json)
record "$DASHBOARDS_SETUP"
echo "   /dashboards/$ORG: $DASHBOARDS_SETUP"
cmdlog "python3 bench/dashboard_bench.py mkdash URL $ORG $PERIOD bench/dashboard_widgets.json   # DELETE/POST /dashboards/$ORG/widgets?dashboard_id=default"

# Reproductions of what the HTTP layer does with analytics requests (see the report).
HEADCHK=$($UTIL headcheck "$RS_URL" "$DASH_PATH")
LIVECHK=$($UTIL headcheck "$RS_URL" "/health/live")

# ------------------------------------------------------------------------------ nginx
NPORT=$($UTIL freeport)
NPORT_LOG=$($UTIL freeport)
NPORT_LOG_BUF=$($UTIL freeport)
mkdir -p "$WORK/www/analytics/dashboard" "$WORK/www/health" "$WORK/nginx-tmp"
cp "$WORK/dash.json" "$WORK/www/analytics/dashboard/$ORG"
cp "$WORK/live.json" "$WORK/www/health/live"
chmod -R a+rX "$WORK/www"
SMALL_BYTES=$(stat -c %s "$WORK/live.json")
cat > "$WORK/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 100000000;
  keepalive_timeout 65;
  etag off;
  client_body_temp_path $WORK/nginx-tmp/body;
  proxy_temp_path $WORK/nginx-tmp/proxy;
  fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
  scgi_temp_path $WORK/nginx-tmp/scgi;
  types { }
  default_type application/json;
  # The access-log pair: readside's fields, as far as nginx has them.
  log_format rs_json escape=json '{"ts":"\$time_iso8601","request_id":"\$request_id",'
    '"remote":"\$remote_addr:\$remote_port","method":"\$request_method","path":"\$uri",'
    '"route":"\$uri","tenant":null,"sub":null,"status":\$status,"latency_us":\$request_time}';
  server {
    listen 127.0.0.1:$NPORT;
    root $WORK/www;
    location /analytics/dashboard/ {
      add_header X-Content-Type-Options nosniff;
      add_header X-Readside-Position $POS;
    }
  }
  server {
    listen 127.0.0.1:$NPORT_LOG;
    root $WORK/www;
    access_log $WORK/nginx-access.log rs_json;
    location /analytics/dashboard/ {
      add_header X-Content-Type-Options nosniff;
      add_header X-Readside-Position $POS;
    }
  }
  server {
    listen 127.0.0.1:$NPORT_LOG_BUF;
    root $WORK/www;
    access_log $WORK/nginx-access-buf.log rs_json buffer=64k flush=1s;
    location /analytics/dashboard/ {
      add_header X-Content-Type-Options nosniff;
      add_header X-Readside-Position $POS;
    }
  }
}
NGINX
nginx -c "$WORK/nginx.conf" -p "$WORK" > "$WORK/nginx.out" 2>&1 &
NGINX_PID=$!
NG_URL="http://127.0.0.1:$NPORT"
for _ in $(seq 100); do curl -s -o /dev/null "$NG_URL/health/live" && break; sleep 0.1; done
curl -s -f -o "$WORK/nginx-dash.json" "$NG_URL$DASH_PATH" || { cat "$WORK/nginx-error.log"; die "nginx"; }
cmp -s "$WORK/dash.json" "$WORK/nginx-dash.json" || die "nginx does not serve the same bytes"
nginx_pids() { echo "$NGINX_PID" $(ps -o pid= --ppid "$NGINX_PID"); }
cmdlog "nginx -c nginx.conf (worker_processes 2, access_log off, sendfile, the saved dashboard bytes as a static file)"

# ------------------------------------------------------------------------------ wrk
run_wrk() {  # target url rep pids...
  local target=$1 url=$2 rep=$3; shift 3
  local m0="" m1="" script=() route="/analytics/dashboard/{org}"
  [ "$target" = readside-uncached ] && script=(-s bench/dashboard_uncached.lua)
  [ "$target" = readside-dashboards ] && route="/dashboards/{org}"
  if [ "$target" = readside ] || [ "$target" = readside-uncached ] || [ "$target" = readside-log ] ||
     [ "$target" = readside-dashboards ]; then
    curl -s -f -o "$WORK/m0" "$RS_URL/metrics"; m0=$WORK/m0
  fi
  $UTIL cpusnap "$@" > "$WORK/cpu0"
  $UTIL runcpu "$WORK/wrkcpu" -- timeout $((WRK_SECONDS + 30)) \
    wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECONDS}s --timeout 5s --latency -H "$AUTH" "${script[@]}" "$url" \
    > "$WORK/wrk.txt" 2>&1 \
    || { cat "$WORK/wrk.txt"; die "wrk failed"; }
  $UTIL cpusnap "$@" > "$WORK/cpu1"
  if [ -n "$m0" ]; then
    curl -s -f -o "$WORK/m1" "$RS_URL/metrics"; m1=$WORK/m1
  fi
  local rec
  rec=$($UTIL wrkrec --target "$target" --rep "$rep" --url "$url" --wrk "$WORK/wrk.txt" \
        --cpu0 "$WORK/cpu0" --cpu1 "$WORK/cpu1" --wrkcpu "$WORK/wrkcpu" --idle-before "$IDLE" --route "$route" \
        ${m0:+--metrics0 "$m0"} ${m1:+--metrics1 "$m1"})
  record "$rec"
  python3 -c "
import json,sys; r=json.loads(sys.argv[1]); h=r.get('server_hist') or {}
print('   %-14s rep %s: %8.0f req/s  p99 %6.2f ms  server %5.1f CPU-us/req  other load %.2f cores%s' % (r['target'], r['rep'],
  r['rps'] or 0, r['p99_ms'] or 0, r.get('server_cpu_us_per_req') or 0, r.get('foreign_cpu_cores') or 0,
  ('  histogram p99 %s us (n=%d)' % (h['p99_us'], h['count'])) if h.get('count') else
  ('  histogram: no samples for the route' if 'route' in h else '')))" "$rec"
  [ "$(python3 -c "import json,sys; r=json.loads(sys.argv[1]); print(r['non2xx']+r['socket_errors'])" "$rec")" = 0 ] \
    || echo "   warning: non-2xx responses or socket errors, see wrk output" >&2
}
echo "== wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECONDS}s: readside vs nginx, $REPS interleaved rounds (load $(loadavg))"
LOAD_START=$(loadavg)
for r in $(seq "$REPS"); do
  IDLE=$($UTIL quiet --max-wait "$QUIET_WAIT" --idle 0.8)
  echo "   round $r (idle before: $IDLE)"
  run_wrk readside "$RS_URL$DASH_PATH" "$r" "$RS_PID"
  run_wrk readside-dashboards "$RS_URL$DASHBOARDS_PATH" "$r" "$RS_PID"
  run_wrk nginx "$NG_URL$DASH_PATH" "$r" $(nginx_pids)
  run_wrk readside-uncached "$RS_URL$DASH_PATH" "$r" "$RS_PID"
  run_wrk readside-live "$RS_URL/health/live" "$r" "$RS_PID"
  run_wrk nginx-small "$NG_URL/health/live" "$r" $(nginx_pids)
done
cmdlog "wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECONDS}s --timeout 5s --latency URL   # URL: readside $DASH_PATH, readside $DASHBOARDS_PATH (12 widgets), nginx same path, readside same path with -s bench/dashboard_uncached.lua (a distinct as_of per request: every request a cache miss), readside /health/live, nginx /health/live ($SMALL_BYTES-byte file); interleaved, $REPS rounds"
# Where readside's CPU goes under wrk (perf, inclusive shares by function), when perf works.
if [ "${PROFILE:-1}" = 1 ] && command -v perf > /dev/null; then
  echo "== perf profile of readside under wrk (cached and uncached dashboard)"
  for target in readside readside-uncached; do
    script=()
    [ "$target" = readside-uncached ] && script=(-s bench/dashboard_uncached.lua)
    wrk -t$WRK_THREADS -c$WRK_CONNS -d8s --timeout 5s -H "$AUTH" "${script[@]}" "$RS_URL$DASH_PATH" \
      > "$WORK/wrk-prof.txt" 2>&1 &
    wrk_pid=$!
    sleep 2
    if timeout 60 perf record -q -e cpu-clock -F 499 --call-graph dwarf,16384 -p "$RS_PID" \
         -o "$WORK/perf.data" -- sleep 4 > /dev/null 2>&1 &&
       timeout 300 perf report -i "$WORK/perf.data" --children --sort sym --stdio -g none \
         > "$WORK/perf.txt" 2> /dev/null; then
      rec=$($UTIL perfshares "$WORK/perf.txt" --target "$target")
      record "$rec"
      python3 -c "import json,sys; r=json.loads(sys.argv[1]); print('   %-18s ' % r['target'] + ', '.join('%s %.0f%%' % (k, v) for k, v in r['shares'].items()))" "$rec"
    else
      echo "   perf failed; skipping the profile"
    fi
    wait "$wrk_pid" || true
    rm -f "$WORK/perf.data"
  done
  cmdlog "perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -p READSIDE_PID -- sleep 4 (during wrk on the dashboard, cached and uncached); perf report --children --sort sym"
fi
curl -s -f -o "$WORK/metrics.final" "$RS_URL/metrics"
DASH_REQS=$(grep -c 'route="/analytics/dashboard/{org}"' "$WORK/metrics.final" || true)
stop_readside

# ------------------------------------------------------------------------------ access log on
if [ "$ACCESS_LOG_PAIR" = 1 ]; then
  NG_LOG_URL="http://127.0.0.1:$NPORT_LOG"
  NG_LOG_BUF_URL="http://127.0.0.1:$NPORT_LOG_BUF"
  RS_LOG=$WORK/readside-access.log
  start_readside "$DATA" "$RS_LOG"
  wait_applied
  for u in "$NG_LOG_URL" "$NG_LOG_BUF_URL" "$RS_URL"; do
    curl -s -f -H "$AUTH" -o "$WORK/check.json" "$u$DASH_PATH" && cmp -s "$WORK/dash.json" "$WORK/check.json" \
      || die "$u does not serve the same bytes"
  done
  echo "== wrk with the access log on for both servers: $REPS interleaved rounds (load $(loadavg))"
  for r in $(seq "$REPS"); do
    IDLE=$($UTIL quiet --max-wait "$QUIET_WAIT" --idle 0.8)
    echo "   round $r (idle before: $IDLE)"
    run_wrk readside-log "$RS_URL$DASH_PATH" "$r" "$RS_PID"
    run_wrk nginx-log "$NG_LOG_URL$DASH_PATH" "$r" $(nginx_pids)
    run_wrk nginx-log-buf "$NG_LOG_BUF_URL$DASH_PATH" "$r" $(nginx_pids)
  done
  curl -s -f -o "$WORK/metrics.log" "$RS_URL/metrics"
  stop_readside  # writes what the log holds
  # Complete? Every dashboard request the server counted has its line, none was dropped.
  record "$(python3 - "$WORK/metrics.log" "$RS_LOG" "$WORK/nginx-access.log" "$WORK/nginx-access-buf.log" <<'PY'
import json, re, sys
metrics = open(sys.argv[1]).read()
count = re.search(r'^readside_http_handling_seconds_count\{route="/analytics/dashboard/\{org\}"\}\s+(\S+)$',
                  metrics, re.M)
dropped = re.search(r"^readside_access_log_dropped_total\s+(\S+)$", metrics, re.M)
lines = bad = 0
with open(sys.argv[2], "rb") as f:
    for line in f:
        try:
            if json.loads(line)["route"] == "/analytics/dashboard/{org}":
                lines += 1
        except (ValueError, KeyError):
            bad += 1
nginx = [sum(1 for _ in open(p, "rb")) for p in sys.argv[3:]]
import os
print(json.dumps({"kind": "logcheck", "readside_dashboard_lines": lines, "readside_bad_lines": bad,
                  "readside_dashboard_requests": int(float(count.group(1))) if count else None,
                  "readside_dropped": int(float(dropped.group(1))) if dropped else None,
                  "readside_log_bytes": os.path.getsize(sys.argv[2]),
                  "nginx_lines": nginx[0], "nginx_buf_lines": nginx[1]}))
PY
)"
  tail -1 "$RESULTS"
  cmdlog "readside serve --access-log FILE; nginx: access_log FILE rs_json (nginx-log) and access_log FILE rs_json buffer=64k flush=1s (nginx-log-buf), log_format rs_json escape=json with readside's fields; wrk as above on the dashboard, interleaved, $REPS rounds"
fi
stop_pid "$NGINX_PID" 10; NGINX_PID=""

$UTIL quiet --max-wait "$QUIET_WAIT" --idle 0.8 > /dev/null
echo "== handler timed in-process on the loaded data (dashboard_handler_bench)"
for t in 1 2; do
  "$BUILD/bench/dashboard_handler_bench" --data-dir "$DATA" --org "$ORG" --period "$PERIOD" \
    --seconds 3 --threads $t --expect-bytes "$DASH_BYTES" > "$WORK/handler.json"
  rec=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['kind']='handler'; print(json.dumps(d))" "$WORK/handler.json")
  record "$rec"
  python3 -c "import json,sys; d=json.loads(sys.argv[1]); x=d['dashboard_dispatch']; c=d.get('dashboard_cached_dispatch') or {}; print('   %d thread(s): dashboard build p50 %.1f us, p99 %.1f us, mean %.1f us; cache hit p50 %.2f us, p99 %.2f us; /health/live p50 %.2f us' % (d['threads'], x['p50_us'], x['p99_us'], x['mean_us'], c.get('p50_us', 0), c.get('p99_us', 0), d['health_live_dispatch']['p50_us']))" "$rec"
done
cmdlog "$SRC_BUILD/bench/dashboard_handler_bench --data-dir TMP --org $ORG --period $PERIOD --seconds 3 --threads 1|2"
echo "== GET /dashboards/$ORG (12 widgets) timed in-process (dashboards_handler_bench)"
for t in 1 2; do
  "$BUILD/bench/dashboards_handler_bench" --data-dir "$DATA" --org "$ORG" --period "$PERIOD" \
    --widgets bench/dashboard_widgets.json --seconds 3 --threads $t > "$WORK/handler.json"
  rec=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['kind']='dashboards_handler'; print(json.dumps(d))" "$WORK/handler.json")
  record "$rec"
  python3 -c "import json,sys; d=json.loads(sys.argv[1]); x=d['dashboards_dispatch']; a=d['analytics_dashboard_uncached_dispatch']; c=d['dashboards_dispatch_cpu']; cs=d['dashboards_context_switches']; print('   %d thread(s): %d widgets, %d bytes: p50 %.1f us, p99 %.1f us, p99.9 %.1f us (histogram bucket p99 %.0f us; on-CPU p99 %.1f us, p99.9 %.1f us; preempted %d times, waited %d); /analytics/dashboard uncached p50 %.1f us, p99 %.1f us; setup changes %d' % (d['threads'], d['widgets'], d['dashboards_bytes'], x['p50_us'], x['p99_us'], x['p999_us'], d['dashboards_bucket_p99_us'], c['p99_us'], c['p999_us'], cs['involuntary'], cs['voluntary'], a['p50_us'], a['p99_us'], d['setup_changes']))" "$rec"
done
cmdlog "$SRC_BUILD/bench/dashboards_handler_bench --data-dir TMP --org $ORG --period $PERIOD --widgets bench/dashboard_widgets.json --seconds 3 --threads 1|2"

# ------------------------------------------------------------------------------ PostgreSQL
if [ "$PG_PEER" = 1 ]; then
echo "== PostgreSQL 15: the dashboard numbers by SQL over the raw events (load $(loadavg))"
PGDIR=$(mktemp -d /tmp/dashboard_bench_pg.XXXXXX)
chown postgres "$PGDIR"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust > /dev/null
PGPORT=$($UTIL freeport)
runuser -u postgres -- "$PGBIN/pg_ctl" -w -D "$PGDIR/data" -l "$PGDIR/log" \
  -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1" start > /dev/null
psql_() { runuser -u postgres -- psql -h "$PGDIR" -p "$PGPORT" -q -v ON_ERROR_STOP=1 "$@"; }
cp "$EV" "$PGDIR/events.ndjson"; chown postgres "$PGDIR/events.ndjson"
psql_ -c "CREATE TABLE events (position bigserial PRIMARY KEY, body jsonb NOT NULL)"
psql_ -c "\\copy events(body) FROM '$PGDIR/events.ndjson' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
psql_ -c "CREATE INDEX ON events ((body->>'organization_id'), (body->>'event_type'), (body->>'timestamp'))" \
      -c "CREATE INDEX ON events ((body->>'organization_id'), ((body->'data')->>'entity_id'), position)" \
      -c "VACUUM ANALYZE events"
rows=$(psql_ -t -A -c "SELECT count(*) FROM events")
echo "   $rows rows"
sed -e "s/@ORG@/$ORG/g" -e "s/@PS@/$PS/g" -e "s/@PE@/$PE/g" bench/dashboard_direct.sql.in \
  > "$PGDIR/dashboard.sql"
chown postgres "$PGDIR/dashboard.sql"
psql_ --csv -f "$PGDIR/dashboard.sql" > "$WORK/sql.csv"
(echo "EXPLAIN (ANALYZE, TIMING OFF)"; cat "$PGDIR/dashboard.sql") > "$PGDIR/explain.sql"
chown postgres "$PGDIR/explain.sql"
psql_ -f "$PGDIR/explain.sql" > "$WORK/explain.txt"
record "$(python3 -c "
import re,json,sys; m=re.search(r'Execution Time: ([\d.]+) ms', open(sys.argv[1]).read())
print(json.dumps({'kind':'pg_explain','execution_ms': float(m.group(1)) if m else None}))" "$WORK/explain.txt")"
CHECK=$($UTIL compare "$WORK/dash.json" "$WORK/sql.csv")
record "$CHECK"
python3 -c "
import json,sys; d=json.loads(sys.argv[1])
print('   SQL vs readside: %d of %d numbers equal' % (len(d['rows'])-d['mismatches'], len(d['rows'])))
for r in d['rows']:
    if not r['equal']: print('   MISMATCH %s: readside %s, SQL %s' % (r['metric'], r['readside'], r['sql']))" "$CHECK"
for c in $PG_CLIENTS; do
  $UTIL quiet --max-wait "$QUIET_WAIT" --idle 0.8 > /dev/null
  rm -f "$PGDIR"/pgb.*
  (cd "$PGDIR" && runuser -u postgres -- pgbench -h "$PGDIR" -p "$PGPORT" -n -M prepared -c "$c" -j "$c" \
    -T "$PG_SECONDS" -l --log-prefix="$PGDIR/pgb" -f "$PGDIR/dashboard.sql" postgres) > "$WORK/pgbench.txt" 2>&1 \
    || { cat "$WORK/pgbench.txt"; die "pgbench failed"; }
  rec=$($UTIL pgbench "$WORK/pgbench.txt" "$PGDIR/pgb" --clients "$c")
  record "$rec"
  python3 -c "import json,sys; r=json.loads(sys.argv[1]); print('   pgbench -c %d: %.2f tps, latency avg %.1f ms' % (r['clients'], r['tps'] or 0, r['latency_avg_ms'] or 0))" "$rec"
done
cmdlog "pgbench -n -M prepared -c C -j C -T $PG_SECONDS -l -f dashboard.sql   # C in $PG_CLIENTS; dashboard.sql = bench/dashboard_direct.sql.in with $ORG, $PS, $PE"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" stop -m fast > /dev/null
rm -rf "$PGDIR"; PGDIR=""
fi

# ------------------------------------------------------------------------------ freshness
LIVE_START="" PROBE=""
if [ "$FRESHNESS" = 1 ]; then
echo "== freshness at $FRESH_RATE events/s on top of the loaded store (load $(loadavg))"
start_readside "$DATA"
wait_applied
LIVE_START=$($UTIL nextday "$EV")
LIVE_PERIOD=${LIVE_START:0:7}
PROBE="/analytics/dashboard/$ORG?period=$LIVE_PERIOD"
seed=2
for b in $FRESH_BATCHES; do
  n=$(python3 -c "print(int($FRESH_RATE * ($FRESH_SECONDS + $FRESH_WARMUP + 2)))")
  "$BUILD/readside" generate --seed $seed --count "$n" --start "$LIVE_START" --tenants "$TENANTS" \
    --out "$WORK/live.ndjson"
  $UTIL quiet --max-wait "$QUIET_WAIT" --idle 0.8 > /dev/null
  timeout $((FRESH_SECONDS + 120)) "$BUILD/bench/freshness_load" "$RS_URL" "$WORK/live.ndjson" \
    --rate "$FRESH_RATE" --batch "$b" --seconds "$FRESH_SECONDS" --warmup "$FRESH_WARMUP" \
    --senders 4 --watchers 8 --wait-ms 1000 --probe "$PROBE" \
    --samples "$OUT/dashboard_freshness_batch$b.txt" > "$WORK/fresh.json" \
    || { cat "$WORK/fresh.json"; die "freshness_load failed"; }
  rec=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['kind']='freshness'; d['samples_file']=sys.argv[2]; d['load_before']=sys.argv[3]; print(json.dumps(d))" "$WORK/fresh.json" "$OUT/dashboard_freshness_batch$b.txt" "$(loadavg)")
  record "$rec"
  python3 -c "import json,sys; d=json.loads(sys.argv[1]); a=d['ack_to_visible_ms']; print('   batch %d: %.0f events/s over %.1f s; ack->visible p50 %.2f ms, p99 %.2f ms, max %.2f ms; POST p99 %.1f ms; timeouts %d' % (d['batch'], d['achieved_events_per_second'], d['measured_seconds'], a['p50'], a['p99'], a['max'], d['post_ms']['p99'], d['timeouts']))" "$rec"
  cmdlog "$SRC_BUILD/readside generate --seed $seed --count $n --start $LIVE_START --tenants $TENANTS --out live.ndjson"
  cmdlog "$SRC_BUILD/bench/freshness_load URL live.ndjson --rate $FRESH_RATE --batch $b --seconds $FRESH_SECONDS --warmup $FRESH_WARMUP --senders 4 --watchers 8 --wait-ms 1000 --probe '$PROBE'"
  seed=$((seed + 1))
  rm -f "$WORK/live.ndjson"
done
stop_readside
fi

# ------------------------------------------------------------------------------ report
python3 - "$HEADCHK" "$LIVECHK" "$DASH_REQS" "$DASH_PATH" "$DASH_BYTES" >> "$RESULTS" <<'PY'
import json, sys
head, live, dash_reqs, path, size = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3] or 0), sys.argv[4], sys.argv[5]
if dash_reqs == 0:
    print(json.dumps({"kind": "bug", "text":
        "**Analytics requests are missing from `/metrics`.** After the wrk runs above, `/metrics` has "
        "no `readside_http_requests_total` / `readside_http_handling_seconds` series for "
        "`/analytics/dashboard/{org}` at all (the `/health/live` runs are all there). Repro: "
        "`curl 'URL%s'` a few times, then `curl -s URL/metrics | grep dashboard` prints nothing. "
        "Cause: `ServeView` (src/http/routes_analytics.cc) moves the `Request` out of the `Request&` "
        "it is handed (`std::make_shared<Request>(std::move(req))`); `Session::Send` "
        "(src/http/server.cc) then reads `req.method` and `req.request_id` from the moved-from "
        "object, so `observer` is skipped (`!req.method.empty()`), and the same holds for every "
        "route built on ServeView (all `/analytics/*`)." % path}))
if not head.get("has_request_id"):
    print(json.dumps({"kind": "bug", "text":
        "**No `X-Request-Id` on analytics responses** (same cause): `/health/live` answers carry "
        "one, `%s` does not." % path}))
if head.get("bytes_after_headers", 0) > 0:
    print(json.dumps({"kind": "bug", "text":
        "**`HEAD` on an analytics route sends the body** (same cause: `Send` checks "
        "`req.method != \"HEAD\"` on the moved-from request, whose method is empty). Repro: "
        "`printf 'HEAD %s HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | nc 127.0.0.1 PORT` returns the headers "
        "followed by %d body bytes (Content-Length %s); a keep-alive client then reads those bytes "
        "as the start of its next response. `HEAD /health/live` correctly sends %d bytes after the "
        "headers." % (path, head["bytes_after_headers"], head.get("content_length"),
                      live.get("bytes_after_headers", 0))}))
PY

printf '%s\n' "${COMMANDS[@]}" > "$WORK/commands.txt"
CPU_MODEL=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
python3 - "$RESULTS" "$WORK/commands.txt" <<PY
import json, sys
meta = {"kind": "meta", "date": "$(date -u +%Y-%m-%dT%H:%MZ)", "cores": $(nproc),
        "cpu": "$CPU_MODEL", "mem": "$(free -g | awk '/Mem:/{print $2}') GiB",
        "kernel": "$(uname -r)", "loadavg": "$LOAD_START", "events": $EVENTS,
        "tenants": "$TENANTS", "events_bytes": $(stat -c %s "$EV"), "org": "$ORG",
        "period": "$PERIOD", "dashboard_bytes": $DASH_BYTES, "small_bytes": $SMALL_BYTES,
        "wrk_conns": $WRK_CONNS, "wrk_threads": $WRK_THREADS, "wrk_seconds": $WRK_SECONDS,
        "pg_seconds": $PG_SECONDS, "quiet_wait": $QUIET_WAIT, "fresh_probe": "$PROBE", "live_start": "$LIVE_START",
        "commands": open(sys.argv[2]).read().splitlines()}
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(meta) + "\n")
PY
cp "$RESULTS" "$RESULT_JSONL"
$UTIL report "$RESULTS" "$RESULT_MD"
echo
sed -n '/^## Summary/,/^## 1\./p' "$RESULT_MD" | head -n -1
echo "full report: $RESULT_MD"
