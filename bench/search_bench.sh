#!/usr/bin/env bash
# Search over 1,000,000 entities of one tenant (issue 12) next to PostgreSQL 15 full-text
# search over the same entities and the same queries, in the same run:
#   1. `search_bench gen`: the entity set (deterministic seed) as a TSV both sides load, the
#      query set (100 queries drawn from the data, misses included) and 100 completion prefixes;
#   2. readside: `search_bench build` (SearchIndex::Put of every entity, Commit every 20,000 as
#      the SearchFollower does) timed, then `search_bench query`: latency over the query set on
#      one thread, completions, throughput with 1 and 2 threads, the top hits of every query;
#   3. PostgreSQL 15 (throwaway cluster on loopback): COPY into a table with a generated
#      tsvector column, a GIN index, ANALYZE, all timed; each query as its own pgbench script
#      (to_tsquery, ts_rank ORDER BY, count(*) OVER () for the exact total, ts_headline
#      snippets of the page, LIMIT 20), pgbench -c1 (latency from its per-transaction log) and
#      -c2; the top hits of every query for the agreement check.
# Steps 2-3's measurements run ROUNDS times, interleaved (readside, then PostgreSQL); the
# summary quotes medians. Output: bench/out/search/summary.json and summary.md.
# Usage: bench/search_bench.sh  (after `ninja -C build search_bench`; needs root for initdb as
# user postgres, like bench/run.sh). Environment (defaults): BUILD=build SEARCH_COUNT=1000000
#   SEARCH_ROUNDS=2 SEARCH_SECONDS=8 (per throughput run) SEARCH_PASSES=5 (latency passes)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
COUNT=${SEARCH_COUNT:-1000000}
ROUNDS=${SEARCH_ROUNDS:-2}
SECS=${SEARCH_SECONDS:-8}
PASSES=${SEARCH_PASSES:-5}
OUT=bench/out/search
PGBIN=/usr/lib/postgresql/15/bin

die() { echo "search_bench: $*" >&2; exit 1; }
for tool in pgbench psql python3 runuser "$PGBIN/initdb" "$PGBIN/pg_ctl"; do
  command -v "$tool" > /dev/null || die "$tool is missing: run scripts/install-deps"
done
[ -x "$BUILD/bench/search_bench" ] || die "$BUILD/bench/search_bench is missing: run ninja -C $BUILD"
[ "$(id -u)" -eq 0 ] || die "run as root (PostgreSQL runs as user postgres, as in bench/run.sh)"
mkdir -p $OUT
rm -f $OUT/round*.json $OUT/pg_round*.json
WORK=$(mktemp -d /tmp/search_bench.XXXXXX)
chmod 755 "$WORK"
PGDIR=""
cleanup() {
  if [ -n "$PGDIR" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" stop -m immediate > /dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

echo "== generating $COUNT entities (seed 1)"
$BUILD/bench/search_bench gen --count "$COUNT" --seed 1 --out $OUT > /dev/null
echo "   $(wc -l < $OUT/entities.tsv) entities, $(wc -l < $OUT/queries.tsv) queries, $(wc -l < $OUT/suggest.tsv) completion prefixes"

echo "== readside: building the index (Put + Commit every 20,000; load $(loadavg))"
$BUILD/bench/search_bench build --data $OUT --index "$WORK/index" --commit-every 20000 > $OUT/build.json
cat $OUT/build.json

echo "== PostgreSQL 15: COPY + generated tsvector column + GIN index + ANALYZE (load $(loadavg))"
PGDIR="$WORK/pg"; mkdir -p "$PGDIR"; chown postgres "$PGDIR"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust > /dev/null
PGPORT=$((20000 + RANDOM % 10000))
# One client = one core, as readside's one query thread: no parallel workers. JIT off (its
# compile time would land on the bigger queries). Memory enough for the table and index.
runuser -u postgres -- "$PGBIN/pg_ctl" -w -D "$PGDIR/data" -l "$PGDIR/log" -o "-p $PGPORT -k $PGDIR \
  -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=512MB \
  -c max_parallel_workers_per_gather=0 -c max_parallel_maintenance_workers=0 -c jit=off" start > /dev/null
psql_() { runuser -u postgres -- psql -h "$PGDIR" -p "$PGPORT" -q -v ON_ERROR_STOP=1 "$@"; }
cp $OUT/entities.tsv "$PGDIR/entities.tsv"; chown postgres "$PGDIR/entities.tsv"
psql_ -c "CREATE TABLE entities (seq bigint PRIMARY KEY, type text NOT NULL, id text NOT NULL,
  domain text NOT NULL, title text NOT NULL, f1 text NOT NULL, f2 text NOT NULL, f3 text NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || f1 || ' ' || f2 || ' ' || f3)) STORED)"
