"""The crash test's workload (tests/crash/crash_test.py): the generated event pool, the client
threads that drive a node until it dies, and what each node has been acknowledged.

Ingest is paced (a token bucket of `rate` events per second shared by the ingest threads) and
goes on until the node dies, so that a kill at any moment of a round lands while batches are
being ingested; the workload counts the ingest requests on the wire (`ingest_on_wire`) so the
crash test can kill -9 while one is, and records the batches sent without an answer
(`inflight`). A batch whose connection was refused never reached the server: it goes back to
the node's pool (`Node.requeue`) instead of counting as in flight. Any 5xx other than 503
(with its Retry-After) from a live server is a failure of the round, for ingest, queries,
dashboard changes and rebuilds alike."""

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
BATCH = 50  # events per POST: ingest commits outnumber the other writers' (dashboards, runs)
INGEST_THREADS = 3
CLOCK_SPEED = 30  # scheduler minutes per wall second: a "* * * * *" schedule is due every 2 s
KEY = re.compile(rb'^\{"event_id":"([^"\\]*)","event_type":"[^"\\]*","organization_id":"([^"\\]*)"')
NET_ERRORS = (OSError, http.client.HTTPException)  # the server went away mid-request


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
    queries, dashboard changes, rebuilds. stop() ends them; join() waits."""

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
        self.dash_changes = 0
        self.threads = [threading.Thread(target=self.ingest, daemon=True)
                        for _ in range(INGEST_THREADS)]
        self.threads.append(threading.Thread(target=self.query, daemon=True))
        self.threads.append(threading.Thread(target=self.rebuild, daemon=True))
        if node.dashboards:
            self.threads.append(threading.Thread(target=self.dashboards, daemon=True))

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
                        self.failures.append("POST /events: " + r.describe())
                        return
                    # Refused (back-pressure, Retry-After): not acknowledged, stored or not;
                    # re-sent after the restart like a batch in flight.
                    self.refused.append(batch)
                time.sleep(0.1)
                continue
            body = r.json or {}
            with self.lock:
                if body.get("rejected") or (not node.kafka and body.get("accepted") != len(batch)):
                    self.failures.append("a fresh batch not accepted whole: " + r.describe())
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
                self.failures.append("GET %s: %s" % (path, r.describe()))
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
                    self.failures.append("POST %s: %s" % (path, r.describe()))
                return

    def dashboards(self):
        rng = random.Random(self.rng.random())
        # Right from the start, while the read models still load: the server makes a change
        # wait for them (503 with Retry-After only after 30 s), so an existing widget is never
        # 404 here (a failure).
        while self.alive():
            org = rng.choice(ORGS)
            if not self.node.dashboard_change(org, self):
                return
            self.dash_changes += 1
            time.sleep(rng.uniform(0.1, 0.4))  # beside the ingest, whose commits outnumber these


# -- one node and its history ---------------------------------------------------------------

class Node:
    """One data directory and everything acknowledged to it."""

    def __init__(self, name, binary, work, lines, extra_args=(), kafka=False, smtp_port=None,
                 clock_anchor=0):
        self.name = name
        self.kafka = kafka
        dashboards = schedules = not kafka  # own state through Kafka is not this test's subject
        self.binary = binary
        self.lines = lines
        self.next_line = 0
        self.requeue = []  # batches given back (never reached the server), sent first
        self.dashboards = dashboards
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
        # Dashboards: org -> {"id", "widget", "acked": title, "pending": [titles in flight]}
        self.dash = {org: {"id": None, "widget": None, "acked": None, "pending": []}
                     for org in ORGS}
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

    # -- dashboards: one change at a time per org (the workload's one thread) ---------------

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
            return True
        if r.status == 503:
            return True  # not applied in time (or refused): stays pending
        with load.lock:
            load.failures.append("dashboard change: " + r.describe())  # 404 included
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
