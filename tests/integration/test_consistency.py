"""Consistency checks and the rebuild queue through the real binary (docs/consistency.md).

The binary has no way to inject drift (that hook exists only in test builds of the C++
libraries: src/projection/projector_testing.h, used by src/projection/consistency_test.cc and
src/http/consistency_routes_test.cc). Here: a check of real data finds nothing, also while
events keep arriving, after a restart from the snapshot and after a rebuild; the counters are
in /metrics; background checks (--consistency-interval) visit every tenant; tenants are
isolated and bad input is a problem+json; rebuilds of several tenants queue, coalesce, are
bounded and all complete with their progress.
"""

import json
import os
import subprocess
import tempfile
import threading
import time
import unittest

from server import ServerTestCase, make_event, make_token, ndjson, readside_bin

ALPHA, BETA, GAMMA = "alpha-co", "beta-co", "gamma-co"


def generate(tenants, count, seed=5, extra=()):
    out = subprocess.run([readside_bin(), "generate", "--seed", str(seed), "--tenants",
                          ",".join(tenants), "--count", str(count)] + list(extra),
                         check=True, capture_output=True, timeout=300)
    return out.stdout


def ingest(srv, data):
    """Posts NDJSON bytes with `readside ingest` and waits until applied; returns the position."""
    with tempfile.NamedTemporaryFile(suffix=".ndjson", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        out = subprocess.run([readside_bin(), "ingest", path, "--url", srv.base_url, "--token",
                              srv.token, "--batch", "5000", "--no-progress"],
                             capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(path)
    assert out.returncode == 0, out.stderr
    position = int(out.stdout.rsplit("last position ", 1)[1].split()[0])
    srv.wait_ready(timeout=120, caught_up_to=position)
    return position


def metric(srv, name):
    text = srv.get("/metrics").raw.decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError("%s not in /metrics" % name)


class ConsistencyChecks(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        from server import ReadsideServer
        cls.srv = ReadsideServer(extra_args=["--consistency-interval", "300ms"])
        cls.srv.start()
        cls.position = ingest(cls.srv, generate([ALPHA, BETA], 6000, extra=[
            "--out-of-order", "0.05", "--duplicates", "0.01", "--malformed", "0.01"]))

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def check(self, org, query="", **token):
        """POST /admin/consistency/{org}; token=… as for ReadsideServer.request."""
        return self.srv.request("POST", "/admin/consistency/%s%s" % (org, query), **token)

    def test_real_data_has_no_drift(self):
        for org in (ALPHA, BETA):
            r = self.check(org)
            self.assertEqual(r.status, 200, r.describe())
            c = r.json
            self.assertEqual(c["organization_id"], org)
            self.assertEqual(c["trigger"], "request")
            self.assertTrue(c["consistent"], c["differences"][:5])
            self.assertEqual(c["differences_total"], 0)
            self.assertEqual(c["differences"], [])
            self.assertIsNone(c["repair"])
            self.assertGreaterEqual(c["position"], self.position)
            self.assertEqual(r.headers.get("x-readside-position"), str(c["position"]))
            self.assertGreater(c["events_replayed"], 100)
            self.assertGreaterEqual(c["periods_checked"], 1)
            last = self.srv.get("/admin/consistency/" + org).json
            self.assertEqual(last["organization_id"], org)
            self.assertIsNotNone(last["last_check"])
            self.assertTrue(last["last_check"]["consistent"])
            self.assertTrue(last["background"]["enabled"])
            self.assertAlmostEqual(last["background"]["interval_seconds"], 0.3)
        self.assertEqual(metric(self.srv, "readside_consistency_drift_total"), 0)

    def test_background_checks_visit_every_tenant(self):
        deadline = time.monotonic() + 30
        seen = set()
        while time.monotonic() < deadline and seen != {ALPHA, BETA}:
            for org in (ALPHA, BETA):
                last = self.srv.get("/admin/consistency/" + org).json["last_check"]
                if last and last["trigger"] == "background":
                    self.assertTrue(last["consistent"], last["differences"][:5])
                    seen.add(org)
            time.sleep(0.1)
        self.assertEqual(seen, {ALPHA, BETA})
        overview = self.srv.get("/admin/consistency").json
        self.assertEqual(overview["drift_total"], 0)
        self.assertEqual({t["organization_id"] for t in overview["tenants"]}, {ALPHA, BETA})
        self.assertGreaterEqual(overview["checks"]["consistent"], 2)
        text = self.srv.get("/metrics").raw.decode()
        self.assertIn('readside_consistency_checks_total{result="consistent"}', text)
        self.assertIn("# TYPE readside_consistency_drift_total counter", text)

    def test_checks_while_events_arrive_find_no_drift(self):
        stop = threading.Event()
        errors = []

        def writer():
            i = 0
            while not stop.is_set() and i < 400:
                batch = []
                for k in range(25):
                    inv = "it-inv-%d-%d" % (i, k)
                    batch.append(make_event(ALPHA, event_type="finance.invoice.created",
                                            entity_id=inv,
                                            timestamp="2024-0%d-11T09:00:00Z" % (1 + k % 9),
                                            payload={"customer_id": "c-1", "amount": "%d.25" % k,
                                                     "due_date": "2024-12-01"}))
                    batch.append(make_event(ALPHA, event_type="finance.payment.received",
                                            timestamp="2024-10-01T09:00:00Z",
                                            payload={"invoice_id": inv, "amount": "0.25"}))
                r = self.srv.post_events(ndjson(batch), content_type="application/x-ndjson")
                if r.status != 200:
                    errors.append(r.describe())
                i += 1

        t = threading.Thread(target=writer)
        t.start()
        positions = set()
        try:
            for _ in range(15):
                r = self.check(ALPHA, "?repair=false")
                self.assertEqual(r.status, 200, r.describe())
                self.assertEqual(r.json["differences_total"], 0, r.json["differences"][:5])
                positions.add(r.json["position"])
        finally:
            stop.set()
            t.join()
        self.assertEqual(errors, [])
        self.assertGreater(len(positions), 1, "the checks ran while events were applied")
        self.assertEqual(metric(self.srv, "readside_consistency_drift_total"), 0)

    def test_tenants_are_isolated_and_bad_input_is_a_problem(self):
        alpha_admin = make_token(orgs=(ALPHA,))
        for org in (BETA, "nobody-co"):
            self.assertProblem(self.check(org, token=alpha_admin), 404, "another tenant")
            self.assertProblem(self.srv.get("/admin/consistency/" + org, token=alpha_admin), 404)
        beta = self.check(BETA, token=alpha_admin)
        nobody = self.check("nobody-co", token=alpha_admin)
        self.assertEqual(beta.json["detail"].replace(BETA, "X"),
                         nobody.json["detail"].replace("nobody-co", "X"))
        self.assertProblem(self.check(ALPHA, token=make_token(orgs=(ALPHA,), roles=("analyst",))),
                           403)
        self.assertProblem(self.srv.get("/admin/consistency", token=alpha_admin), 403)
        self.assertProblem(self.check(ALPHA, token=None), 401)
        r = self.check(ALPHA, "?repair=yes")
        self.assertProblem(r, 400)
        self.assertEqual(r.json["errors"][0]["field"], "repair")
        r = self.check(ALPHA, "?fix=true")
        self.assertProblem(r, 400)
        self.assertEqual(r.json["errors"][0]["field"], "fix")
        # An organization without events (for an operator who may see it).
        r = self.check("nobody-co")
        self.assertProblem(r, 404)
        self.assertIn("has no events", r.json["detail"])
        r = self.check("Not_An_Org")
        self.assertProblem(r, 400)
        self.assertEqual(r.json["errors"][0]["field"], "org")
        # The tenant's own admin may check it.
        self.assertEqual(self.check(ALPHA, token=alpha_admin).status, 200)


class ConsistencyAcrossRestartAndRebuild(ServerTestCase):
    def test_models_from_the_snapshot_and_from_a_rebuild_have_no_drift(self):
        srv = self.start_server()
        ingest(srv, generate([ALPHA], 3000, seed=9))
        srv.restart()  # SIGTERM writes the snapshot; the restart loads it
        srv.wait_ready(timeout=60)
        r = srv.request("POST", "/admin/consistency/" + ALPHA)
        self.assertEqual(r.status, 200, r.describe())
        self.assertTrue(r.json["consistent"], r.json["differences"][:5])
        started = srv.request("POST", "/admin/rebuild/" + ALPHA)
        self.assertEqual(started.status, 202, started.describe())
        deadline = time.monotonic() + 60
        while srv.get("/admin/rebuild/" + ALPHA).json["state"] != "done":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        r = srv.request("POST", "/admin/consistency/" + ALPHA)
        self.assertTrue(r.json["consistent"], r.json["differences"][:5])


class RebuildQueue(ServerTestCase):
    """Several tenants' rebuilds: queued FIFO, one entry per tenant, bounded, all complete."""

    @classmethod
    def setUpClass(cls):
        from server import ReadsideServer
        cls.srv = ReadsideServer(extra_args=["--rebuild-queue-max", "2"])
        cls.srv.start()
        # Enough events that a rebuild of every tenant outlasts a few requests.
        cls.position = ingest(cls.srv, generate([ALPHA, BETA, GAMMA], 300000, seed=3))
        # A tenant's rebuild replays its stored events: data_quality.events_total of each.
        cls.counts = {org: cls.srv.get("/analytics/data-quality/" + org).json["events_total"]
                      for org in (ALPHA, BETA, GAMMA)}

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def wait_done(self, org, token=None, timeout=120):
        kw = {} if token is None else {"token": token}
        deadline = time.monotonic() + timeout
        while True:
            r = self.srv.get("/admin/rebuild/" + org, **kw)
            self.assertEqual(r.status, 200, r.describe())
            self.assertNotEqual(r.json["state"], "failed", r.json)
            if r.json["state"] == "done":
                return r.json
            self.assertLess(time.monotonic(), deadline, r.json)
            time.sleep(0.05)

    def test_queue_coalescing_bound_and_progress(self):
        every = self.srv.request("POST", "/admin/rebuild")
        self.assertEqual(every.status, 202, every.describe())
        self.assertEqual(every.json["scope"], "*")
        a = self.srv.request("POST", "/admin/rebuild/" + ALPHA, token=make_token(orgs=(ALPHA,)))
        a2 = self.srv.request("POST", "/admin/rebuild/" + ALPHA, token=make_token(orgs=(ALPHA,)))
        b = self.srv.request("POST", "/admin/rebuild/" + BETA, token=make_token(orgs=(BETA,)))
        g = self.srv.request("POST", "/admin/rebuild/" + GAMMA, token=make_token(orgs=(GAMMA,)))
        overview = self.srv.get("/admin/rebuild").json
        for r in (a, a2, b):
            self.assertEqual(r.status, 202, r.describe())
        if overview["every_tenant"]["state"] == "done" and a.json["state"] != "queued":
            self.skipTest("the rebuild of every tenant ended before the tenants' requests")
        # Alpha and beta wait behind every tenant's; alpha asked twice holds one place.
        self.assertEqual(a.json["state"], "queued", a.json)
        self.assertEqual(a.json["queue_position"], 1)
        self.assertFalse(a.json["coalesced"])
        self.assertTrue(a2.json["coalesced"])
        self.assertEqual(a2.json["queue_position"], 1)
        self.assertEqual(b.json["queue_position"], 2)
        self.assertNotIn(ALPHA, b.raw.decode(), "a tenant learns its place, not who is ahead")
        # The queue holds two: gamma's is refused until there is room.
        self.assertProblem(g, 503)
        self.assertIn("retry-after", g.headers)
        self.assertEqual(g.json["title"], "Rebuild queue full")
        self.assertNotIn(ALPHA, g.raw.decode())
        running = overview["running"]
        if running is not None:
            self.assertEqual(running["scope"], "*")
            self.assertEqual(running["events_target"], running["target_position"])
            self.assertLess(running["percent"], 100)
        self.assertEqual(overview["queue_limit"], 2)
        self.assertEqual([q["scope"] for q in overview["queue"]][:2], [ALPHA, BETA])
        # All complete, in order, each with its own events.
        for org in (ALPHA, BETA):
            done = self.wait_done(org, token=make_token(orgs=(org,)))
            self.assertEqual(done["events_read"], self.counts[org])
            self.assertEqual(done["events_target"], self.counts[org])
            self.assertEqual(done["percent"], 100)
        everything = self.srv.get("/admin/rebuild").json["every_tenant"]
        self.assertEqual(everything["state"], "done")
        self.assertEqual(everything["events_read"], everything["target_position"])
        r = self.srv.request("POST", "/admin/rebuild/" + GAMMA)
        self.assertEqual(r.status, 202, r.describe())
        self.wait_done(GAMMA)
        for org in (ALPHA, BETA, GAMMA):
            c = self.srv.request("POST", "/admin/consistency/" + org).json
            self.assertTrue(c["consistent"], (org, c["differences"][:5]))

    def test_the_cli_follows_the_rebuild_of_every_tenant(self):
        out = subprocess.run([readside_bin(), "rebuild", "--url", self.srv.base_url, "--token",
                              self.srv.token], capture_output=True, text=True, timeout=300)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("rebuilt *", out.stdout)


if __name__ == "__main__":
    unittest.main()
