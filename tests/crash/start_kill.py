"""The crash test's start-kill rounds (tests/crash/crash_test.py): a node killed while it starts,
that is while it recovers from the kill before.

A start does work of its own, and that work has crash points too: the store re-indexes the
log's tail that the kill took with the memtable (store.index.*, before the node listens), the
search index commits the tail it had not committed (search.commit.*, its first commit comes
about a second into the start), and Kafka's node consumes what was produced while it was down
(kafka.offsets.*, before it is ready). A start-kill round therefore:

1. leaves a backlog: the node runs the workload with the real scheduler clock (so that no
   report run falls due and this kill cuts none: the runs are checked against the one kill of
   step 2) until an ingest batch and an own-state change are acknowledged, then 0.5-1.5 s more,
   and is killed with kill -9 while an ingest batch is on the wire; on Kafka's node, events are
   then produced to its topic while it is down (`readside produce`; acknowledged once Kafka
   took them);
2. starts it again, with the scheduler's fast clock (the start also catches up the report runs
   missed meanwhile) and either a START_POINTS point armed at its first hit, or a kill -9 at a
   random instant of the start; the workload runs as soon as the node listens, as it would
   against a node a balancer had not taken out;
3. asserts the process died by that point (its "crash point ... killing" line, SIGKILL) or by
   our kill -9, and that it died before the start was over, else the round is "not reached"
   (run again, like a point round whose point was not reached; a variant that never kills
   while starting in crash_test.MAX_TRIES rounds fails the run). Any other death is a failure:
   another point, a signal other than SIGKILL, an exit. crash_test.run_round then restarts the
   node cleanly and checks the history as after any round.

When is a start over? Once the node listens, /health/ready answers 200 (the read models caught
up with the store as it was at start; on Kafka's node also its partitions) and the search index
committed up to the store's position when the node began to listen (S0, read from /health/live
before the workload starts). StartWatch looks every 20 ms; a death while the start is not seen
over counts as a start-kill, in the phase it was in: "opening" (the process had not printed
"listening on"), "catching_up" (listening, not seen ready) or "indexing" (ready, the search
index not yet at S0). Guards against counting a kill that came just after the start ended: a
kill -9 is sent only after one more look at /health/ready, taken under the lock the watcher's
looks and its reading of S0 take, says the start is not over; and after any death seen in the
"indexing" phase, the search position the node recorded on disk (DATA_DIR/search/position,
written before the one /health reports moves) must still be below S0. What is left is one
look's window (20 ms) in which a node may turn ready unseen before a point kills it."""

import os
import signal
import subprocess
import tempfile
import threading
import time

from workload import BATCH, KILL_LINE, NET_ERRORS, Workload, check

# Points a start reaches by itself, with the node each is armed on (see the module docstring).
START_POINTS = {
    "store.index.before_write": "direct",
    "store.index.after_write": "direct",
    "search.commit.before": "direct",
    "search.commit.mid": "direct",
    "search.commit.before_position": "direct",
    "kafka.offsets.before_write": "kafka",
    "kafka.offsets.after_write": "kafka",
}
BACKLOG_SECONDS = (0.5, 1.5)  # step 1: load before the kill -9 that leaves the backlog
PRODUCED_WHILE_DOWN = (4, 20)  # step 1 on Kafka's node: batches of BATCH events produced
START_TIMEOUT = 60.0  # a start neither over nor dead by then fails the round
LOOK_EVERY = 0.02  # seconds between two looks of StartWatch
# A kill -9's instant is drawn in [0, T], T the node's time from the spawn to listening (half of
# the rounds) or to ready (the other half) when restarted after a kill, the median of its
# earlier rounds, else these defaults (Kafka's node is ready once the group gave its partitions
# back: a dead member's session, 3 s here). Ready is not always the end of the start (the search
# index may still commit its tail), but the search index's tail is not always there to commit:
# search.commit.* kill in that phase.
DEFAULT_TO_LISTENING = {"direct": 0.2, "kafka": 0.3}
DEFAULT_TO_READY = {"direct": 0.3, "kafka": 4.0}


