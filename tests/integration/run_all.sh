#!/bin/sh
# Runs the whole-server integration tests (Python 3 stdlib only).
# The binary comes from $READSIDE_BIN, default <repo>/build/readside.
# Extra arguments are passed to unittest, e.g. -k test_conflict, or -f to stop at the first failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo" || exit 2
exec python3 -m unittest discover -s tests/integration -p 'test_*.py' -v "$@"
