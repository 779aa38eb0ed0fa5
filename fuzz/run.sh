#!/usr/bin/env bash
# Runs every libFuzzer target from its seed corpus for a share of N seconds (default 60): the
# event parser (parser_fuzz, fuzz/corpus) and request handling end to end (request_fuzz,
# fuzz/corpus-request) for a third of N each; each of the other eight for a sixth of N, at
# least 5 s: the token verifier (jwt_fuzz, corpus-jwt), the search query parameters
# (search_query_fuzz, corpus-search), what live-update clients send (live_fuzz: WebSocket
# frames and protocol messages, corpus-live), cron expressions and time zones (cron_fuzz,
# corpus-cron), the analytics routes' period and query parameters (params_fuzz,
# corpus-params), report parameters and the export and schedule bodies (report_fuzz,
# corpus-report), the dashboard layout and widget bodies (dashboard_fuzz, corpus-dashboard)
# and read-model snapshot files (snapshot_fuzz, corpus-snapshot). `make check` runs N=30
# (about 60 s of fuzzing, 75 s with start-up), `make fuzz` N=600 (FUZZ_SECONDS). Exits
# non-zero on any finding; the input that found it is written to $out/fuzz-artifacts/.
#
# The targets are built in the sanitizer tree that `make check` configures (clang, ASan, UBSan,
# `-fsanitize=fuzzer-no-link`, READSIDE_FUZZ=ON), FUZZ_BUILD (default build-asan): run it
# through `make check` or `make fuzz`, which configure that tree first. The seed corpora are
# written by fuzz/seed_corpora.py (JSONTestSuite-style hostile JSON, real bodies) and, for
# snapshots, by snapshot_fuzz itself (SNAPSHOT_FUZZ_SEEDS=dir).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=${FUZZ_BUILD:-build-asan}
if [[ ! -f $out/build.ninja ]] || ! grep -q 'READSIDE_FUZZ:BOOL=ON' "$out/CMakeCache.txt"; then
  echo "fuzz/run.sh: $out is not a fuzzing tree; run \`make fuzz\` or \`make check\`" >&2
  exit 2
fi
mkdir -p "$out/fuzz-artifacts"
# The targets' stores live under a scratch directory of this run, removed when it ends (the
# targets exit without tearing their stores down).
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/readside-fuzz-run.XXXXXX")
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
# run TARGET SECONDS MAX_LEN DICT CORPUS: builds TARGET, seeds its corpus, fuzzes.
run() {
  local target=$1 secs=$2 max_len=$3 dict=$4 corpus=$5
  ninja -C $out "$target"
  mkdir -p "$out/$corpus"
  cp -n "fuzz/$corpus"/* "$out/$corpus/" 2>/dev/null || true
  echo "== $target: $secs s"
  "$out/fuzz/$target" -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
    -artifact_prefix="$out/fuzz-artifacts/$target-" -dict="$dict" "$out/$corpus" 2>&1 |
    awk '/^Done |ERROR|SUMMARY|Test unit written|^[a-z_]+_fuzz: /'  # the outcome, or the finding
}
third=$((seconds / 3))
sixth=$(( seconds / 6 > 5 ? seconds / 6 : 5 ))

run parser_fuzz "$third" 8192 fuzz/event.dict corpus
# Request handling end to end (HTTP parser → Gate → routes over a real store).
run request_fuzz "$third" 4096 fuzz/request.dict corpus-request
run jwt_fuzz "$sixth" 4096 fuzz/jwt.dict corpus-jwt
# The search query parameters (q, type, limit, offset) over a small Xapian index.
run search_query_fuzz "$sixth" 2048 fuzz/search.dict corpus-search
# What live-update clients send: WebSocket frames through Beast, and the protocol's messages.
run live_fuzz "$sixth" 4096 fuzz/live.dict corpus-live
# Report schedules' cron expressions and time zones.
run cron_fuzz "$sixth" 2048 fuzz/cron.dict corpus-cron
# The routes' parsers over real read models (fuzz/route_stack.h): analytics parameters,
# report parameters and bodies, dashboard layout and widget bodies.
run params_fuzz "$sixth" 2048 fuzz/params.dict corpus-params
run report_fuzz "$sixth" 8192 fuzz/report.dict corpus-report
run dashboard_fuzz "$sixth" 8192 fuzz/dashboard.dict corpus-dashboard
# Damaged read-model snapshots: refused, never loaded half or crashing.
run snapshot_fuzz "$sixth" 65536 fuzz/snapshot.dict corpus-snapshot
