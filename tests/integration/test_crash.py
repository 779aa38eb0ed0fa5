"""Crash test: kill -9 under concurrent ingest, restart, and check that no acknowledged event
is lost or doubled and that positions stay 1..N without gaps or repeats (api.md "Running":
"No acknowledged event is ever lost, SIGKILL included").

Environment knobs: READSIDE_CRASH_SEED (reproduce a run), READSIDE_CRASH_ROUNDS (default 10).
"""

import http.client
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time

from server import ReadsideServer, ServerTestCase, make_event, strip_position

ORGS = ["crash-a", "crash-b", "crash-c"]
THREADS = 4
BATCH = 200
ROUNDS = int(os.environ.get("READSIDE_CRASH_ROUNDS", "10"))


class Load:
    """THREADS client threads posting BATCH-event batches until the server goes away."""

    def __init__(self, srv, sent, seed, tag):
        self.srv = srv
        self.sent = sent          # shared dict (org, event_id) -> event; filled before posting
        self.seed = seed
        self.tag = tag
        self.lock = threading.Condition()  # guards the lists below; notified per batch
        self.acked = []           # keys acknowledged by a 200
        self.inflight = []        # batches without a 200 (sent or maybe not)
        self.failures = []        # protocol violations seen by clients
        self.batches_ok = 0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(t,), daemon=True)
                        for t in range(THREADS)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self, timeout=90):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self.threads)

    def wait_batches(self, n, timeout=60):
        """Waits until n batches are acknowledged: the evidence that the load is running.
        Returns False when a client stopped first (the server went away) or on timeout."""
        with self.lock:
            return self.lock.wait_for(
                lambda: self.batches_ok >= n or self.inflight or self.failures, timeout
            ) and self.batches_ok >= n

    def _run(self, tid):
        rng = random.Random("%s-%s-%d" % (self.seed, self.tag, tid))
        host, port = self.srv.host, self.srv.port
        b = 0
        while not self.stop.is_set():
            batch = []
            for i in range(BATCH):
                org = rng.choice(ORGS)
                ev = make_event(org, event_id="%s-t%d-b%d-e%d" % (self.tag, tid, b, i),
                                entity_id="ent-%d" % rng.randint(0, 50),
                                payload={"name": "n-%d" % rng.randint(0, 10 ** 9)})
                batch.append(ev)
            b += 1
            keys = [(e["organization_id"], e["event_id"]) for e in batch]
            with self.lock:
                for k, e in zip(keys, batch):
                    self.sent[k] = e
            body = "\n".join(json.dumps(e) for e in batch).encode()
            try:
                conn = http.client.HTTPConnection(host, port, timeout=60)
                try:
                    conn.request("POST", "/events", body,
                                 self.srv.auth_headers({"Content-Type": "application/x-ndjson"}))
                    resp = conn.getresponse()
                    raw = resp.read()
                    status = resp.status
                finally:
                    conn.close()
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.inflight.append(batch)
                return
            if status != 200:
                with self.lock:
                    self.inflight.append(batch)
                    if status < 500:
                        self.failures.append("HTTP %d: %r" % (status, raw[:300]))
                return
            try:
                res = json.loads(raw)
            except ValueError:
                with self.lock:
                    self.failures.append("200 with non-JSON body %r" % raw[:300])
                    self.inflight.append(batch)
                return
            with self.lock:
                if (res.get("accepted") != BATCH or res.get("duplicates") != 0
                        or res.get("conflicts") or res.get("rejected")):
                    self.failures.append("unexpected result for a fresh batch: %r"
                                         % (raw[:500],))
                self.acked.extend(keys)
                self.batches_ok += 1
                self.lock.notify_all()


def scan(srv, after=None):
    """All events of ORGS with position > after: {key: [stored...]}, [positions]."""
    found = {}
    positions = []
    for org in ORGS:
        if after:
            evs = _page_from(srv, org, after)
        else:
            evs = srv.all_events(org)
        for e in evs:
            positions.append(e.get("position"))
            found.setdefault((e.get("organization_id"), e.get("event_id")), []).append(e)
    return found, positions


