#!/usr/bin/env python3
"""The crash test (issue 17 "Crash points"; docs/decisions.md "Crash points").

N rounds of three kinds; in every five, three point rounds, one start-kill round and one kill -9
round (plan()). A point round starts a node with READSIDE_CRASH_POINT=<point>:<n> (a named crash
point of src/common/crash_point.h, the list read from `readside crash-points`), a kill -9 round
with none and then kill -9 at a random moment; both drive concurrent HTTP ingest, queries,
own-state changes (dashboards, and schedules created and deleted), report runs (a schedule due
every "minute" of a scheduler clock running 30 times faster: READSIDE_TEST_SCHEDULER_CLOCK),
tenant rebuilds and read-model snapshots until the process dies. A start-kill round
(start_kill.py) kills the node while it starts: a kill -9 under load leaves it a backlog to
recover, then it is started with a point its recovery reaches (the re-indexing of the log's
tail, the search index's uncommitted tail, Kafka's backlog) or killed with kill -9 at a random
instant of the start; the round asserts that the process died by that point or kill -9, and
before the start was over. Every round then restarts the node cleanly and checks the history:

- every acknowledged event is stored exactly once, with the bytes sent; the stored events are
  exactly the ones sent (the batches in flight at the kill re-sent); positions are 1..N without
  gap or repeat; re-sending what was in flight is idempotent;
- each tenant's duplicates counter is exactly the number of re-sent events that were stored
  before: a crash adds none (on Kafka's node, kafka.offsets.before_write loses the batch and
  its offsets together, so its events are consumed again and stored once; after_write stored
  both, so nothing is consumed again);
- the live read models equal a replay (POST /admin/consistency/{org}, repair=false), and a fresh
  node started on a copy of the store alone (no snapshot, no search index: everything replayed)
  answers the same analytics, data quality, search results (ranked, paged), dashboards,
  schedules and run history as the node that crashed;
- own state, on both nodes (on Kafka's through the own-state topic): every acknowledged
  dashboard change survived (the dashboard holds the last acknowledged change or one in flight
  at the crash), and on the log, replayed as the projection applies it, each acknowledged change
  applied at the position its answer gave, none applied twice, the last applied one shown;
  every acknowledged schedule creation or deletion holds, each stored once (history.py).
  Changes start right after each start (the server makes them wait for the read models; on
  Kafka's node for its consumer), and a 404 for the existing widget is a failure;
- no schedule instant ran twice, checked on the run events of the log (history.py): one run id
  per instant, one start per attempt, none after a final outcome, each message with a stored
  intent and delivered once, again only for an attempt cut short by a kill (exactly once more
  at schedule.run.before_outcome, never at schedule.run.after_intent).

Ingest is paced (--events-per-round events per 3 s) and goes on until the kill, so kills land during
ingest: a kill -9 comes at a random moment 0.2-3 s into the round (counted from the first
acknowledged batch and own-state change), the first moment after it with an ingest request on
the wire. The report gives, and a run asserts (from 5 such rounds on), the share of kill -9
rounds and of store.commit.* rounds with batches in flight at the kill (>= 80 %).

Kafka's points (kafka.offsets.*) run on a second node that consumes from `readside kafka-dev`
(POST /events produces to Kafka there; acknowledged = acknowledged by Kafka; its own-state
changes are answered once consumed back). At the end a node fed only the stored events over HTTP
must answer the same analytics and search results.

A point round whose point was not reached, or a start-kill round whose start ended before the
kill, is run again (up to MAX_TRIES rounds per turn; these rounds come on top of --rounds); a
start-kill variant that never killed while starting in MAX_TRIES rounds fails the run. The
report (rounds, kills per point, start-kills per point apart with the phase of the start they
hit and the restart times after them, points never reached, in-flight shares, restart times,
own-state changes checked, whether the SMTP Message-IDs were checked) is printed and, with
--report, written as JSON. --require-all-points (make crash-test) fails the run when a point was
never reached or when the SMTP sink (aiosmtpd, scripts/deps.txt) is missing, which leaves the
Message-IDs unchecked. Exit status 1 on the first violated check (with the server's logs).

    tests/crash/crash_test.py --readside build/readside --rounds 40 [--seed S] [--report F]
                              [--require-all-points]
"""

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import shutil
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from history import (check, check_consistency, check_dashboards, check_duplicates,  # noqa: E402
                     check_events, check_exactly_sent, check_runs, check_schedule_changes,
                     compare_with_fresh_replay, fresh_fed_node, resend_inflight, setup_node,
                     wait_caught_up, wait_stored)
