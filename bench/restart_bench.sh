#!/usr/bin/env bash
# Restart time of `readside serve` with a read-model snapshot, against a full replay of the
# same store (the peer measured in the same run).
#   bench/restart_bench.sh              (after `make build`)
# Environment: EVENTS (default 10000000), REPS (default 3), BUILD (default build).
# Prints one JSON line: {"events", "snapshot_bytes", "with_snapshot_s", "full_replay_s", …}.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EVENTS=${EVENTS:-10000000}
REPS=${REPS:-3}
OUT=bench/out
mkdir -p $OUT
dir=$(mktemp -d /tmp/readside-restart-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

start() {
  $BUILD/readside serve --data-dir "$dir/data" --listen 127.0.0.1:0 \
    --jwt-secret-file "$dir/jwt-secret" --access-log off > "$dir/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do grep -q "listening on" "$dir/serve.log" && break; sleep 0.05; done
  url=$(grep -o "http://[0-9.:]*" "$dir/serve.log" | head -1)
}
stop() { kill -TERM "$pid"; wait "$pid" || true; pid=; }
# Seconds from exec to /health/ready answering 200 with applied == stored, in $ready_s.
time_to_ready() {
  local t0 t1
  t0=$(date +%s.%N)
  start
  until curl -sf "$url/health/ready" | python3 -c "
import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['applied_position']==d['stored_position'] else 1)" 2>/dev/null
  do sleep 0.01; done
  t1=$(date +%s.%N)
  ready_s=$(python3 -c "print(round($t1 - $t0, 3))")
}

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/jwt-secret"
READSIDE_TOKEN=$($BUILD/readside token --secret-file "$dir/jwt-secret" --org '*' --roles admin)
export READSIDE_TOKEN  # for `readside ingest`
echo "== generating and ingesting $EVENTS events" >&2
$BUILD/readside generate --seed 3 --count "$EVENTS" --tenants acme-corp,beta-inc,gamma-llc,delta-co \
  --out "$dir/events.ndjson"
start
$BUILD/readside ingest "$dir/events.ndjson" --url "$url" --batch 5000 --no-progress >&2
rm -f "$dir/events.ndjson"
until curl -sf "$url/health/ready" | python3 -c "
import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['applied_position']==d['stored_position'] else 1)" 2>/dev/null
do sleep 0.2; done
stop  # writes the snapshot
snapshot_bytes=$(stat -c %s "$dir/data/snapshots/model.snap")

with=(); without=()
for r in $(seq "$REPS"); do
  time_to_ready; with+=("$ready_s"); stop
  mv "$dir/data/snapshots/model.snap" "$dir/model.snap.kept"
  time_to_ready; without+=("$ready_s")
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=   # no snapshot written
  mv "$dir/model.snap.kept" "$dir/data/snapshots/model.snap"
done
loaded=$(grep -o "loaded from the snapshot.*" "$dir/serve.log" | tail -1 || true)
printf '{"events": %s, "snapshot_bytes": %s, "with_snapshot_s": %s, "full_replay_s": %s, "runs_with": "%s", "runs_without": "%s"}\n' \
  "$EVENTS" "$snapshot_bytes" "$(printf '%s\n' "${with[@]}" | median)" \
  "$(printf '%s\n' "${without[@]}" | median)" "${with[*]}" "${without[*]}"