def _page_from(srv, org, after):
    out = []
    while True:
        r = srv.events(org, limit=1000, after_position=after)
        if r.status != 200:
            raise AssertionError("GET /events/%s failed: %s" % (org, r.describe()))
        out.extend(r.json["events"])
        if r.json["next"] is None:
            return out
        if r.json["next"] <= after:
            raise AssertionError("next did not advance")
        after = r.json["next"]


class CrashTest(ServerTestCase):
    def setUp(self):
        self.seed = int(os.environ.get("READSIDE_CRASH_SEED", str(time.time_ns() % 2 ** 31)))
        sys.stderr.write("\n[crash test seed %d: rerun with READSIDE_CRASH_SEED=%d]\n"
                         % (self.seed, self.seed))
        self.data_dir = tempfile.mkdtemp(prefix="readside-crash-")
        self.addCleanup(shutil.rmtree, self.data_dir, True)

    def check_store(self, srv, sent, acked, upto_prev, ctx):
        """Checks events above position upto_prev; returns (new N, keys present)."""
        found, positions = scan(srv, upto_prev)
        expected = list(range(upto_prev + 1, upto_prev + 1 + len(positions)))
        if sorted(positions) != expected:
            ps = sorted(positions)
            dup = sorted({p for p in ps if ps.count(p) > 1})[:10] if len(ps) < 20000 else "?"
            missing = sorted(set(expected) - set(ps))[:10]
            self.fail("%s: positions after %d are not gap-free/unique (count %d, min %s, max %s,"
                      " first missing %s, repeated %s)\n%s" % (
                          ctx, upto_prev, len(ps), ps[0] if ps else None,
                          ps[-1] if ps else None, missing, dup, srv.logs()))
        doubled = [k for k, v in found.items() if len(v) > 1]
        self.assertEqual(doubled[:10], [], "%s: events stored more than once" % ctx)
        phantom = [k for k in found if k not in sent]
        self.assertEqual(phantom[:10], [], "%s: events nobody sent" % ctx)
        wrong = [k for k, v in found.items() if strip_position(v[0]) != sent[k]]
        self.assertEqual(wrong[:10], [], "%s: stored content differs from sent" % ctx)
        return upto_prev + len(positions), set(found)

    def test_kill9_under_concurrent_load(self):
        t_start = time.monotonic()
        rng = random.Random(self.seed)
        srv = ReadsideServer(data_dir=self.data_dir)
        self.addCleanup(srv.close)
        srv.start()
        sent = {}
        acked = set()
        present = set()     # keys seen in the store so far
        n = 0               # highest verified position
        stats = []
        for rnd in range(ROUNDS):
            ctx = "round %d (seed %d)" % (rnd, self.seed)
            load = Load(srv, sent, self.seed, "r%d" % rnd).start()
            # The crash point: after a random number of acknowledged batches, while the other
            # client threads are in the middle of theirs.
            kill_after = rng.randint(1, 60)
            self.assertTrue(load.wait_batches(kill_after),
                            "%s: the load did not get %d batches acknowledged: %s\n%s"
                            % (ctx, kill_after, load.failures, srv.logs()))
            srv.kill9()
            self.assertTrue(load.join(), "%s: client threads hang after kill -9" % ctx)
            self.assertEqual(load.failures, [], ctx)
            acked.update(load.acked)
            srv.start()
            round_start = n
            # Everything acknowledged is there; un-acknowledged events at most once.
            n, new_keys = self.check_store(srv, sent, acked, round_start, ctx)
            present |= new_keys
            lost = [k for k in load.acked if k not in present]
            self.assertEqual(lost[:10], [], "%s: %d acknowledged events lost after kill -9"
                             % (ctx, len(lost)))
            survivors = 0
            # Re-send what was in flight at kill time: must be idempotent.
            for batch in load.inflight:
                keys = [(e["organization_id"], e["event_id"]) for e in batch]
                there = sum(1 for k in keys if k in present)
                survivors += there
                try:
                    r = srv.post_events(batch)
                except OSError as e:
                    self.fail("%s: re-sending an in-flight batch after restart: %r; server "
                              "exit code %s\n%s" % (ctx, e, srv.proc.poll(), srv.logs()))
                self.assertBatch(r, accepted=len(batch) - there, duplicates=there,
                                 position=(n + len(batch) - there) if there < len(batch)
                                 else None, msg="%s: re-sending an in-flight batch" % ctx)
                n += len(batch) - there
                present.update(keys)
                acked.update(keys)
            if load.inflight:
                n2, keys2 = self.check_store(srv, sent, acked, round_start,
                                             ctx + " after re-sending")
                self.assertEqual(n2, n, ctx + ": store size after re-sending")
                resent = {(e["organization_id"], e["event_id"])
                          for batch in load.inflight for e in batch}
                self.assertEqual(sorted(resent - keys2)[:10], [],
                                 ctx + ": re-sent events missing")
            stats.append((kill_after, load.batches_ok, len(load.inflight), survivors))
        # Final restart (graceful this time) and full verification.
        self.assertEqual(srv.stop(signal.SIGTERM), 0, "SIGTERM exit code\n" + srv.logs())
        srv.start()
        found, positions = scan(srv)
        self.assertEqual(sorted(positions), list(range(1, len(positions) + 1)),
                         "final: positions not 1..N")
        self.assertEqual(len(positions), n)
        self.assertEqual([k for k, v in found.items() if len(v) != 1][:10], [])
        missing = [k for k in acked if k not in found]
        self.assertEqual(missing[:10], [], "final: %d acknowledged events missing"
                         % len(missing))
        self.assertEqual(set(found), set(sent), "final: store differs from what was sent")
        for k, v in found.items():
            if strip_position(v[0]) != sent[k]:
                self.fail("final: content of %r differs" % (k,))
        ready = srv.wait_ready(timeout=60, caught_up_to=n)
        self.assertEqual(ready.json["stored_position"], n)
        # Positions continue right after the last one.
        r = srv.post_events([make_event("crash-a") for _ in range(3)])
        self.assertBatch(r, accepted=3, position=n + 3)
        sys.stderr.write("[crash test: %d events, %.1fs; rounds (killed after batch, ok "
                         "batches, in flight, in-flight events found after restart): %s]\n"
                         % (n, time.monotonic() - t_start, stats))

    def test_sigterm_under_concurrent_load(self):
        srv = ReadsideServer(data_dir=self.data_dir)
        self.addCleanup(srv.close)
        srv.start()
        sent = {}
        load = Load(srv, sent, self.seed, "term").start()
        # Under load: every client thread has had a batch acknowledged and is sending more.
        self.assertTrue(load.wait_batches(2 * THREADS),
                        "the load did not get going: %s\n%s" % (load.failures, srv.logs()))
        code = srv.stop(signal.SIGTERM)
        self.assertTrue(load.join(), "client threads hang after SIGTERM")
        self.assertEqual(code, 0, "SIGTERM under load must exit 0\n" + srv.logs())
        self.assertEqual(load.failures, [])
        srv.start()
        found, positions = scan(srv)
        self.assertEqual(sorted(positions), list(range(1, len(positions) + 1)))
        self.assertEqual([k for k, v in found.items() if len(v) != 1][:10], [])
        lost = [k for k in load.acked if k not in found]
        self.assertEqual(lost[:10], [], "%d acknowledged events lost after SIGTERM" % len(lost))
        for batch in load.inflight:
            keys = [(e["organization_id"], e["event_id"]) for e in batch]
            there = sum(1 for k in keys if k in found)
            r = srv.post_events(batch)
            self.assertBatch(r, accepted=len(batch) - there, duplicates=there)
        found, positions = scan(srv)
        self.assertEqual(set(found), set(sent))
        self.assertEqual(sorted(positions), list(range(1, len(sent) + 1)))
