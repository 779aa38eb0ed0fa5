#!/usr/bin/env bash
# Live updates over WebSocket (issue 13) next to a Node.js `ws` server fanning out the same
# bytes, in the same run (bench/README.md, "Live updates"):
#   1. events: `readside generate` once per tenant (LIVE_TENANTS tenants of the same size, seed =
#      the tenant's number, timestamps from 2024-03-04, so every event falls in PERIOD);
#   2. readside, ingest alone: `readside serve` on a fresh data directory, live_load with no
#      clients posting the events at RATE events/s (batches of BATCH events of one tenant):
#      the server's CPU for ingest without live updates;
#   3. readside: a fresh server, CLIENTS WebSocket clients over the tenants and DOMAINS subscribe
#      to PERIOD, then the same ingest; latency from a batch's acknowledgment to the updates
#      showing it, messages delivered, server CPU and RSS; one client per (tenant, domain)
#      records every message it got;
#   4. the peer: bench/live_peer/server.js, the same CLIENTS clients, a publisher replaying the
#      record of 3. (the same bytes at the same instants); latency from the publisher's send.
#   5. saturation, once: readside with batches of LIVE_SAT_BATCH at the same rate, so every
#      tenant's state changes more often than the 10 messages/s a subscription may get (the
#      most readside sends by design), then the peer replaying that record at 1×, 2×, 4× its
#      speed: the fan-out each server delivers when offered more.
# Steps 2-4 run LIVE_ROUNDS times, interleaved. Every run is a JSON line in bench/out/live.jsonl; the
# summary (medians over the rounds, ratios) is bench/out/live.json.
# Usage: bench/live_bench.sh   (after `ninja -C build readside bench/live_load`; node and
# bench/live_peer/node_modules from scripts/install-deps).
# Environment (defaults): BUILD=build LIVE_CLIENTS=10000 LIVE_TENANTS=50 LIVE_RATE=20000
#   LIVE_BATCH=100 LIVE_SECONDS=30 (measured) LIVE_WARMUP=5 LIVE_ROUNDS=2
#   LIVE_DOMAINS=crm,finance,inventory,projects,hrm LIVE_PERIOD=2024-03 LIVE_THREADS=2 (the load
#   client's I/O threads) LIVE_BASELINE=1 (0 skips step 2) LIVE_SATURATION=1 (0 skips step 5)
#   LIVE_SAT_BATCH=20 LIVE_SAT_SPEEDS="1 2 4" LIVE_QUIET_WAIT=60
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CLIENTS=${LIVE_CLIENTS:-10000}
TENANTS=${LIVE_TENANTS:-50}
RATE=${LIVE_RATE:-20000}
BATCH=${LIVE_BATCH:-100}
SECONDS_=${LIVE_SECONDS:-30}  # not SECONDS: bash counts its own time in that one
WARMUP=${LIVE_WARMUP:-5}
ROUNDS=${LIVE_ROUNDS:-2}
DOMAINS=${LIVE_DOMAINS:-crm,finance,inventory,projects,hrm}
PERIOD=${LIVE_PERIOD:-2024-03}
THREADS=${LIVE_THREADS:-2}
BASELINE=${LIVE_BASELINE:-1}
SATURATION=${LIVE_SATURATION:-1}
SAT_BATCH=${LIVE_SAT_BATCH:-20}
SAT_SPEEDS=${LIVE_SAT_SPEEDS:-"1 2 4"}
QUIET_WAIT=${LIVE_QUIET_WAIT:-60}  # seconds to wait for an idle VM before each measured phase
OUT=bench/out
PEER_DIR=bench/live_peer

die() { echo "live_bench: $*" >&2; exit 1; }
command -v node > /dev/null || die "node is missing: run scripts/install-deps"
[ -d $PEER_DIR/node_modules/ws ] || die "$PEER_DIR/node_modules is missing: run scripts/install-deps"
for bin in readside bench/live_load; do
  [ -x "$BUILD/$bin" ] || die "$BUILD/$bin is missing: run ninja -C $BUILD readside bench/live_load"
