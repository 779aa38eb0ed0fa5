#!/usr/bin/env bash
# Rate-limit fairness: does a noisy tenant far over its quota slow a quiet tenant down?
#   1. quiet tenant alone: paced_get at $QUIET_RATE req/s (below the quota) → p99 alone;
#   2. the same while the noisy tenant sends $NOISY_RATE req/s (default 10× its quota, open
#      loop with paced_get; most answers are 429) → p99 with the noisy neighbour;
#   3. for reference, 2. again on a server without rate limits;
#   4. and the noisy tenant flooding as fast as wrk can (closed loop, $NOISY_CONNS
#      connections), with limits.
# Both tenants read their cached dashboard. Target (issue 4): the noisy tenant at ≥ 10× its
# quota moves the quiet tenant's p99 by at most 2×. Prints one JSON line per phase and a
# summary line (also written to bench/out/fairness.jsonl).
#   BUILD=build QUOTA=1000 QUIET_RATE=200 SECONDS_PER_PHASE=10 bench/fairness_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
QUOTA=${QUOTA:-1000}
QUIET_RATE=${QUIET_RATE:-200}
SECS=${SECONDS_PER_PHASE:-10}
NOISY_RATE=${NOISY_RATE:-$((QUOTA * 10))}
NOISY_CONNS=${NOISY_CONNS:-32}
OUT=bench/out
mkdir -p $OUT
WORK=$(mktemp -d /tmp/readside-fairness-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$WORK/jwt-secret"
tok() { "$BUILD/readside" token --secret-file "$WORK/jwt-secret" --org "$1" --roles "$2" --ttl 1h; }
ADMIN=$(tok '*' admin)
QUIET=$(tok quiet-org analyst)
NOISY=$(tok noisy-org analyst)

start() {  # extra serve flags...
  : > "$WORK/serve.log"
  "$BUILD/readside" serve --data-dir "$WORK/data" --listen 127.0.0.1:0 \
    --jwt-secret-file "$WORK/jwt-secret" --access-log off "$@" > "$WORK/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -q "listening on" "$WORK/serve.log" && break; sleep 0.1; done
  url=$(grep -o "http://[0-9.:]*" "$WORK/serve.log" | head -1)
  [ -n "$url" ] || { cat "$WORK/serve.log"; exit 1; }
}
stop() { kill -TERM "$pid"; wait "$pid" || true; pid=; }

"$BUILD/readside" generate --seed 3 --count 50000 --tenants quiet-org,noisy-org \
  --start 2024-01-01T00:00:00Z --out "$WORK/events.ndjson"
start
READSIDE_TOKEN=$ADMIN "$BUILD/readside" ingest "$WORK/events.ndjson" --url "$url" --no-progress > /dev/null
until curl -sf "$url/health/ready" | python3 -c "
import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['applied_position']==d['stored_position'] else 1)"
do sleep 0.1; done
stop

QUIET_PATH="/analytics/dashboard/quiet-org?period=2024-01"
NOISY_PATH="/analytics/dashboard/noisy-org?period=2024-01"
phase() {  # name, noisy tenant: no | paced | wrk
  local name=$1 flood=$2
  "$BUILD/bench/paced_get" "$url" "$QUIET_PATH" --rate "$QUIET_RATE" --seconds 2 --token "$QUIET" > /dev/null
  if [ "$flood" = wrk ]; then
    wrk -t1 -c"$NOISY_CONNS" -d$((SECS + 2))s --timeout 5s -H "Authorization: Bearer $NOISY" \
      "$url$NOISY_PATH" > "$WORK/wrk.txt" 2>&1 &
    local wrk_pid=$!
    sleep 1
  elif [ "$flood" = paced ]; then
    "$BUILD/bench/paced_get" "$url" "$NOISY_PATH" --rate "$NOISY_RATE" --seconds $((SECS + 2)) \
      --connections 16 --token "$NOISY" > "$WORK/noisy.json" &
    local wrk_pid=$!
    sleep 1
  fi
  "$BUILD/bench/paced_get" "$url" "$QUIET_PATH" --rate "$QUIET_RATE" --seconds "$SECS" \
    --token "$QUIET" > "$WORK/quiet.json"
  local noisy_rps=0 noisy_non2xx=0
  if [ "$flood" = wrk ]; then
    wait "$wrk_pid"
    noisy_rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
    noisy_non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.txt")
  elif [ "$flood" = paced ]; then
    wait "$wrk_pid" || true
    read -r noisy_rps noisy_non2xx < <(python3 -c "
import json,sys; d=json.load(open(sys.argv[1])); n=d['requests']
print(n / float(sys.argv[2]), n - d['statuses'].get('200', 0))" "$WORK/noisy.json" $((SECS + 2)))
  fi
  python3 -c "
import json,sys
q=json.load(open(sys.argv[1])); q.update(phase=sys.argv[2], noisy_rps=float(sys.argv[3] or 0),
  noisy_non2xx=int(sys.argv[4] or 0), quiet_rate=float(sys.argv[5]))
print(json.dumps(q))" "$WORK/quiet.json" "$name" "$noisy_rps" "${noisy_non2xx:-0}" "$QUIET_RATE"
}

: > $OUT/fairness.jsonl
start --rate-limit-per-tenant "$QUOTA"
phase alone no | tee -a $OUT/fairness.jsonl
phase noisy paced | tee -a $OUT/fairness.jsonl
phase flood wrk | tee -a $OUT/fairness.jsonl
stop
start
phase noisy_unlimited paced | tee -a $OUT/fairness.jsonl
stop
python3 - "$QUOTA" <<'PY' | tee -a $OUT/fairness.jsonl
import json, sys
quota = float(sys.argv[1])
rows = {r["phase"]: r for r in map(json.loads, open("bench/out/fairness.jsonl"))}
a, n, u, f = rows["alone"], rows["noisy"], rows["noisy_unlimited"], rows["flood"]
print(json.dumps({
    "summary": True, "quota_per_tenant": quota,
    "noisy_over_quota": round(n["noisy_rps"] / quota, 1),
    "quiet_p99_alone_ms": a["p99_ms"], "quiet_p99_noisy_ms": n["p99_ms"],
    "quiet_p99_ratio": round(n["p99_ms"] / a["p99_ms"], 2),
    "quiet_p99_noisy_unlimited_ms": u["p99_ms"],
    "flood_over_quota": round(f["noisy_rps"] / quota, 1), "quiet_p99_flood_ms": f["p99_ms"],
    "quiet_non200": sum(c for r in (n, f) for s, c in r["statuses"].items() if s != "200"),
}))
PY
