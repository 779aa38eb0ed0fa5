#!/bin/sh
# Runs "$@" with TMPDIR set to a fresh scratch directory, removed afterwards whatever the
# outcome: the whole-server tests' data directories, logs and generated files (tempfile honours
# TMPDIR) never pile up in /tmp, even when a test forgets its cleanup or is killed part way.
d=$(mktemp -d "${TMPDIR:-/tmp}/readside-test.XXXXXX") || exit 1
TMPDIR=$d "$@"
rc=$?
rm -rf "$d"
exit $rc