from server import _track  # noqa: E402
from start_kill import START_POINTS, start_kill_round  # noqa: E402
from workload import KILL_LINE, Node, Pool, Workload  # noqa: E402

POINT_TIMEOUT = 25.0  # seconds a round waits for its point before it counts as not reached
MAX_TRIES = 3  # rounds in a row given to a point until it is reached
KILL_AFTER = (0.2, 3.0)  # a kill -9 round: seconds after the first acknowledged batch and
# own-state change
PACE_SECONDS = 3  # --events-per-round events are sent in this many seconds, and so on
POOL_SECONDS = 4  # the event pool holds this many seconds of ingest per round and node
MIN_SHARE, MIN_SHARE_ROUNDS = 0.8, 5  # rounds with batches in flight at the kill
# Which hit of a point kills (uniform in the range): spread over the first moments it is reached.
# store.commit. starts past the burst of report-run commits at a start (the instants missed
# between two rounds), so that its kills land on ingest's commits. kafka.offsets. is hit by each
# durable write of consumed messages, own-state changes included (answered once consumed back):
# its range lets some of them be acknowledged before the kill.
HITS = {"store.commit.": (25, 80), "store.index.": (1, 12), "kafka.offsets.": (5, 60),
        "snapshot.": (1, 1), "rebuild.": (1, 2), "search.": (1, 4), "schedule.": (1, 3),
        "dashboard.": (1, 8)}


# -- preflight ----------------------------------------------------------------------------