class StartWatch:
    """One start of a node, followed from its spawn until it is over or the process died;
    with `kill_at`, kills it with kill -9 that many seconds after the spawn if it is still
    starting. run() returns the workload started once the node listened (None if it died
    first)."""

    def __init__(self, node, rng, rate, kill_at=None):
        self.node = node
        self.rng = rng
        self.rate = rate
        self.kill_at = kill_at
        self.lock = threading.Lock()
        self.phase = "opening"
        self.listening = False
        self.s0 = None  # the stored position when the node began to listen
        self.recovered_after = None  # seconds after the spawn the start was seen over
        self.kill_sent = None  # (seconds after the spawn, phase) of our kill -9
        self.died_after = None  # seconds after the spawn the process was seen dead
        self.t0 = None

    def over(self, r):
        """Whether a /health/ready answer says the start is over."""
        return (self.s0 is not None and r.status == 200
                and (r.json or {}).get("search_position", -1) >= self.s0)

    def look(self):
        """One look at /health/ready (None when the node did not answer); updates the phase.
        Called with the lock held."""
        try:
            r = self.node.srv.get("/health/ready", timeout=2)
        except NET_ERRORS:
            return None
        if self.over(r):
            self.recovered_after = time.monotonic() - self.t0
        else:
            self.phase = "indexing" if r.status == 200 else "catching_up"
        return r

    def killer(self, spawned_before):
        """The kill -9 at t0 + kill_at, if the start is not over by then."""
        srv = self.node.srv
        while srv.proc is spawned_before and time.monotonic() < self.t0 + 5:
            time.sleep(0.001)  # srv.start() has not spawned the process yet
        proc = srv.proc  # this start's process, and no later one
        while time.monotonic() < self.t0 + self.kill_at:
            time.sleep(min(0.002, max(0.0, self.t0 + self.kill_at - time.monotonic())))
        with self.lock:
            over = self.recovered_after is not None
            if over or proc is spawned_before or proc.poll() is not None:
                return
            if self.listening:
                self.look()  # one more look: the start may have ended since the last one
                if self.recovered_after is not None:
                    return
            os.kill(proc.pid, signal.SIGKILL)
            self.kill_sent = (round(time.monotonic() - self.t0, 3), self.phase)

    def run(self, ctx):
        srv = self.node.srv
        self.t0 = time.monotonic()
        if self.kill_at is not None:
            threading.Thread(target=self.killer, args=(srv.proc,), daemon=True).start()
        try:
            srv.start(timeout=START_TIMEOUT)
        except RuntimeError as e:
            check("before listening" in str(e), "%s: the start hung: %s" % (ctx, e))
            self.died_after = time.monotonic() - self.t0
            return None  # died while opening
        with self.lock:  # the killer waits for S0, so that its last look can judge the start
            self.phase = "catching_up"
            try:
                self.s0 = srv.get("/health/live", timeout=5).json["stored_position"]
            except NET_ERRORS:
                self.died_after = time.monotonic() - self.t0
                return None
            self.listening = True
        load = Workload(self.node, self.rng, self.rate).start()
        deadline = self.t0 + START_TIMEOUT
        while srv.running() and time.monotonic() < deadline:
            with self.lock:
                if self.recovered_after is None:
                    self.look()
                if self.recovered_after is not None:
                    break
            time.sleep(LOOK_EVERY)
        if not srv.running():
            self.died_after = time.monotonic() - self.t0
        check(self.died_after is not None or self.recovered_after is not None,
              "%s: neither over nor dead %.0f s after the spawn" % (ctx, START_TIMEOUT),
              self.node)
        return load

    def search_recorded(self):
        """The search position the node recorded on disk (0 when none yet)."""
        try:
            with open(os.path.join(self.node.srv.data_dir, "search", "position")) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0


def produce_while_down(node, rng):
    """Kafka's node is down: events of its pool go to its topic the way another producer would
    put them there (`readside produce`, idempotent, acks=all). Acknowledged once it exits 0;
    the node must store them when it catches up. Returns how many."""
    batch = node.take(BATCH * rng.randint(*PRODUCED_WHILE_DOWN))
    if not batch:
        return 0
    with tempfile.NamedTemporaryFile("wb", suffix=".ndjson", delete=False) as f:
        f.write(b"\n".join(batch) + b"\n")
        path = f.name
    try:
        out = subprocess.run([node.binary, "produce", path, "--kafka-brokers", node.brokers,
                              "--topic", node.kafka_topic], capture_output=True, text=True,
                             timeout=120)
    finally:
        os.remove(path)
    check(out.returncode == 0, "producing while the Kafka node is down: exit %d: %s"
          % (out.returncode, out.stderr[-2000:]))
    node.acked.update(node.key_of(line) for line in batch)
    return len(batch)