done
# One socket per client in this process and one in the server's: raise the soft limit (the
# hard one too when root may).
need=$((CLIENTS + 1024))
[ "$(ulimit -Hn)" -ge $need ] || ulimit -Hn $need 2> /dev/null || true
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $need ] || die "ulimit -n is $(ulimit -n); $CLIENTS clients need $need (raise the hard limit)"
mkdir -p $OUT

WORK=$(mktemp -d /tmp/live_bench.XXXXXX)
# Private copies of the binaries: one consistent build for the whole run.
mkdir -p "$WORK/bin/bench"
cp "$BUILD/readside" "$WORK/bin/readside"
cp "$BUILD/bench/live_load" "$WORK/bin/bench/live_load"
SRC_BUILD=$BUILD
BUILD=$WORK/bin
PID=""
stop_pid() {  # SIGTERM, wait up to 30 s, then SIGKILL
  local pid=$1
  kill -TERM "$pid" 2> /dev/null || return 0
  for _ in $(seq 300); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
}
cleanup() {
  set +e
  [ -n "$PID" ] && stop_pid "$PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$WORK/jwt-secret"
READSIDE_TOKEN=$("$BUILD/readside" token --secret-file "$WORK/jwt-secret" --org '*' --roles admin --ttl 1d)
export READSIDE_TOKEN

start_server() {  # log file, command... → PID, URL (from its "listening on" line)
  local log=$1; shift
  : > "$log"
  "$@" > "$log" 2>&1 &
  PID=$!
  for _ in $(seq 600); do
    grep -q "listening on" "$log" && break
    kill -0 "$PID" 2> /dev/null || { cat "$log"; die "$1 exited"; }
    sleep 0.1
  done
  URL=$(grep -o "listening on [a-z]*://[0-9.:]*" "$log" | head -1 | cut -d' ' -f3)
  [ -n "$URL" ] || die "$1 did not start"
}
start_readside() {
  rm -rf "$WORK/data"
  start_server "$WORK/serve.log" "$BUILD/readside" serve --data-dir "$WORK/data" --listen 127.0.0.1:0 \
    --jwt-secret-file "$WORK/jwt-secret" --access-log off --rate-limit-per-tenant 0 \
    --rate-limit-per-token 0 --max-connections $((CLIENTS + 1000)) --max-connections-per-ip 0
}
start_peer() { start_server "$WORK/peer.log" node $PEER_DIR/server.js --listen 127.0.0.1:0; }
stop_server() { stop_pid "$PID"; PID=""; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# Waits (at most QUIET_WAIT s) until other users of the VM leave 80 % of it idle; prints the
# idle fraction and the load average, which go into the run's record.
quiet() { echo "idle $(python3 bench/dashboard_bench.py quiet --max-wait "$QUIET_WAIT" --idle 0.8), load $(loadavg)"; }

# ------------------------------------------------------------------------------ events
# Each tenant is generated alone, so every one is the simulator's large company (the first
# tenant of a run is large, the others mid or small) and all get the same rate. The default
# density (0.05 simulated events/s) spreads them over 3-4 simulated days from 2024-03-04.
PER_TENANT=$(python3 -c "
import math
n=lambda b: math.ceil($RATE*($WARMUP+$SECONDS_)/b/$TENANTS)*b
print(max(n($BATCH), n($SAT_BATCH)) + $BATCH)")
echo "== generating $PER_TENANT events for each of $TENANTS tenants"
EV=$WORK/events.ndjson
: > "$EV"
for t in $(seq "$TENANTS"); do
  "$BUILD/readside" generate --seed "$t" --tenants "$(printf 'tenant-%02d' "$t")" \
    --start 2024-03-04T00:00:00Z --count "$PER_TENANT" --out - >> "$EV"
done
echo "   $(wc -l < "$EV") events, $(($(stat -c %s "$EV") / 1024 / 1024)) MiB"

LOAD_ARGS=(--rate "$RATE" --batch "$BATCH" --seconds "$SECONDS_" --warmup "$WARMUP" --period "$PERIOD"
           --domains "$DOMAINS" --threads "$THREADS")
: > $OUT/live.jsonl
record() {  # kind round file
  python3 -c "
import json,sys; d=json.loads(open(sys.argv[3]).read().strip().splitlines()[-1])
d['kind']=sys.argv[1]; d['round']=int(sys.argv[2]); d['before']=sys.argv[4]
print(json.dumps(d))" "$1" "$2" "$3" "$4" >> $OUT/live.jsonl
}

for round in $(seq "$ROUNDS"); do
  if [ "$BASELINE" = 1 ]; then
    echo "== round $round: readside, ingest alone at $RATE events/s (load $(loadavg))"
    la=$(quiet); echo "   $la"
    start_readside
    "$BUILD/bench/live_load" readside "$URL" "$EV" --clients 0 --server-pid "$PID" "${LOAD_ARGS[@]}" \
      > "$WORK/base.json" || { cat "$WORK/base.json" "$WORK/serve.log"; die "live_load failed"; }
    cat "$WORK/base.json"
    record ingest-only "$round" "$WORK/base.json" "$la"
    stop_server
  fi

  echo "== round $round: readside, $CLIENTS clients over $TENANTS tenants, ingest at $RATE events/s (load $(loadavg))"
  la=$(quiet); echo "   $la"
  start_readside
  "$BUILD/bench/live_load" readside "$URL" "$EV" --clients "$CLIENTS" --server-pid "$PID" \
    --record "$WORK/record.tsv" "${LOAD_ARGS[@]}" > "$WORK/readside.json" \
    || { cat "$WORK/readside.json"; tail -20 "$WORK/serve.log"; die "live_load failed"; }
  cat "$WORK/readside.json"
  record readside "$round" "$WORK/readside.json" "$la"
  stop_server
  echo "   record: $(($(wc -l < "$WORK/record.tsv") - 1)) messages of $(cut -f1 "$WORK/record.tsv" | sort -u | wc -l) groups"

  echo "== round $round: Node.js ws peer, $CLIENTS clients, the record replayed (load $(loadavg))"
  la=$(quiet); echo "   $la"
  start_peer
  "$BUILD/bench/live_load" peer "$URL" "$WORK/record.tsv" --clients "$CLIENTS" --server-pid "$PID" \
    --threads "$THREADS" > "$WORK/peer.json" || { cat "$WORK/peer.json"; die "live_load peer failed"; }
  cat "$WORK/peer.json"
  record peer "$round" "$WORK/peer.json" "$la"
  stop_server
done

if [ "$SATURATION" = 1 ]; then
  echo "== saturation: readside, batches of $SAT_BATCH at $RATE events/s (load $(loadavg))"
  la=$(quiet); echo "   $la"
  start_readside
  "$BUILD/bench/live_load" readside "$URL" "$EV" --clients "$CLIENTS" --server-pid "$PID" \
    --record "$WORK/record-sat.tsv" "${LOAD_ARGS[@]}" --batch "$SAT_BATCH" > "$WORK/readside.json" \
    || { cat "$WORK/readside.json"; tail -20 "$WORK/serve.log"; die "live_load failed"; }
  cat "$WORK/readside.json"
  record readside-sat 1 "$WORK/readside.json" "$la"
  stop_server
  for speed in $SAT_SPEEDS; do
    echo "== saturation: Node.js ws peer, that record at ${speed}× (load $(loadavg))"
    la=$(quiet); echo "   $la"
    start_peer
    "$BUILD/bench/live_load" peer "$URL" "$WORK/record-sat.tsv" --clients "$CLIENTS" --server-pid "$PID" \
      --threads "$THREADS" --speed "$speed" > "$WORK/peer.json" || { cat "$WORK/peer.json"; die "live_load peer failed"; }
    cat "$WORK/peer.json"
    record "peer-sat" 1 "$WORK/peer.json" "$la"
    stop_server
  done
fi

python3 - "$OUT/live.jsonl" "$OUT/live.json" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(kind, *path):
    vals = []
    for r in rows:
        if r['kind'] != kind:
            continue
        v = r
        for p in path:
            v = v[p]
        vals.append(v)
    return st.median(vals) if vals else None
s = {'rounds': max(r['round'] for r in rows), 'clients': rows[-1]['clients'],
     'tenants': rows[-1]['tenants'], 'groups': rows[-1]['groups'],
     'rate': next(r['target_events_per_second'] for r in rows if r['kind'] == 'readside'),
     'batch': next(r['batch'] for r in rows if r['kind'] == 'readside')}
for kind in ('readside', 'peer', 'ingest-only'):
    if not any(r['kind'] == kind for r in rows):
        continue
    k = {q: med(kind, 'latency_ms', q) for q in ('p50', 'p95', 'p99', 'max')}
    k['messages_per_second'] = med(kind, 'messages_per_second')
    k['server_cpu_cores'] = med(kind, 'server', 'cpu_cores')
    k['server_cpu_cores_per_1000_clients'] = med(kind, 'server', 'cpu_cores_per_1000_clients')
    k['server_rss_mb_before'] = med(kind, 'server', 'rss_mb_before')
    k['server_rss_mb_connected'] = med(kind, 'server', 'rss_mb_connected')
    k['server_rss_mb_peak'] = med(kind, 'server', 'rss_mb_peak')
    k['server_rss_mb_per_1000_clients'] = med(kind, 'server', 'rss_mb_per_1000_clients')
    k['load_client_cpu_cores'] = med(kind, 'load_client_cpu_cores')
    k['machine_busy_cores'] = med(kind, 'machine_busy_cores')
    k['connect_failed'] = max(r['connect_failed'] for r in rows if r['kind'] == kind)
    k['closed'] = max(r['closed'] for r in rows if r['kind'] == kind)
    s[kind] = k
rs, pe, base = s.get('readside'), s.get('peer'), s.get('ingest-only')
if rs and base:
    rs['fanout_cpu_cores'] = round(rs['server_cpu_cores'] - base['server_cpu_cores'], 3)
    rs['fanout_cpu_cores_per_1000_clients'] = round(rs['fanout_cpu_cores'] / (s['clients'] / 1000), 4)
if rs and pe:
    ratio = lambda a, b: round(a / b, 2) if a and b else None
    s['ratio'] = {
        # > 1: readside delivers more messages per second / per CPU-second than the peer
        'messages_per_second': ratio(rs['messages_per_second'], pe['messages_per_second']),
        'messages_per_cpu_second': ratio(rs['messages_per_second'] / rs['server_cpu_cores'],
                                         pe['messages_per_second'] / pe['server_cpu_cores']),
        'messages_per_fanout_cpu_second': ratio(rs['messages_per_second'] / rs['fanout_cpu_cores'],
                                                pe['messages_per_second'] / pe['server_cpu_cores'])
        if rs.get('fanout_cpu_cores') else None,
        # > 1: readside's latency is that many times the peer's
        'latency_p50': ratio(rs['p50'], pe['p50']),
        'latency_p95': ratio(rs['p95'], pe['p95']),
        'latency_p99': ratio(rs['p99'], pe['p99']),
    }
sat_rs = [r for r in rows if r['kind'] == 'readside-sat']
sat_pe = [r for r in rows if r['kind'] == 'peer-sat']
if sat_rs and sat_pe:
    brief = lambda r: {'messages_per_second': r['messages_per_second'], 'p50': r['latency_ms']['p50'],
                       'p95': r['latency_ms']['p95'], 'p99': r['latency_ms']['p99'],
                       'server_cpu_cores': r['server']['cpu_cores'], 'machine_busy_cores': r['machine_busy_cores']}
    sat = {'batch': sat_rs[0]['batch'], 'readside': brief(sat_rs[0]),
           'peer': {str(r['speed']): brief(r) for r in sat_pe}}
    # The peer's ceiling: the most it delivered at any speed.
    sat['peer_max_messages_per_second'] = max(r['messages_per_second'] for r in sat_pe)
    # ... and the most it delivered while its p99 stayed within readside's target (100 ms).
    sat['peer_max_messages_per_second_p99_le_100ms'] = max(
        [r['messages_per_second'] for r in sat_pe if r['latency_ms']['p99'] <= 100] or [None])
    sat['ratio_max_messages_per_second'] = round(
        sat_rs[0]['messages_per_second'] / sat['peer_max_messages_per_second'], 2)
    s['saturation'] = sat
json.dump(s, open(sys.argv[2], 'w'), indent=1)
print(json.dumps(s))
PY
