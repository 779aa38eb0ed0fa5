#!/usr/bin/env bash
# Builds the parser fuzz target with clang (libFuzzer + ASan + UBSan) and runs it for N seconds
# (default 60) from the seed corpus in fuzz/corpus. Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=build-fuzz
cmake -S . -B $out -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
  -DREADSIDE_FUZZ=ON -DCMAKE_CXX_FLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
  >/dev/null
ninja -C $out parser_fuzz
mkdir -p $out/corpus
cp -n fuzz/corpus/* $out/corpus/ 2>/dev/null || true
$out/fuzz/parser_fuzz -max_total_time="$seconds" -max_len=8192 -timeout=10 \
  -dict=fuzz/event.dict $out/corpus 2>&1 | tail -n 5
