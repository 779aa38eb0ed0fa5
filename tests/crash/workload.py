"""The crash test's workload (tests/crash/crash_test.py): the generated event pool, the client
threads that drive a node until it dies, and what each node has been acknowledged.

Ingest is paced (a token bucket of `rate` events per second shared by the ingest threads) and
goes on until the node dies, so that a kill at any moment of a round lands while batches are
being ingested; the workload counts the ingest requests on the wire (`ingest_on_wire`) so the
crash test can kill -9 while one is, and records the batches sent without an answer
(`inflight`). A batch whose connection was refused never reached the server: it goes back to
the node's pool (`Node.requeue`) instead of counting as in flight. Any 5xx other than 503
(with its Retry-After) from a live server is a failure of the round, for ingest, queries,
own-state changes and rebuilds alike.

readside's own state is changed through the HTTP API on both nodes, by one thread taking turns
between a dashboard change (a widget's title) and a schedule change (creating or deleting a
"churn" schedule that never falls due). On the Kafka node both travel on the own-state topic
(src/kafka/own_state_writer.h): produced, consumed back and stored, then answered. Each node
records what was acknowledged (with the answer's position) and what was in flight, for the
checks of history.py."""

import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from server import ANALYTICS_ROUTES, ReadsideServer, encode_body  # noqa: E402

ORGS = ("crash-a", "crash-b", "crash-c")
SCHEDULE_ORGS = ("crash-a", "crash-b")
# Schedules the own-state workload creates and deletes: due on 29 February at 03:00 only, which
# neither the real clock nor the crash test's fast scheduler clock reaches during a run, so
# they never run (their changes are the subject, not their runs).
CHURN_CRON = "0 3 29 2 *"
CHURN_ALIVE = 2  # churn schedules a tenant keeps: one more is created, or the oldest deleted
BATCH = 50  # events per POST: ingest commits outnumber the other writers' (dashboards, runs)
INGEST_THREADS = 3
CLOCK_SPEED = 30  # scheduler minutes per wall second: a "* * * * *" schedule is due every 2 s
KEY = re.compile(rb'^\{"event_id":"([^"\\]*)","event_type":"[^"\\]*","organization_id":"([^"\\]*)"')
NET_ERRORS = (OSError, http.client.HTTPException)  # the server went away mid-request
# What a crash point writes to stderr when it kills (src/common/crash_point.h).
KILL_LINE = re.compile(r"crash point (\S+) hit (\d+): killing")


class CheckFailed(AssertionError):
    pass


def check(cond, what, node=None):
    if not cond:
        raise CheckFailed(what + ("\n" + node.srv.logs(8000) if node is not None else ""))


# -- the event pool -----------------------------------------------------------------------

class Pool:
    """Generated ERP events (`readside generate`), handed out in batches; each node gets its
    own slice."""

    def __init__(self, binary, seed, count, work):
        path = os.path.join(work, "pool.ndjson")
        subprocess.run([binary, "generate", "--seed", str(seed), "--count", str(count),
                        "--tenants", ",".join(ORGS), "--start", "2024-01-01T00:00:00Z",
                        "--out", path], check=True, capture_output=True)
        self.lines = []
        seen = set()
        with open(path, "rb") as f:
            for raw in f:
                m = KEY.search(raw)  # the generator writes these two first; else parse
                if m:
                    key = (m.group(2).decode(), m.group(1).decode())
                else:
                    ev = json.loads(raw)
                    key = (ev["organization_id"], ev["event_id"])
                if key not in seen:
                    seen.add(key)
                    self.lines.append(raw.rstrip(b"\n"))
        os.remove(path)

    def slice(self, part, parts):
        n = len(self.lines) // parts
        return self.lines[part * n:(part + 1) * n]


# -- the workload -------------------------------------------------------------------------

