"""Crash points leave no trace where they are compiled out (src/common/crash_point.h).

--off: a probe compiled without READSIDE_CRASH_POINTS, as a Release build compiles every
file; it must hold neither its point's name nor any crash-point symbol or message.
--readside with --readside-has-points 0|1: the server binary holds the point names (and the
"crash point ... killing" message) exactly when its build has crash points.
Exits 1 with what it found otherwise.
"""

import argparse
import subprocess
import sys

PROBE_POINT = b"probe.compiled_out.point"
TRACES = (b"crash point ", b"READSIDE_CRASH_POINT", b"store.commit.before_write",
          b"snapshot.write.before_rename", b"READSIDE_REPORT_CRASH_AT")


def symbols(path):
    out = subprocess.run(["nm", "-C", path], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if "readside::crash::" in line]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--off", required=True)
    ap.add_argument("--readside", required=True)
    ap.add_argument("--readside-has-points", required=True, choices=("0", "1"))
    args = ap.parse_args()
    failures = []
    with open(args.off, "rb") as f:
        probe = f.read()
    if b"no crash points" not in probe:
        failures.append("%s is not the probe (its own string is missing)" % args.off)
    for text in (PROBE_POINT,) + TRACES:
        if text in probe:
            failures.append("%s holds %r although compiled without crash points"
                            % (args.off, text))
    if symbols(args.off):
        failures.append("%s has crash-point symbols: %s" % (args.off, symbols(args.off)[:5]))
    with open(args.readside, "rb") as f:
        server = f.read()
    has = args.readside_has_points == "1"
    for text in TRACES[2:] + (b"crash point ",):
        if (text in server) != has:
            failures.append("%s %s %r (its build has crash points: %s)" % (
                args.readside, "lacks" if has else "holds", text, has))
    if bool(symbols(args.readside)) != has:
        failures.append("%s: crash-point symbols present: %s, expected %s"
                        % (args.readside, bool(symbols(args.readside)), has))
    if failures:
        print("\n".join(failures))
        return 1
    print("ok: the probe has no trace of its crash point; readside %s them"
          % ("has" if has else "has none of"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