def leave_backlog(ctx, node, rng, rate, entry):
    """Step 1 (module docstring); returns the workload, whose in-flight batches are re-sent
    after the recovery."""
    node.srv.env = {}  # the real clock: nothing falls due, no report run is cut by this kill
    node.srv.start()
    load = Workload(node, rng, rate).start()
    acked = load.wait_acked(1) and load.wait_own_state_acked(1)
    check(not load.failures, "%s: %s" % (ctx, load.failures[:3]), node)
    check(acked, "%s: no ingest batch or own-state change acknowledged before the backlog's "
          "kill; /health/ready: %s" % (ctx, load.health()), node)
    time.sleep(rng.uniform(*BACKLOG_SECONDS))
    load.wait_on_wire()
    code = node.srv.kill9()
    load.stop()
    check(load.join(), "%s: client threads hang after the backlog's kill" % ctx)
    check(not load.failures, "%s: %s" % (ctx, load.failures[:3]), node)
    check(code == -signal.SIGKILL, "%s: the node died by itself (%s) before the backlog's "
          "kill" % (ctx, code), node)
    entry["backlog"] = {"acked_batches": load.acked_batches,
                        "inflight_batches": len(load.inflight)}
    if node.kafka:
        entry["backlog"]["produced_while_down"] = produce_while_down(node, rng)
    return load


def kill_at_for(node, rng, history):
    """A kill -9's instant for a start of `node` (see DEFAULT_TO_LISTENING); `history`: the
    rounds so far (crash_test's stats)."""
    def median(key):
        xs = sorted(s[key] for s in history if s["node"] == node.name and key in s)
        return xs[len(xs) // 2] if xs else None
    to_listening = median("restart_listening_s") or DEFAULT_TO_LISTENING[node.name]
    to_ready = median("restart_ready_s") or DEFAULT_TO_READY[node.name]
    span = to_listening if rng.random() < 0.5 else max(to_ready, to_listening)
    return round(rng.uniform(0, span), 3)


def start_kill_round(ctx, point, node, rng, rate, entry, history):
    """Steps 1-3 (module docstring). Fills `entry` (reached, during_start, start_kill: phase,
    seconds from the spawn to the kill, S0). Returns (the workloads to re-send from, the one
    that ran during the start or None when the node died before it listened)."""
    loads = [leave_backlog(ctx, node, rng, rate, entry)]
    env = dict(node.clock_env)
    kill_at = None
    if point:
        entry["spec"] = "%s:1" % point  # the first hit: the start's own work
        env["READSIDE_CRASH_POINT"] = entry["spec"]
    else:
        kill_at = kill_at_for(node, rng, history)
        entry["kill_at_s"] = kill_at
    node.srv.env = env
    watch = StartWatch(node, rng, rate, kill_at)
    load = watch.run(ctx)
    if load is not None:
        load.stop()
    code = node.srv.kill9()  # reaps it, or kills it when the start ended without the kill
    if load is not None:
        check(load.join(), "%s: client threads hang after the start's kill" % ctx)
        check(not load.failures, "%s: %s" % (ctx, load.failures[:3]), node)
        loads.append(load)
    died = watch.died_after is not None
    m = KILL_LINE.search(node.srv.stderr_text())
    check(not m or m.group(1) == point, "%s: killed at %s" % (ctx, m and m.group(1)), node)
    if died:
        # Whatever killed it, it was SIGKILL: a start that crashes or exits is a failure.
        check(code == -signal.SIGKILL, "%s: the process died during its start with %s, not "
              "by the crash point or kill -9" % (ctx, code), node)
        if point:
            check(m and m.group(1) == point, "%s: died during the start, but not at %s (%s)"
                  % (ctx, point, m and m.group(0)), node)
        else:
            check(watch.kill_sent is not None and not m, "%s: died during the start before "
                  "the kill -9 (%s)" % (ctx, m and m.group(0)), node)
    # Else the start was over first (the point may have killed since, on later work): the
    # round is not reached, and run again.
    # Was the start still going? Not if the watcher saw it over, nor if the search index had
    # recorded S0 on disk while the last look saw the node ready.
    during = died and watch.recovered_after is None
    if during and watch.phase == "indexing" and watch.search_recorded() >= watch.s0:
        during = False
    # The phase by the process's own output where the watcher had not seen it listen yet.
    printed = any("listening on" in line for line in node.srv._stdout_lines)
    phase = "opening" if not printed else "catching_up" if watch.phase == "opening" else watch.phase
    entry["reached"] = during
    entry["during_start"] = during
    entry["start_kill"] = {
        "phase": phase if died else None,
        "died_after_s": round(watch.died_after, 3) if died else None,
        "kill_sent": watch.kill_sent,
        "recovered_after_s": (round(watch.recovered_after, 3)
                              if watch.recovered_after is not None else None),
        "stored_at_listening": watch.s0,
    }
    return loads, load