def crash_points(binary):
    out = subprocess.run([binary, "crash-points"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("%s has no crash points (%s): build it with READSIDE_CRASH_POINTS=ON"
                 % (binary, out.stderr.strip()))
    return [line.split("\t")[0] for line in out.stdout.splitlines() if line.strip()]


def points_in_sources():
    """{name: [files]} of every READSIDE_CRASH_POINT("...") in src/ (the probe and the
    macro's own files aside)."""
    found = {}
    pattern = re.compile(r'READSIDE_CRASH_POINT\("([^"]+)"\)')
    for root, _, files in os.walk(os.path.join(REPO, "src")):
        for name in files:
            if not name.endswith((".cc", ".h")) or name.startswith("crash_point"):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                for point in pattern.findall(f.read()):
                    found.setdefault(point, []).append(path)
    return found


def preflight(binary, listed):
    """The binary's list is the sources' list, and every file with a point was compiled with
    the points on (readside_crash_points(TARGET) in its CMakeLists.txt)."""
    in_src = points_in_sources()
    check(sorted(set(listed)) == sorted(listed), "duplicate names in `readside crash-points`")
    check(set(in_src) == set(listed),
          "crash points in src/ and in `readside crash-points` differ: only in src %s, only "
          "listed %s" % (sorted(set(in_src) - set(listed)), sorted(set(listed) - set(in_src))))
    check(set(START_POINTS) <= set(listed), "start_kill.START_POINTS names points the binary "
          "does not list: %s" % sorted(set(START_POINTS) - set(listed)))
    db = os.path.join(os.path.dirname(binary), "compile_commands.json")
    if os.path.exists(db):
        with open(db) as f:
            commands = {os.path.realpath(c["file"]): c.get("command", " ".join(c.get("arguments", [])))
                        for c in json.load(f)}
        for point, files in sorted(in_src.items()):
            for path in files:
                if path.endswith(".h"):
                    continue
                cmd = commands.get(os.path.realpath(path))
                check(cmd is not None and "READSIDE_CRASH_POINTS" in cmd,
                      "%s (crash point %s) is compiled without READSIDE_CRASH_POINTS: call "
                      "readside_crash_points() on its target" % (path, point))


# -- rounds ---------------------------------------------------------------------------------

def plan(points, start_variants, rounds, rng, kafka):
    """[(kind, point or None, node name)]. In every five rounds: three "point" rounds (every
    point in turn, shuffled), one "start" round (start_kill.py: every variant in turn,
    shuffled: a START_POINTS point on its node, or None: a kill -9 at a random instant of a
    start, on the direct and Kafka's node in turn) and one "kill9" round (a kill -9 at a
    random moment under load, on the Kafka node every other time, first: so that a short run,
    crash.short's five rounds, always has Kafka's node and its own state in it). With Kafka,
    the first round kills at a `kafka.offsets.*` point (between the store write and the offset
    commit, which are one write: issue 15), so a short run always has one too."""
    order, starts, out, kills, start_kills = [], [], [], 0, rng.randrange(2)
    for i in range(rounds):
        if i % 5 == 4:
            kills += 1
            out.append(("kill9", None, "kafka" if kafka and kills % 2 == 1 else "direct"))
        elif i % 5 == 2:
            if not starts:
                starts = list(start_variants)
                rng.shuffle(starts)
            p = starts.pop()
            if p is None:
                start_kills += 1
                which = "kafka" if kafka and start_kills % 2 == 0 else "direct"
            else:
                which = START_POINTS[p]
            out.append(("start", p, which))
        else:
            if not order:
                order = list(points)
                rng.shuffle(order)
                offsets = [q for q in order if q.startswith("kafka.offsets.")]
                if i == 0 and kafka and offsets:
                    order.remove(offsets[0])
                    order.append(offsets[0])  # popped first
            p = order.pop()
            out.append(("point", p, "kafka" if p.startswith("kafka.") else "direct"))
    return out


def hits_for(point, rng):
    for prefix, (lo, hi) in HITS.items():
        if point.startswith(prefix):
            return rng.randint(lo, hi)
    return 1


def kill_under_load(ctx, point, node, rng, args, entry):
    """A point or kill9 round: starts the node (the point armed), drives the workload until the
    point killed it (or kill -9 at a random moment); fills `entry`, returns the workloads."""
    env = dict(node.clock_env)
    if point:
        entry["spec"] = "%s:%d" % (point, hits_for(point, rng))
        env["READSIDE_CRASH_POINT"] = entry["spec"]
    node.srv.env = env
    killed_at_start = False
    try:
        node.srv.start()
    except RuntimeError as e:
        # Killed while starting (e.g. the index or search catching up with the store).
        check(point and node.srv.proc.returncode == -signal.SIGKILL,
              "%s: start failed: %s" % (ctx, e), node)
        killed_at_start = True
    load = None
    if not killed_at_start:
        load = Workload(node, rng, args.events_per_round / PACE_SECONDS).start()
        if point is None:
            check(load.wait_acked(1), "%s: nothing acknowledged: %s" % (ctx, load.failures), node)
            # The kill's moment counts from when own-state changes are answered too (on Kafka's
            # node once its consumer stores again), so that some are acknowledged before it.
            acked = load.wait_own_state_acked(1)
            check(not load.failures, "%s: %s" % (ctx, load.failures[:3]), node)
            check(acked, "%s: no own-state change acknowledged in 30 s; /health/ready: %s"
                  % (ctx, load.health()), node)
            time.sleep(rng.uniform(*KILL_AFTER))
            entry["kill_on_wire"] = load.wait_on_wire()  # the next moment a batch is on the wire
            node.srv.kill9()
        else:
            deadline = time.monotonic() + POINT_TIMEOUT
            # A snapshot round not killed by a periodic snapshot within 4 s is stopped: the
            # snapshot written at shutdown reaches the point.
            term_at = time.monotonic() + 4 if point.startswith("snapshot.") else None
            while node.srv.proc.poll() is None and time.monotonic() < deadline:
                if term_at and time.monotonic() > term_at:
                    node.srv.proc.send_signal(signal.SIGTERM)  # the snapshot written at stop
                    term_at = None
                time.sleep(0.05)
        load.stop()
        node.srv.kill9()  # reaps it, or kills it when the point was not reached in time
        check(load.join(), "%s: client threads hang after the kill" % ctx)
        check(not load.failures, "%s: %s" % (ctx, load.failures[:3]), node)
    code = node.srv.proc.returncode
    m = KILL_LINE.search(node.srv.stderr_text())
    if point:
        entry["reached"] = bool(m) and m.group(1) == point and code == -signal.SIGKILL
        entry["during_start"] = killed_at_start
        check(not m or m.group(1) == point, "%s: killed at %s" % (ctx, m and m.group(1)), node)
    else:
        entry["reached"] = code == -signal.SIGKILL
    return [load] if load else []


def run_round(i, kind, point, node, rng, stats, args, sink, work, periods, last):
    ctx = "round %d (%s%s on %s, seed %d)" % (i, "start-kill " if kind == "start" else "",
                                              point or "kill -9", node.name, args.seed)
    entry = {"round": i, "kind": kind, "node": node.name, "point": point, "spec": None}
    if kind == "start":
        loads, load = start_kill_round(ctx, point, node, rng, args.events_per_round / PACE_SECONDS,
                                       entry, stats)
    else:
        loads = kill_under_load(ctx, point, node, rng, args, entry)
        load = loads[0] if loads else None
    # The counts of the workload the kill cut (a start round's backlog: entry["backlog"]), and
    # the own-state changes acknowledged in the round (checked below).
    if load:
        entry.update(acked_batches=load.acked_batches, inflight_batches=len(load.inflight),
                     refused_batches=len(load.refused), pool_spent=load.pool_spent,
                     queries=load.queries, rebuilds=load.rebuilds)
    entry.update(dashboard_changes=sum(x.dash_changes for x in loads),
                 schedule_changes=sum(x.schedule_changes for x in loads))
    # Recovery, without the crash point and with the real clock for the scheduler: it resumes
    # a run left `running` and nothing falls due (the scheduler's clock ran ahead), so the
    # checks below see a quiet node. The next round's start catches up the missed instants.
    node.srv.env = {}
    t0 = time.monotonic()
    node.srv.start(timeout=60)
    t_listen = time.monotonic() - t0
    wait_caught_up(node)
    t_ready = time.monotonic() - t0
    entry.update(restart_listening_s=round(t_listen, 3), restart_ready_s=round(t_ready, 3))
    if node.kafka:
        missing = wait_stored(node, node.acked)
        check(not missing, "%s: %d events acknowledged by Kafka never stored, e.g. %s"
              % (ctx, len(missing), missing[:3]), node)
    check_events(node, ctx)
    # Before anything is re-sent: the crash itself made no duplicate (Kafka's node is caught up
    # with its partitions here: whatever the killed node consumed again is stored by now).
    check_duplicates(node, ctx + " before re-sending")
    resend = [b for load in loads for b in load.inflight + load.refused]
    if resend:
        resend_inflight(node, resend, ctx)
        if node.kafka:
            check(not wait_stored(node, node.acked), "%s: re-sent events not stored" % ctx, node)
        wait_caught_up(node)
        check_events(node, ctx + " after re-sending")
    check_exactly_sent(node, ctx)
    # Kafka: a re-sent event stored before is counted when the consumer reads its second copy.
    check_duplicates(node, ctx + " after re-sending", timeout=30 if node.kafka else 0)
    wait_caught_up(node)
    check_consistency(node, ctx)
    check_dashboards(node, ctx)
    check_schedule_changes(node, ctx)
    if node.schedule_ids:
        # A start round's first kill cut no run (start_kill.leave_backlog): its second decides.
        runs = check_runs(node, sink, ctx, i, point if entry["reached"] else None)
        entry["runs"] = sum(len(r) for r in runs.values())
        entry["resent_messages"] = len(getattr(node, "resends", ()))
        entry["attempts_cut_short"] = sum(1 for r in node.open_attempts.values() if r == i)
    # Resumed report runs may have appended since: verify them too, then compare with a fresh
    # replay.
    wait_caught_up(node)
    check_events(node, ctx + " (report runs)")
    if i % args.compare_every == 0 or last:
        compare_with_fresh_replay(node, work, rng, ctx, periods)
        node.n_verified_by_replay = node.n
    else:
        check(node.srv.stop(signal.SIGTERM, timeout=60) == 0, "%s: SIGTERM exit code" % ctx, node)
    entry["events_stored"] = node.n
    stats.append(entry)
    if kind == "start":
        sk = entry["start_kill"]
        how = ("killed while starting (%s, %.2fs after the spawn)"
               % (sk["phase"], sk["died_after_s"]) if entry["reached"]
               else "NOT REACHED while starting (the start was over first)")
    else:
        how = "killed" if entry["reached"] else "NOT REACHED"
        how += " (while starting)" if entry.get("during_start") else ""
    print("  %s: %s, %d batches in flight, %d+%d own-state changes acknowledged, restart "
          "%.2fs to listening, %.2fs to ready; %d events"
          % (ctx, how, sum(len(x.inflight) for x in loads), entry["dashboard_changes"],
             entry["schedule_changes"], t_listen, t_ready, node.n), flush=True)


def start_kafka_dev(binary):
    proc = subprocess.Popen([binary, "kafka-dev", "--topic", "erp:4"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    _track(proc)
    line = proc.stdout.readline().decode()
    if not line.startswith("kafka-dev: bootstrap "):
        proc.kill()
        sys.exit("kafka-dev did not start: %r" % line)
    return proc, line.split()[-1]


def start_sink():
    """The SMTP sink (aiosmtpd under Debian's python3: python3-aiosmtpd of scripts/deps.txt),
    or None: then report runs end failed and the Message-IDs stay unchecked (the report says
    so, and --require-all-points fails)."""
    try:
        from test_report_schedules import SmtpSink
        return SmtpSink()
    except Exception as e:  # no aiosmtpd: runs fail delivery, intents and outcomes still stored
        print("WARNING: no SMTP sink (%s): report runs end failed, not sent; Message-IDs "
              "UNCHECKED" % e, flush=True)
        return None


def share(rounds):
    n = len(rounds)
    hit = sum(1 for s in rounds if s.get("inflight_batches", 0) > 0)
    return {"rounds": n, "with_batches_in_flight": hit,
            "share": round(hit / n, 3) if n else None}


def start_variant(s):
    """A start round's variant, as the report names it."""
    return s["point"] or "kill -9 (%s)" % s["node"]


def summarize(stats, points, args, t_start, sink):
    per_point = {p: {"rounds": 0, "kills": 0, "kills_while_starting": 0, "not_reached": 0}
                 for p in points}
    per_start = {}
    for s in stats:
        if s["kind"] == "start":
            v = per_start.setdefault(start_variant(s), {
                "node": s["node"], "rounds": 0, "kills": 0, "not_reached": 0,
                "phases": {"opening": 0, "catching_up": 0, "indexing": 0}, "died_after_s": []})
            v["rounds"] += 1
            if s["reached"]:
                v["kills"] += 1
                v["phases"][s["start_kill"]["phase"]] += 1
                v["died_after_s"].append(s["start_kill"]["died_after_s"])
            else:
                v["not_reached"] += 1
            continue
        if s["kind"] != "point":
            continue
        pp = per_point[s["point"]]
        pp["rounds"] += 1
        if s["reached"]:
            pp["kills"] += 1
            pp["kills_while_starting"] += 1 if s.get("during_start") else 0
        else:
            pp["not_reached"] += 1

    def spread(key, node=None, kind=None, xs=None):
        if xs is None:
            xs = [s[key] for s in stats if key in s and node in (None, s["node"])
                  and kind in (None, s["kind"])]
        if not xs:
            return None
        return {"min": min(xs), "median": round(statistics.median(xs), 3), "max": max(xs),
                "n": len(xs)}

    starts = [s for s in stats if s["kind"] == "start"]
    return {
        "seed": args.seed,
        "rounds": len(stats),
        "rounds_asked": args.rounds,
        "random_kill9_rounds": sum(1 for s in stats if s["kind"] == "kill9"),
        "kills_per_point": per_point,
        "points_never_hit": sorted(p for p, v in per_point.items() if v["kills"] == 0),
        "point_rounds_retried": sum(1 for s in stats if s.get("retried")),
        # Rounds that killed a node while it started (start_kill.py), apart from the others.
        "start_kills": {
            "rounds": len(starts),
            "killed_while_starting": sum(1 for s in starts if s["reached"]),
            "per_variant": per_start,
            # Variants whose every round (MAX_TRIES in a row) saw the start end before the kill.
            "variants_never_killed": sorted(k for k, v in per_start.items() if v["kills"] == 0),
            "died_after_spawn_s": spread(None, xs=[s["start_kill"]["died_after_s"]
                                                   for s in starts if s["reached"]]),
            "restart_after_by_node": {
                n: {"to_listening_s": spread("restart_listening_s", n, "start"),
                    "to_ready_s": spread("restart_ready_s", n, "start")}
                for n in sorted({s["node"] for s in starts})},
        },
        "own_state_changes": {n: {"dashboard": sum(s.get("dashboard_changes", 0) for s in stats
                                                   if s["node"] == n),
                                  "schedule": sum(s.get("schedule_changes", 0) for s in stats
                                                  if s["node"] == n)}
                              for n in sorted({s["node"] for s in stats})},
        "smtp_message_ids": "checked" if sink is not None else "unchecked",
        # Rounds with ingest batches on the wire (sent, unanswered) when the process died.
        "inflight_at_kill": {
            "kill9": share([s for s in stats if s["kind"] == "kill9" and s["reached"]]),
            "store.commit.*": share([s for s in stats if s["kind"] == "point"
                                     and s["point"].startswith("store.commit.")
                                     and s["reached"] and not s.get("during_start")]),
            "all_kills": share([s for s in stats if s["kind"] != "start" and s["reached"]
                                and not s.get("during_start")]),
            "start_kills": share([s for s in starts if s["reached"]]),
        },
        "rounds_pool_spent": sum(1 for s in stats if s.get("pool_spent")),
        "restart_to_listening_s": spread("restart_listening_s"),
        "restart_to_ready_s": spread("restart_ready_s"),
        # Kafka's node is ready once its consumer caught up with the partitions: after a kill,
        # when the dead member's session (3 s here) ends and the group gives them back.
        "restart_by_node": {n: {"to_listening_s": spread("restart_listening_s", n),
                                "to_ready_s": spread("restart_ready_s", n)}
                            for n in sorted({s["node"] for s in stats})},
        "events_stored": {s["node"]: s["events_stored"] for s in stats},
        "seconds": round(time.monotonic() - t_start, 1),
        "rounds_detail": stats,
    }


def print_report(rep):
    print("\ncrash test: %d rounds (%d kill -9 at a random moment, %d start-kill), seed %d, "
          "%.0f s" % (rep["rounds"], rep["random_kill9_rounds"], rep["start_kills"]["rounds"],
                      rep["seed"], rep["seconds"]))
    print("  %-34s %6s %6s %9s %11s" % ("point", "rounds", "kills", "starting", "not reached"))
    for p, v in rep["kills_per_point"].items():
        print("  %-34s %6d %6d %9d %11d" % (p, v["rounds"], v["kills"], v["kills_while_starting"],
                                             v["not_reached"]))
    sk = rep["start_kills"]
    if sk["rounds"]:
        print("  start-kills (killed while starting, after a kill that left a backlog):")
        print("  %-34s %6s %6s %11s  %-30s %s" % ("point", "rounds", "kills", "not reached",
                                                "phase at the kill", "after the spawn (s)"))
        for k, v in sorted(sk["per_variant"].items()):
            phases = ", ".join("%s %d" % (p, n) for p, n in v["phases"].items() if n) or "-"
            after = ", ".join("%.2f" % x for x in v["died_after_s"])
            print("  %-34s %6d %6d %11d  %-30s %s"
                  % (k, v["rounds"], v["kills"], v["not_reached"], phases, after))
        for n, v in sk["restart_after_by_node"].items():
            r, l = v["to_ready_s"], v["to_listening_s"]
            if r:
                print("  %s node restarted after a start-kill: to listening median %.3f (max "
                      "%.3f), to ready min %.3f, median %.3f, max %.3f (%d restarts)"
                      % (n, l["median"], l["max"], r["min"], r["median"], r["max"], r["n"]))
        if sk["variants_never_killed"]:
            print("  start-kill variants never killed while starting: %s"
                  % ", ".join(sk["variants_never_killed"]))
    for key in ("restart_to_listening_s", "restart_to_ready_s"):
        v = rep[key]
        if v:
            print("  %s: min %.3f, median %.3f, max %.3f" % (key, v["min"], v["median"], v["max"]))
    for n, v in rep["restart_by_node"].items():
        r = v["to_ready_s"]
        if r:
            print("  %s node to ready: min %.3f, median %.3f, max %.3f (%d restarts)"
                  % (n, r["min"], r["median"], r["max"], r["n"]))
    print("  points never hit: %s (%d rounds run again)"
          % (", ".join(rep["points_never_hit"]) or "none", rep["point_rounds_retried"]))
    for k, v in rep["inflight_at_kill"].items():
        if v["rounds"]:
            print("  batches in flight at the kill, %s rounds: %d of %d (%.0f %%)"
                  % (k, v["with_batches_in_flight"], v["rounds"], 100 * v["share"]))
    print("  own-state changes (dashboard, schedule) checked: %s"
          % ", ".join("%s %d, %d" % (n, v["dashboard"], v["schedule"])
                      for n, v in rep["own_state_changes"].items()))
    print("  SMTP Message-IDs: %s" % rep["smtp_message_ids"])
    print("  events stored: %s" % rep["events_stored"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--readside", default=os.path.join(REPO, "build", "readside"))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("CRASH_ROUNDS", "40")))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--report", help="write the report as JSON to this file")
    ap.add_argument("--events-per-round", type=int, default=3000,
                    help="the ingest pace: this many events per %d s, sent from the start of a "
                    "round until the kill" % PACE_SECONDS)
    ap.add_argument("--compare-every", type=int, default=1,
                    help="compare with a fresh replay every K rounds (and after the last)")
    ap.add_argument("--no-kafka", action="store_true", help="leave out the Kafka node")
    ap.add_argument("--require-all-points", action="store_true",
                    help="fail when a point was never hit (the full run)")
    ap.add_argument("--keep-on-failure", action="store_true",
                    help="keep the work directory (data directories, logs) when a check fails")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = int(os.environ.get("CRASH_SEED") or time.time_ns() % 2 ** 31)
    print("crash test seed %d: rerun with --seed %d (make crash-test CRASH_SEED=%d)"
          % (args.seed, args.seed, args.seed), flush=True)
    binary = os.path.abspath(args.readside)
    points = crash_points(binary)
    preflight(binary, points)
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="readside-crash-test-")
    t_start = time.monotonic()
    stats, kafka_proc, sink = [], None, None
    try:
        kafka = not args.no_kafka
        pool = Pool(binary, args.seed,
                    int(2 * args.events_per_round * POOL_SECONDS / PACE_SECONDS * args.rounds), work)
        sink = start_sink()
        anchor = int(time.time())
        nodes = {"direct": Node("direct", binary, work, pool.slice(0, 2),
                                smtp_port=sink.port if sink else None, clock_anchor=anchor)}
        if kafka:
            kafka_proc, brokers = start_kafka_dev(binary)
            k = Node("kafka", binary, work, pool.slice(1, 2), kafka=True,
                     extra_args=["--kafka-brokers", brokers, "--kafka-topics", "erp",
                                 "--kafka-group", "crash", "--kafka-config",
                                 "session.timeout.ms=3000"])
            nodes["kafka"] = k
        periods = ["2024-01", "2024-02", "2024-Q1"]
        for node in nodes.values():
            setup_node(node)
        starts = [p for p in START_POINTS if kafka or START_POINTS[p] != "kafka"] + [None]
        rounds = plan([p for p in points if kafka or not p.startswith("kafka.")], starts,
                      args.rounds, rng, kafka)
        planned = sorted({point for kind, point, _ in rounds if kind == "point"})
        i, tries = 0, 0
        while rounds:
            kind, point, which = rounds.pop(0)
            run_round(i, kind, point, nodes[which], rng, stats, args, sink, work, periods,
                      last=not rounds)
            # A point not reached, or a start that ended before its kill: the same again, at
            # once (a kill -9 under load always kills).
            tries = tries + 1 if kind != "kill9" and not stats[-1]["reached"] else 0
            if tries and tries < MAX_TRIES:
                stats[-1]["retried"] = True
                rounds.insert(0, (kind, point, which))
            else:
                tries = 0
            i += 1
        for node in nodes.values():
            if node.n:
                fresh_fed_node(node, binary, periods, rng)
        rep = summarize(stats, points, args, t_start, sink)
        failed = []
        if args.require_all_points and rep["points_never_hit"]:
            failed.append("points never hit: %s" % rep["points_never_hit"])
        # A point round must kill at its point (retried up to MAX_TRIES): never a pass without.
        never = [p for p in planned if rep["kills_per_point"][p]["kills"] == 0]
        if never:
            failed.append("point rounds that never killed at their point (%d tries each): %s"
                          % (MAX_TRIES, never))
        if sink is None and (args.require_all_points
                             or os.environ.get("READSIDE_REQUIRE_DEPS") == "1"):
            failed.append("no SMTP sink: Message-IDs unchecked (install python3-aiosmtpd)")
        if rep["start_kills"]["variants_never_killed"]:
            # A start round must kill while the node starts: never a pass without the kill.
            failed.append("start-kill rounds that never killed while starting (%d tries each): "
                          "%s" % (MAX_TRIES, rep["start_kills"]["variants_never_killed"]))
        for k in ("kill9", "store.commit.*"):
            v = rep["inflight_at_kill"][k]
            if v["rounds"] >= MIN_SHARE_ROUNDS and v["share"] < MIN_SHARE:
                failed.append("only %d of %d %s rounds had batches in flight at the kill (< %d %%)"
                              % (v["with_batches_in_flight"], v["rounds"], k, 100 * MIN_SHARE))
        if failed:
            rep["failure"] = "; ".join(failed)
        print_report(rep)
        if args.report:
            with open(args.report, "w") as f:
                json.dump(rep, f, indent=1)
        if failed:
            print("FAILED: %s" % "; ".join(failed))
            return 1
        return 0
    except AssertionError as e:  # CheckFailed, or a query helper's assertion
        rep = summarize(stats, points, args, t_start, sink)
        rep["failure"] = str(e)[:4000]
        print_report(rep)
        if args.report:
            with open(args.report, "w") as f:
                json.dump(rep, f, indent=1)
        print("\nFAILED: %s" % e)
        # The servers' warnings and errors of every start (the cause may be logged by a start
        # before the one that answered wrong).
        for name, node in locals().get("nodes", {}).items():
            log_dir = getattr(node.srv, "_log_dir", None)
            if not log_dir or not os.path.isdir(log_dir):
                continue
            for log in sorted(f for f in os.listdir(log_dir) if f.startswith(("stderr-", "stdout-"))):
                with open(os.path.join(log_dir, log), errors="replace") as f:
                    lines = [l.rstrip() for l in f if "[error]" in l or "[warning]" in l]
                if lines:
                    print("--- %s %s (warnings and errors) ---\n%s"
                          % (name, log, "\n".join(lines[-20:])))
        return 1
    finally:
        keep = args.keep_on_failure and "failure" in locals().get("rep", {})
        started = locals().get("nodes", {})
        for node in started.values():
            if node.srv.running():
                node.srv.kill9()
            if not keep:
                node.srv.close()
        if sink:
            sink.close()
        if kafka_proc:
            kafka_proc.kill()
            kafka_proc.wait()
        if keep:
            print("work directory kept: %s (server logs: %s)" % (work, ", ".join(
                "%s %s" % (n, node.srv._log_dir) for n, node in started.items())))
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
