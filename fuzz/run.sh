#!/usr/bin/env bash
# Runs every libFuzzer target for a share of N seconds (default 60) from its seed corpus: the
# event parser for N (fuzz/corpus), the token verifier (jwt_fuzz) for a third of it (at least
# 10 s, fuzz/corpus-jwt), request handling (request_fuzz) for half of it (at least 10 s,
# fuzz/corpus-request), the search query parameters (search_query_fuzz) for a third of it (at
# least 10 s, fuzz/corpus-search), and what live-update clients send (live_fuzz: WebSocket
# frames and protocol messages) for a third of it (at least 10 s, fuzz/corpus-live). Exits
# non-zero on any finding.
#
# The targets are built in the sanitizer tree that `make check` configures (clang, ASan, UBSan,
# `-fsanitize=fuzzer-no-link`, READSIDE_FUZZ=ON), FUZZ_BUILD (default build-asan): run it
# through `make check` or `make fuzz`, which configure that tree first.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=${FUZZ_BUILD:-build-asan}
if [[ ! -f $out/build.ninja ]] || ! grep -q 'READSIDE_FUZZ:BOOL=ON' "$out/CMakeCache.txt"; then
  echo "fuzz/run.sh: $out is not a fuzzing tree; run \`make fuzz\` or \`make check\`" >&2
  exit 2
fi
# run TARGET SECONDS MAX_LEN DICT CORPUS: builds TARGET, seeds its corpus, fuzzes.
run() {
  local target=$1 secs=$2 max_len=$3 dict=$4 corpus=$5
  ninja -C $out "$target"
  mkdir -p "$out/$corpus"
  cp -n "fuzz/$corpus"/* "$out/$corpus/" 2>/dev/null || true
  "$out/fuzz/$target" -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
    -dict="$dict" "$out/$corpus" 2>&1 | tail -n 5
}
at_least_10() { echo $(( $1 > 10 ? $1 : 10 )); }

run parser_fuzz "$seconds" 8192 fuzz/event.dict corpus
run jwt_fuzz "$(at_least_10 $((seconds / 3)))" 4096 fuzz/jwt.dict corpus-jwt
# Request handling end to end (HTTP parser → Gate → routes over a real store).
run request_fuzz "$(at_least_10 $((seconds / 2)))" 4096 fuzz/request.dict corpus-request
# The search query parameters (q, type, limit, offset) over a small Xapian index.
run search_query_fuzz "$(at_least_10 $((seconds / 3)))" 2048 fuzz/search.dict corpus-search
# What live-update clients send: WebSocket frames through Beast, and the protocol's messages.
run live_fuzz "$(at_least_10 $((seconds / 3)))" 4096 fuzz/live.dict corpus-live