class Workload:
    """Threads driving one node until it goes away: ingest (acknowledged keys recorded),
    queries, own-state changes (dashboards, schedules), rebuilds. stop() ends them; join() waits."""

    def __init__(self, node, rng, rate):
        self.node = node
        self.srv = node.srv
        self.rng = rng
        self.interval = BATCH / float(rate)  # seconds between two batches (all threads)
        self.next_slot = time.monotonic()
        self.ingest_on_wire = 0  # ingest requests sent and not answered
        self.pool_spent = False
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.acked_batches = 0
        self.acked_cond = threading.Condition(self.lock)
        self.inflight = []  # batches (lists of raw lines) sent, no answer: on the wire at the kill
        self.refused = []   # batches answered 503: re-sent after the restart too
        self.failures = []
        self.queries = 0
        self.rebuilds = 0
        self.dash_changes = 0  # acknowledged own-state changes
        self.schedule_changes = 0
        self.threads = [threading.Thread(target=self.ingest, daemon=True)
                        for _ in range(INGEST_THREADS)]
        self.threads.append(threading.Thread(target=self.query, daemon=True))
        self.threads.append(threading.Thread(target=self.rebuild, daemon=True))
        self.threads.append(threading.Thread(target=self.own_state, daemon=True))

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_flag.set()

    def join(self, timeout=90):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self.threads)

    def wait_acked(self, n, timeout=30):
        """Waits until n batches are acknowledged (the evidence that the load runs); False
        when the server went away first or on timeout."""
        with self.lock:
            return self.acked_cond.wait_for(lambda: self.acked_batches >= n or self.inflight,
                                            timeout) and self.acked_batches >= n

    def health(self):
        """/health/ready's body now (for a failure's message: still starting? Kafka?)."""
        try:
            return self.srv.get("/health/ready", timeout=5).raw[:1500].decode("utf-8", "replace")
        except NET_ERRORS as e:
            return "no answer (%s)" % e

    def fail(self, what):
        """Records a failure of the round (called with the lock held) and wakes the waits."""
        self.failures.append(what)
        self.acked_cond.notify_all()

    def wait_own_state_acked(self, n, timeout=30):
        """Waits until n own-state changes are acknowledged (on Kafka's node the evidence that
        its consumer stores the own-state topic again: a change is answered once consumed
        back); False when the server went away first or on timeout."""
        def done():
            return self.dash_changes + self.schedule_changes >= n
        with self.lock:
            return self.acked_cond.wait_for(
                lambda: done() or self.failures or not self.srv.running(), timeout) and done()

    def alive(self):
        return not self.stop_flag.is_set() and self.srv.running()

    def pace(self):
        """Waits for this thread's slot of the token bucket; False once the node is gone."""
        with self.lock:
            now = time.monotonic()
            self.next_slot = max(self.next_slot + self.interval, now - self.interval)
            slot = self.next_slot
        while self.alive():
            left = slot - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(left, 0.05))
        return False

    def ingest(self):
        node = self.node
        while self.pace():
            with self.lock:
                batch = node.take(BATCH)
                if not batch:
                    self.pool_spent = True
                    break
                self.ingest_on_wire += 1
            body = b"\n".join(batch)
            try:
                r = self.srv.request("POST", "/events", body,
                                     {"Content-Type": "application/x-ndjson"}, timeout=60)
            except ConnectionRefusedError:
                # Never reached the server (it is gone): back to the pool, not in flight.
                with self.lock:
                    self.ingest_on_wire -= 1
                    node.give_back(batch)
                return
            except NET_ERRORS:
                with self.lock:
                    self.ingest_on_wire -= 1
                    self.inflight.append(batch)
                    self.acked_cond.notify_all()
                return
            with self.lock:
                self.ingest_on_wire -= 1
            if r.status != 200:
                with self.lock:
                    if r.status != 503:
                        node.give_back(batch)
                        self.fail("POST /events: " + r.describe())
                        return
                    # Refused (back-pressure, Retry-After): not acknowledged, stored or not;
                    # re-sent after the restart like a batch in flight.
                    self.refused.append(batch)
                time.sleep(0.1)
                continue
            body = r.json or {}
            with self.lock:
                if body.get("rejected") or (not node.kafka and body.get("accepted") != len(batch)):
                    self.fail("a fresh batch not accepted whole: " + r.describe())
                node.acked.update(node.key_of(line) for line in batch)
                self.acked_batches += 1
                self.acked_cond.notify_all()
        # The node's pool is spent: the other threads go on until the kill.
        while self.alive():
            time.sleep(0.05)

    def wait_on_wire(self, timeout=2.0):
        """Waits until an ingest request is on the wire (sent, not answered); False on timeout
        or when the node went away."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.srv.running():
            with self.lock:
                if self.ingest_on_wire > 0:
                    return True
            time.sleep(0.001)
        return False

    def get(self, path):
        try:
            r = self.srv.get(path, timeout=30)
        except NET_ERRORS:
            return None
        if r.status >= 500 and r.status != 503:
            with self.lock:
                self.fail("GET %s: %s" % (path, r.describe()))
        return r

    def query(self):
        rng = random.Random(self.rng.random())
        while self.alive():
            org = rng.choice(ORGS)
            route = rng.choice(sorted(ANALYTICS_ROUTES.values())) % org
            paths = [route + "?period=2024-0%d" % rng.randint(1, 3),
                     "/search/%s?q=%s&limit=5" % (org, rng.choice(("smith", "acme", "invoice", "a"))),
                     "/events/%s?limit=50" % org,
                     "/reports/history/%s" % org]
            for p in paths:
                if self.get(p) is None:
                    return
                self.queries += 1
            time.sleep(0.005)  # queries beside the ingest, not a flood that starves it

    def rebuild(self):
        rng = random.Random(self.rng.random())
        while self.alive():
            time.sleep(rng.uniform(0.8, 2.0))
            path = "/admin/rebuild/" + rng.choice(ORGS) if rng.random() < 0.8 else "/admin/rebuild"
            try:
                r = self.srv.request("POST", path, timeout=30)
            except NET_ERRORS:
                return
            # 202: started; 503: one is running (Retry-After); 404: a tenant without events.
            if r.status in (200, 202) or r.status == 503 or (r.status == 404 and path != "/admin/rebuild"):
                self.rebuilds += 1 if r.status in (200, 202) else 0
            else:
                with self.lock:
                    self.fail("POST %s: %s" % (path, r.describe()))
                return

    def own_state_acked(self, what):
        with self.lock:
            if what == "dashboard":
                self.dash_changes += 1
            else:
                self.schedule_changes += 1
            self.acked_cond.notify_all()

    def own_state(self):
        """Dashboard and schedule changes, one at a time, in turns."""
        rng = random.Random(self.rng.random())
        # Right from the start, while the read models still load: the server makes a change
        # wait for them (503 with Retry-After only after 30 s), so an existing widget is never
        # 404 here (a failure).
        turn = rng.randrange(2)
        while self.alive():
            org = rng.choice(ORGS)
            turn ^= 1
            if turn:
                if not self.node.dashboard_change(org, self):
                    return
            elif not self.node.schedule_change(org, self, rng):
                return
            time.sleep(rng.uniform(0.1, 0.4))  # beside the ingest, whose commits outnumber these


# -- one node and its history ---------------------------------------------------------------

class Node:
    """One data directory and everything acknowledged to it."""

    def __init__(self, name, binary, work, lines, extra_args=(), kafka=False, smtp_port=None,
                 clock_anchor=0):
        self.name = name
        self.kafka = kafka
        # Kafka's node: its brokers and the topic POST /events produces to (the first one).
        args = list(extra_args)
        self.brokers = args[args.index("--kafka-brokers") + 1] if kafka else None
        self.kafka_topic = args[args.index("--kafka-topics") + 1].split(",")[0] if kafka else None
        # Report runs need the SMTP sink's messages told apart per node: the running schedules
        # (and the fast scheduler clock) are the direct node's. Dashboards and schedule changes
        # are made on both (on Kafka's through the own-state topic).
        schedules = not kafka
        self.binary = binary
        self.lines = lines
        self.next_line = 0
        self.requeue = []  # batches given back (never reached the server), sent first
        self.schedules = schedules
        self.clock_env = ({"READSIDE_TEST_SCHEDULER_CLOCK": "%d:%d" % (clock_anchor, CLOCK_SPEED)}
                          if schedules else {})
        self.extra_args = ["--access-log", "off", "--snapshot-every-events", "3000",
                           "--report-catch-up-max-age", "86400"] + list(extra_args)
        if smtp_port:
            self.extra_args += ["--smtp-url", "smtp://127.0.0.1:%d" % smtp_port,
                                "--smtp-from", "reports@example.com"]
        self.srv = ReadsideServer(data_dir=os.path.join(work, name), binary=binary,
                                  extra_args=self.extra_args)
        self.sent = {}        # (org, event_id) -> raw line, for every line ever posted
        self.acked = set()    # keys acknowledged with a 200
        self.present = set()  # keys found stored
        self.own_keys = set()  # of those, readside's own events (dashboards, report runs)
        self.n = 0            # positions verified gap-free so far
        # Dashboards: org -> {"id", "widget", "acked": title, "pending": [titles in flight],
        # "acked_at": [(title, position of its event)] acknowledged since the last check}
        self.dash = {org: {"id": None, "widget": None, "acked": None, "pending": [],
                           "acked_at": []} for org in ORGS}
        # Churn schedules (told apart by their unique subject): org -> {"alive": {subject: id}
        # (creation acknowledged, no deletion sent), "creating": [subjects in flight],
        # "deleting": {subject: id} (deletion in flight), "deleted": {subject: id}
        # (deletion acknowledged), "acked_at": {subject: position its creation's answer gave}}
        self.churn = {org: {"alive": {}, "creating": [], "deleting": {}, "deleted": {},
                            "acked_at": {}} for org in ORGS}
        # readside's own events of dashboards and schedules as the log holds them, in position
        # order: (position, event_type, organization, payload); gathered by history.check_events.
        self.own_events = []
        self.schedule_ids = {}
        # The report runs as the log holds them (readside.report.run_* events, in position
        # order), the attempts found without an outcome ({(run_id, attempt): round}, each the
        # trace of a kill), and the kind of kill of each round ({round: point or None}).
        self.run_events = []
        self.open_attempts = {}
        self.kills = {}
        # Input counters: duplicates each tenant's data quality must show (the re-sent batches'
        # events that were stored before; nothing else is ever a duplicate here).
        self.expected_duplicates = {org: 0 for org in ORGS}

    def key_of(self, line):
        m = KEY.search(line)
        if m:
            return m.group(2).decode(), m.group(1).decode()
        ev = json.loads(line)
        return ev["organization_id"], ev["event_id"]

    def take(self, n):
        if self.requeue:
            batch = self.requeue.pop()
        else:
            batch = self.lines[self.next_line:self.next_line + n]
            self.next_line += len(batch)
        for line in batch:
            self.sent[self.key_of(line)] = line
        return batch

    def give_back(self, batch):
        """A batch the server never saw: no longer sent, taken again later."""
        for line in batch:
            self.sent.pop(self.key_of(line), None)
        self.requeue.append(batch)

    def sent_keys(self):
        return set(self.sent)

    # -- dashboards: one change at a time (the workload's own-state thread) -------------------

    def dashboard_change(self, org, load):
        d = self.dash[org]
        h = {"Content-Type": "application/json"}
        title = "w-%d" % random.randint(0, 10 ** 9)
        d["pending"].append(title)
        try:
            r = self.srv.request("PUT", "/dashboards/%s/widgets/%s" % (org, d["widget"]),
                                 encode_body({"title": title}), h)
        except NET_ERRORS:
            return False
        if r.status == 200:
            d["acked"] = title
            d["pending"] = []
            # The answer shows the widget as applied: its version is its event's position.
            d["acked_at"].append((title, r.json["version"]))
            load.own_state_acked("dashboard")
            return True
        if r.status == 503:
            return True  # not applied in time (or refused): stays pending
        with load.lock:
            load.fail("dashboard change: " + r.describe())  # 404 included
        return False

    # -- schedule changes: churn schedules created and deleted (the same thread) --------------

    def schedule_change(self, org, load, rng):
        """Creates a churn schedule, or deletes the oldest acknowledged one once the tenant has
        CHURN_ALIVE. Unanswered (the node died) or 503: in flight, resolved by the next check
        (history.check_schedule_changes). Like a dashboard change, right from the start: a 404
        for an acknowledged schedule is a failure, while the read models load too. False when
        the node went away or on a failure."""
        c = self.churn[org]
        h = {"Content-Type": "application/json"}
        if len(c["alive"]) < CHURN_ALIVE:
            subject = "churn-%s-%d" % (self.name, rng.randint(0, 10 ** 12))
            body = {"organization_id": org, "report": "financial", "type": "trial_balance",
                    "period": "current_month", "format": "csv", "cron": CHURN_CRON,
                    "timezone": "UTC", "recipients": ["churn@example.com"], "subject": subject}
            c["creating"].append(subject)
            try:
                r = self.srv.request("POST", "/reports/schedule", encode_body(body), h)
            except NET_ERRORS:
                return False
            if r.status == 201 and r.json.get("subject") == subject:
                c["creating"].remove(subject)
                c["alive"][subject] = r.json["id"]
                c["acked_at"][subject] = r.headers.get("x-readside-position")
                load.own_state_acked("schedule")
                return True
            what = "creating a schedule"
        else:
            subject = next(iter(c["alive"]))  # the oldest (dicts keep insertion order)
            sid = c["alive"].pop(subject)
            c["deleting"][subject] = sid  # never deleted twice: a second DELETE would be 404
            try:
                r = self.srv.request("DELETE", "/reports/scheduled/%s" % sid)
            except NET_ERRORS:
                return False
            if r.status == 204:
                c["deleted"][subject] = c["deleting"].pop(subject)
                load.own_state_acked("schedule")
                return True
            what = "deleting a schedule"
        if r.status == 503:
            return True  # not applied in time, or Kafka did not take it: stays in flight
        # What the node shows now (still starting? a rebuild?), to tell a lost schedule from a
        # view that is not there yet or went back in time.
        try:
            ready = self.srv.get("/health/ready")
            listed = [(x["subject"], x["id"]) for x in
                      (self.srv.get("/reports/scheduled/%s" % org).json or {}).get("schedules", [])]
            rebuild = self.srv.get("/admin/rebuild")
            now = "\n  /health/ready now: %s\n  listed now: %s\n  rebuilds: %s" % (
                ready.raw[:300], listed, rebuild.raw[:600])
            if r.status == 404 and (subject, c["deleting"].get(subject)) in listed:
                now += ("\n  it is listed now: the 404 came from a view that did not hold it "
                        "(read models still loading after the start?)")
        except NET_ERRORS:
            now = ""
        with load.lock:
            load.fail("%s %r of %s (created at position %s, or found by a check after a kill "
                      "when None): %s%s" % (what, subject, org, c["acked_at"].get(subject),
                                            r.describe(), now))
        return False

    # -- schedules --------------------------------------------------------------------------

    def create_schedules(self):
        for org in SCHEDULE_ORGS:
            body = {"organization_id": org, "report": "financial", "type": "trial_balance",
                    "period": "current_month", "format": "csv", "cron": "* * * * *",
                    "timezone": "UTC", "recipients": ["%s@example.com" % org]}
            r = self.srv.request("POST", "/reports/schedule", encode_body(body),
                                 {"Content-Type": "application/json"})
            check(r.status == 201, "creating a schedule: " + r.describe(), self)
            self.schedule_ids[org] = r.json["id"]

    def runs(self, org):
        r = self.srv.get("/reports/history/%s?schedule_id=%s" % (org, self.schedule_ids[org]))
        check(r.status == 200, "run history: " + r.describe(), self)
        return r.json["runs"]