t0=$(date +%s.%N)
psql_ -c "\\copy entities(seq, type, id, domain, title, f1, f2, f3) FROM '$PGDIR/entities.tsv'"
t1=$(date +%s.%N)
psql_ -c "CREATE INDEX entities_tsv ON entities USING gin (tsv)"
t2=$(date +%s.%N)
psql_ -c "ANALYZE entities"
t3=$(date +%s.%N)
pg_bytes=$(psql_ -t -A -c "SELECT pg_total_relation_size('entities')")
python3 -c "
import json; c,i,a=$t1-$t0,$t2-$t1,$t3-$t2
print(json.dumps({'entities': $COUNT, 'copy_s': round(c,2), 'gin_s': round(i,2), 'analyze_s': round(a,2),
  'seconds': round(c+i+a,2), 'entities_per_second': round($COUNT/(c+i+a)), 'bytes': $pg_bytes}))" > $OUT/pg_build.json
cat $OUT/pg_build.json

# One pgbench script per query (pgbench picks one per transaction, all weights equal), and
# one SQL file answering each query's total and top 10 for the agreement check.
python3 - "$OUT/queries.tsv" "$PGDIR" <<'PY'
import sys, os
qfile, pgdir = sys.argv[1], sys.argv[2]
def lit(s): return "'" + s.replace("'", "''") + "'"
check = []
for line in open(qfile):
    qid, kind, text, typ, domains, offset, tsq = line.rstrip('\n').split('\t')
    where = "tsv @@ q"
    if typ: where += f" AND type = {lit(typ)}"
    d = domains.split(',')
    if sorted(d) != sorted(['crm', 'hrm', 'finance', 'inventory', 'projects']):
        where += " AND domain IN (" + ", ".join(lit(x) for x in d) + ")"
    src = f"FROM entities, to_tsquery('english', {lit(tsq)}) AS q WHERE {where}"
    with open(f"{pgdir}/{qid}.sql", "w") as f:
        f.write(f"SELECT id, type, title, domain, rank, total, "
                f"ts_headline('english', title || ' ' || f1 || ' ' || f2 || ' ' || f3, q, "
                f"'StartSel=<mark>, StopSel=</mark>') AS snippet "
                f"FROM (SELECT seq, id, type, title, domain, f1, f2, f3, q, ts_rank(tsv, q) AS rank, "
                f"count(*) OVER () AS total {src} ORDER BY rank DESC, seq LIMIT 20 OFFSET {offset}) page "
                f"ORDER BY rank DESC, seq;\n")
    check.append(f"SELECT {lit(qid)}, (SELECT count(*) {src}), "
                 f"(SELECT coalesce(string_agg(id, ',' ORDER BY rank DESC, seq), '') FROM "
                 f"(SELECT seq, id, ts_rank(tsv, q) AS rank {src} ORDER BY rank DESC, seq "
                 f"LIMIT 10 OFFSET {offset}) t);")
