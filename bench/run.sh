#!/usr/bin/env bash
# Runs every benchmark with its peer in the same run and rewrites bench/RESULTS.md.
#   bench/run.sh            (after `make build`; `make bench` does both)
# Environment: EVENTS (default 400000), REPS (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EVENTS=${EVENTS:-400000}
REPS=${REPS:-5}
OUT=bench/out
mkdir -p $OUT
PGBIN=/usr/lib/postgresql/15/bin

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== generating $EVENTS events"
$BUILD/readside generate --seed 1 --count "$EVENTS" --tenants acme-corp,beta-inc,gamma-llc,delta-co \
  --out $OUT/events.ndjson
bytes=$(stat -c %s $OUT/events.ndjson)

echo "== parse + validate (Google Benchmark, one core)"
$BUILD/bench/parse_bench --benchmark_repetitions=$REPS --benchmark_report_aggregates_only=true \
  --benchmark_format=json > $OUT/parse.json
parse_eps=$(python3 -c "
import json; d=json.load(open('$OUT/parse.json'))
print(int([b for b in d['benchmarks'] if b['name']=='BM_ParseAndValidate_median'][0]['items_per_second']))")
dom_eps=$(python3 -c "
import json; d=json.load(open('$OUT/parse.json'))
print(int([b for b in d['benchmarks'] if b['name']=='BM_SimdjsonDomParseOnly_median'][0]['items_per_second']))")
batch_eps=$(python3 -c "
import json; d=json.load(open('$OUT/parse.json'))
print(int([b for b in d['benchmarks'] if b['name']=='BM_ParseNdjsonBatch_median'][0]['items_per_second']))")

echo "== durable HTTP ingest: 4 clients x batches of 1000"
ingest_runs=()
p99_runs=()
for r in $(seq "$REPS"); do
  dir=$(mktemp -d)
  $BUILD/readside serve --data-dir "$dir" --listen 127.0.0.1:0 > $OUT/serve.log 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q "listening on" $OUT/serve.log && break; sleep 0.1; done
  url=$(grep -o "http://[0-9.:]*" $OUT/serve.log | head -1)
  $BUILD/bench/ingest_load "$url" $OUT/events.ndjson --clients 4 --batch 1000 > $OUT/ingest.json
  cat $OUT/ingest.json
  ingest_runs+=("$(python3 -c "import json; print(json.load(open('$OUT/ingest.json'))['events_per_second'])")")
  p99_runs+=("$(python3 -c "import json; print(json.load(open('$OUT/ingest.json'))['p99_ms'])")")
  kill -TERM $pid; wait $pid || true
  rm -rf "$dir"
done
ingest_eps=$(printf '%s\n' "${ingest_runs[@]}" | median)
p99=$(printf '%s\n' "${p99_runs[@]}" | median)

echo "== PostgreSQL 15 COPY of the same file (fsync on, one transaction, same indexes)"
pgdir=$(mktemp -d); chown postgres "$pgdir" 2>/dev/null || true
runuser -u postgres -- $PGBIN/initdb -D "$pgdir/data" -A trust > /dev/null
port=$((20000 + RANDOM % 10000))
runuser -u postgres -- $PGBIN/pg_ctl -w -D "$pgdir/data" -l "$pgdir/log" \
  -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" start > /dev/null
psql_() { runuser -u postgres -- psql -h "$pgdir" -p $port -q -v ON_ERROR_STOP=1 "$@"; }
cp $OUT/events.ndjson "$pgdir/events.ndjson"; chown postgres "$pgdir/events.ndjson"
pg_runs=()
for r in $(seq "$REPS"); do
  psql_ -c "DROP TABLE IF EXISTS events; CREATE TABLE events (position bigserial PRIMARY KEY, body jsonb NOT NULL);
            CREATE UNIQUE INDEX ON events ((body->>'organization_id'), (body->>'event_id'));
            CREATE INDEX ON events ((body->>'organization_id'), ((body->'data')->>'entity_id'), position);"
  t0=$(date +%s.%N)
  psql_ -c "\\copy events(body) FROM '$pgdir/events.ndjson' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" \
    2> $OUT/pg.err || { cat $OUT/pg.err; }
  t1=$(date +%s.%N)
  rows=$(psql_ -t -c "SELECT count(*) FROM events" | tr -d ' ')
  pg_runs+=("$(python3 -c "print(int($rows/($t1-$t0)))")")
done
runuser -u postgres -- $PGBIN/pg_ctl -D "$pgdir/data" stop -m fast > /dev/null
rm -rf "$pgdir"
pg_eps=$(printf '%s\n' "${pg_runs[@]}" | median)
echo "ingest runs: ${ingest_runs[*]}  pg runs: ${pg_runs[*]} (rows loaded: $rows of $EVENTS lines)"

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
ratio=$(python3 -c "print(f'{$ingest_eps/$pg_eps:.2f}')")
cat > bench/RESULTS.md <<MD
# Benchmark results

Written by \`bench/run.sh\` (\`make bench\`) on $(date -u +%Y-%m-%d): $(nproc) cores ($cpu),
$(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r). Medians of $REPS runs.
Input: \`readside generate --seed 1 --count $EVENTS --tenants acme-corp,beta-inc,gamma-llc,delta-co\`
($EVENTS simulator events, $((bytes / EVENTS)) bytes each on average; the stream contains no
malformed lines or duplicates).

| benchmark | result | target | peer (same run) | ratio |
|---|---|---|---|---|
| parse + validate, one core (\`parse_bench\` BM_ParseAndValidate) | $parse_eps events/s | ≥ 1,000,000 | simdjson DOM parse only (no validation, no fields read): $dom_eps events/s | $(python3 -c "print(f'{$parse_eps/$dom_eps:.2f}')")× |
| parse + validate NDJSON batches of 1000, one core (BM_ParseNdjsonBatch) | $batch_eps events/s | | | |
| durable ingest over HTTP, 4 clients × batches of 1000 (\`ingest_load\`), fsync'd group commit | $ingest_eps events/s (median request p99 ${p99} ms) | ≥ 150,000 | PostgreSQL 15 \`COPY\` of the same file into a jsonb table with the same unique and aggregate indexes, fsync on: $pg_eps events/s | $ratio× |

See [README.md](README.md) for what each benchmark measures, the profile and what is left.

Commands: \`$BUILD/bench/parse_bench --benchmark_repetitions=$REPS\`;
\`readside serve --data-dir TMP --listen 127.0.0.1:0\` + \`$BUILD/bench/ingest_load URL events.ndjson --clients 4 --batch 1000\`
(fresh data directory each run); PostgreSQL: \`initdb\`, \`pg_ctl start\` on loopback, \`\\copy events(body) FROM file\`.
The peer loads one transaction with one fsync at the end; readside acknowledges every
1000-event request only after its own fsync, which is the stronger promise.
MD
cat bench/RESULTS.md
