#!/usr/bin/env bash
# Builds the parser fuzz target with clang (libFuzzer + ASan + UBSan) and runs it for N seconds
# (default 60) from the seed corpus in fuzz/corpus, then the token verifier's (jwt_fuzz) for a
# third of that (at least 10 s) from fuzz/corpus-jwt, then request handling (request_fuzz) for
# half of it (at least 10 s) from fuzz/corpus-request, then the search query parameters
# (search_query_fuzz) for a third of it (at least 10 s) from fuzz/corpus-search, then what live-
# update clients send (live_fuzz: WebSocket frames and protocol messages) for a third of it (at
# least 10 s) from fuzz/corpus-live. Exits
# non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=build-fuzz
cmake -S . -B $out -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
  -DREADSIDE_FUZZ=ON -DCMAKE_CXX_FLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
  >/dev/null
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
