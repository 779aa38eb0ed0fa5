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
#      most readside sends by design), then the peer replaying that record at the instants
#      readside delivered it (--schedule recv) at 1×, 2×, 4× that speed: the peer's ceiling
#      against what readside delivered.
# Steps 2-4 run LIVE_ROUNDS times, interleaved. Every run is a JSON line in bench/out/live.jsonl;
# bench/live_bench.py writes the summary (medians over the rounds, ratios) to bench/out/live.json,
# the rows of RESULTS.md to bench/out/live_rows.md and every run to bench/out/live_results.md
# (bench/run.sh copies it to bench/LIVE.md).
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

# Enough sender connections that the open-loop schedule holds while POSTs slow down under
# the fan-out (a quarter of the batches per second: answers up to 250 ms keep up).
senders() { python3 -c "print(max(32, round($RATE / $1 / 4)))"; }
LOAD_ARGS=(--rate "$RATE" --seconds "$SECONDS_" --warmup "$WARMUP" --period "$PERIOD"
           --domains "$DOMAINS" --threads "$THREADS")
BASE_ARGS=("${LOAD_ARGS[@]}" --batch "$BATCH" --senders "$(senders "$BATCH")")
SAT_ARGS=("${LOAD_ARGS[@]}" --batch "$SAT_BATCH" --senders "$(senders "$SAT_BATCH")")
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
    "$BUILD/bench/live_load" readside "$URL" "$EV" --clients 0 --server-pid "$PID" "${BASE_ARGS[@]}" \
      > "$WORK/base.json" || { cat "$WORK/base.json" "$WORK/serve.log"; die "live_load failed"; }
    cat "$WORK/base.json"
    record ingest-only "$round" "$WORK/base.json" "$la"
    stop_server
  fi

  echo "== round $round: readside, $CLIENTS clients over $TENANTS tenants, ingest at $RATE events/s (load $(loadavg))"
  la=$(quiet); echo "   $la"
  start_readside
  "$BUILD/bench/live_load" readside "$URL" "$EV" --clients "$CLIENTS" --server-pid "$PID" \
    --record "$WORK/record.tsv" "${BASE_ARGS[@]}" > "$WORK/readside.json" \
    || { cat "$WORK/readside.json"; tail -20 "$WORK/serve.log"; die "live_load failed"; }
  cat "$WORK/readside.json"
  record readside "$round" "$WORK/readside.json" "$la"
  stop_server
  echo "   record: $(($(wc -l < "$WORK/record.tsv") - 1)) messages of $(tail -n +2 "$WORK/record.tsv" | cut -f1 | sort -u | wc -l) groups"

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
  if [ "$BASELINE" = 1 ]; then
    echo "== saturation: readside, ingest alone, batches of $SAT_BATCH at $RATE events/s"
    la=$(quiet); echo "   $la"
    start_readside
    "$BUILD/bench/live_load" readside "$URL" "$EV" --clients 0 --server-pid "$PID" "${SAT_ARGS[@]}" \
      > "$WORK/base.json" || { cat "$WORK/base.json" "$WORK/serve.log"; die "live_load failed"; }
    cat "$WORK/base.json"
    record ingest-only-sat 1 "$WORK/base.json" "$la"
    stop_server
  fi
  echo "== saturation: readside, batches of $SAT_BATCH at $RATE events/s (load $(loadavg))"
  la=$(quiet); echo "   $la"
  start_readside
  "$BUILD/bench/live_load" readside "$URL" "$EV" --clients "$CLIENTS" --server-pid "$PID" \
    --record "$WORK/record-sat.tsv" "${SAT_ARGS[@]}" > "$WORK/readside.json" \
    || { cat "$WORK/readside.json"; tail -20 "$WORK/serve.log"; die "live_load failed"; }
  cat "$WORK/readside.json"
  record readside-sat 1 "$WORK/readside.json" "$la"
  stop_server
  for speed in $SAT_SPEEDS; do
    echo "== saturation: Node.js ws peer, that record at ${speed}× (load $(loadavg))"
    la=$(quiet); echo "   $la"
    start_peer
    "$BUILD/bench/live_load" peer "$URL" "$WORK/record-sat.tsv" --clients "$CLIENTS" --server-pid "$PID" \
      --threads "$THREADS" --speed "$speed" --schedule recv > "$WORK/peer.json" || { cat "$WORK/peer.json"; die "live_load peer failed"; }
    cat "$WORK/peer.json"
    record "peer-sat" 1 "$WORK/peer.json" "$la"
    stop_server
  done
fi

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
python3 bench/live_bench.py $OUT/live.jsonl --json $OUT/live.json --rows $OUT/live_rows.md \
  --report $OUT/live_results.md --meta "date=$(date -u +%Y-%m-%dT%H:%MZ)" \
  --meta "machine=$(nproc) cores ($cpu), $(free -g | awk '/Mem:/{print $2}') GiB, kernel $(uname -r)" \
  --meta "commit=$(git rev-parse --short HEAD 2> /dev/null || echo '?')" \
  --meta "command=LIVE_CLIENTS=$CLIENTS LIVE_TENANTS=$TENANTS LIVE_RATE=$RATE LIVE_BATCH=$BATCH LIVE_SECONDS=$SECONDS_ LIVE_WARMUP=$WARMUP LIVE_ROUNDS=$ROUNDS LIVE_SATURATION=$SATURATION LIVE_SAT_BATCH=$SAT_BATCH bench/live_bench.sh"