open(f"{pgdir}/check.sql", "w").write("\n".join(check) + "\n")
PY
chown postgres "$PGDIR"/*.sql
psql_ -t -A -F $'\t' -f "$PGDIR/check.sql" > $OUT/pg_top.tsv
SCRIPTS=$(for f in "$PGDIR"/q*.sql; do printf -- "-f %s@1 " "$f"; done)

for r in $(seq "$ROUNDS"); do
  echo "== round $r/$ROUNDS: readside queries (load $(loadavg))"
  $BUILD/bench/search_bench query --data $OUT --index "$WORK/index" --passes "$PASSES" \
    --seconds "$SECS" --threads 1,2 --top $OUT/readside_top.tsv > $OUT/round$r.json
  cat $OUT/round$r.json
  echo "== round $r/$ROUNDS: PostgreSQL under pgbench -c1 and -c2 (load $(loadavg))"
  for c in 1 2; do
    rm -f "$PGDIR"/pgb*
    # shellcheck disable=SC2086
    (cd "$PGDIR" && runuser -u postgres -- pgbench -h "$PGDIR" -p "$PGPORT" -n -M prepared -c $c -j $c \
      -T "$SECS" -l --log-prefix="$PGDIR/pgb" $SCRIPTS postgres) > "$WORK/pgbench$c.txt" 2>&1 \
      || { cat "$WORK/pgbench$c.txt"; die "pgbench failed"; }
    cat "$PGDIR"/pgb* > "$WORK/pglog$c"
    grep -E "^(tps|latency average|number of transactions actually)" "$WORK/pgbench$c.txt" | sed 's/^/   -c'$c': /'
  done
  python3 - "$WORK/pglog1" "$WORK/pglog2" "$WORK/pgbench1.txt" "$WORK/pgbench2.txt" > $OUT/pg_round$r.json <<'PY'
import sys, re, json, math
def pct(v, p):
    v = sorted(v); return v[min(len(v) - 1, max(0, math.ceil(p * len(v)) - 1))] if v else None
lat = [int(l.split()[2]) / 1000 for l in open(sys.argv[1])]
tps = {}
for c, f in (("1", sys.argv[3]), ("2", sys.argv[4])):
    m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", open(f).read())
    tps[c] = float(m.group(1)) if m else None
print(json.dumps({"transactions_c1": len(lat), "p50_ms": pct(lat, .5), "p90_ms": pct(lat, .9),
                  "p99_ms": pct(lat, .99), "max_ms": max(lat), "qps": tps}))
PY
  cat $OUT/pg_round$r.json
done

echo "== summary"
python3 - "$OUT" "$COUNT" "$ROUNDS" <<'PY' > $OUT/summary.json
import sys, json, statistics as st
out, count, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rs = [json.load(open(f"{out}/round{r}.json")) for r in range(1, rounds + 1)]
pg = [json.load(open(f"{out}/pg_round{r}.json")) for r in range(1, rounds + 1)]
build, pgb = json.load(open(f"{out}/build.json")), json.load(open(f"{out}/pg_build.json"))
med = lambda xs: st.median(xs)
kinds = {l.split('\t')[0]: l.split('\t')[1] for l in open(f"{out}/queries.tsv")}
ours = {l.split('\t')[0]: l.rstrip('\n').split('\t') for l in open(f"{out}/readside_top.tsv")}
theirs = {l.split('\t')[0]: l.rstrip('\n').split('\t') for l in open(f"{out}/pg_top.tsv")}
overlap, totals_equal, by_kind, both_empty, one_empty = [], 0, {}, 0, 0
for qid, kind in kinds.items():
    a = [x for x in ours[qid][2].split(',') if x]
    b = [x for x in theirs[qid][2].split(',') if x]
    totals_equal += int(ours[qid][1]) == int(theirs[qid][1])
    if not a and not b:
        both_empty += 1; continue
    if not a or not b:
        one_empty += 1
    o = len(set(a) & set(b)) / max(len(a), len(b))
    overlap.append(o); by_kind.setdefault(kind, []).append(o)
s = {
  "entities": count, "rounds": rounds, "queries": len(kinds),
  "build": build, "pg_build": pgb,
  "p50_ms": med([r["p50_ms"] for r in rs]), "p99_ms": med([r["p99_ms"] for r in rs]),
  "cold_p99_ms": med([r["cold_p99_ms"] for r in rs]),
  "suggest_p50_ms": med([r["suggest_p50_ms"] for r in rs]),
  "suggest_p99_ms": med([r["suggest_p99_ms"] for r in rs]),
  "by_kind_p99_ms": {k: med([r["by_kind"][k]["p99_ms"] for r in rs]) for k in rs[0]["by_kind"]},
  "qps1": med([r["qps"]["1"] for r in rs]), "qps2": med([r["qps"]["2"] for r in rs]),
  "pg_p50_ms": med([p["p50_ms"] for p in pg]), "pg_p99_ms": med([p["p99_ms"] for p in pg]),
  "pg_qps1": med([p["qps"]["1"] for p in pg]), "pg_qps2": med([p["qps"]["2"] for p in pg]),
  "top10_overlap_mean": round(st.mean(overlap), 3) if overlap else None,
  "top10_overlap_by_kind": {k: round(st.mean(v), 2) for k, v in by_kind.items()},
  "top10_identical": sum(1 for o in overlap if o == 1.0), "queries_with_hits": len(overlap),
  "both_no_hits": both_empty, "hits_on_one_side_only": one_empty, "totals_equal": totals_equal,
  "rounds_raw": {"readside": rs, "postgresql": pg},
}
s["ratio1"] = round(s["qps1"] / s["pg_qps1"], 2)
s["ratio2"] = round(s["qps2"] / s["pg_qps2"], 2)
s["build_ratio"] = round(build["entities_per_second"] / pgb["entities_per_second"], 2)
print(json.dumps(s, indent=1))
PY
python3 - "$OUT/summary.json" <<'PY' | tee $OUT/summary.md
import sys, json
s = json.load(open(sys.argv[1])); b, p = s["build"], s["pg_build"]
print(f"entities {s['entities']}, {s['queries']} queries, medians of {s['rounds']} rounds")
print(f"build: readside {b['entities_per_second']:.0f} entities/s ({b['seconds']} s, index {b['index_bytes']/1e6:.0f} MB); "
      f"PostgreSQL {p['entities_per_second']} entities/s (COPY {p['copy_s']} s + GIN {p['gin_s']} s + ANALYZE {p['analyze_s']} s, {p['bytes']/1e6:.0f} MB) -> {s['build_ratio']}x")
print(f"query (1 thread): readside p50 {s['p50_ms']:.2f} ms p99 {s['p99_ms']:.2f} ms; PostgreSQL (pgbench -c1) p50 {s['pg_p50_ms']:.2f} ms p99 {s['pg_p99_ms']:.2f} ms")
print(f"p99 by kind: " + ", ".join(f"{k} {v:.2f}" for k, v in s["by_kind_p99_ms"].items()))
print(f"completions: p50 {s['suggest_p50_ms']*1000:.0f} us, p99 {s['suggest_p99_ms']*1000:.0f} us")
print(f"throughput: 1 thread {s['qps1']:.0f} q/s vs pgbench -c1 {s['pg_qps1']:.0f} tps ({s['ratio1']}x); "
      f"2 threads {s['qps2']:.0f} q/s vs -c2 {s['pg_qps2']:.0f} tps ({s['ratio2']}x)")
print(f"agreement: top-10 overlap mean {s['top10_overlap_mean']} over {s['queries_with_hits']} queries with hits "
      f"({s['top10_identical']} identical; by kind {s['top10_overlap_by_kind']}); {s['both_no_hits']} found nothing on both sides, "
      f"{s['hits_on_one_side_only']} on one side only; totals equal for {s['totals_equal']} of {s['queries']}")
PY
