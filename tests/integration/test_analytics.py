"""Whole-server tests of the Analytics API and tenant settings (api.md "Analytics",
"Tenants"): response shapes, read-your-writes with min_position, X-Readside-Position,
parameter errors, zeros for a tenant without events, re-bucketing on a time-zone change,
and read models surviving a restart."""

import urllib.parse

from server import ANALYTICS_HEADER, ANALYTICS_ROUTES, ServerTestCase, encode_body, make_event

JSON = {"Content-Type": "application/json"}
HEADER = ANALYTICS_HEADER
ROUTES = ANALYTICS_ROUTES


def invoice(org, entity, amount, ts, due="2024-02-15"):
    return make_event(org, event_type="finance.invoice.created", entity_id=entity, timestamp=ts,
                      payload={"customer_id": "c-1", "amount": amount, "due_date": due})


def payment(org, invoice_id, amount, ts):
    return make_event(org, event_type="finance.payment.received", timestamp=ts,
                      payload={"invoice_id": invoice_id, "amount": amount})


class AnalyticsApi(ServerTestCase):
    def setUp(self):
        self.srv = self.start_server()

    def post(self, events):
        r = self.srv.post_events(events)
        self.assertEqual(r.status, 200, r.describe())
        return r.json["position"]

    def get(self, path, **params):
        query = urllib.parse.urlencode(params)
        return self.srv.get(path + ("?" + query if query else ""))

    def test_read_your_writes_with_min_position(self):
        pos = self.post([invoice("acme-corp", "inv-1", "1000.10", "2024-01-10T09:00:00Z"),
                         invoice("acme-corp", "inv-2", "0.0001", "2024-01-31T23:59:59Z"),
                         invoice("acme-corp", "inv-3", 5, "2024-02-01T00:00:00Z")])
        r = self.get("/analytics/finance/revenue/acme-corp", period="2024-01", min_position=pos)
        self.assertEqual(r.status, 200, r.describe())
        self.assertGreaterEqual(int(r.headers["x-readside-position"]), pos)
        body = r.json
        for key in HEADER:
            self.assertIn(key, body)
        self.assertEqual(body["organization_id"], "acme-corp")
        self.assertEqual(body["period"], "2024-01")
        self.assertEqual(body["period_start"], "2024-01-01T00:00:00Z")
        self.assertEqual(body["period_end"], "2024-02-01T00:00:00Z")
        self.assertEqual(r.raw.count(b'"total_revenue":1000.1001'), 1, r.raw[:400])
        self.assertEqual(body["invoices_created"], 2)
        self.assertEqual(body["data_sources"], ["erp-test-service"])
        self.assertFalse(body["stale"])
        feb = self.get("/analytics/finance/revenue/acme-corp", period="2024-02").json
        self.assertEqual(feb["total_revenue"], 5)
        self.assertAlmostEqual(feb["revenue_growth"], (5 - 1000.1001) / 1000.1001)

    def test_late_payment_before_its_invoice_arrives(self):
        pos = self.post([payment("acme-corp", "inv-9", "40", "2024-03-05T10:00:00Z")])
        r = self.get("/analytics/dashboard/acme-corp", period="2024-03", min_position=pos)
        self.assertEqual(r.json["data_quality"]["orphans"], 1)
        pos = self.post([invoice("acme-corp", "inv-9", "40", "2024-03-01T10:00:00Z",
                                 due="2024-03-20")])
        body = self.get("/analytics/dashboard/acme-corp", period="2024-03",
                        min_position=pos).json
        fin = body["finance"]
        self.assertEqual(fin["invoices_paid"], 1)
        self.assertEqual(fin["payments_received"], 40)
        self.assertEqual(fin["accounts_receivable"], 0)
        self.assertAlmostEqual(fin["average_payment_time"], 4.0)
        self.assertEqual(body["data_quality"]["orphans"], 0)

    def test_dashboard_has_every_section_and_quality(self):
        pos = self.post([make_event("acme-corp", event_type="crm.lead.created",
                                    timestamp="2024-05-02T08:00:00Z",
                                    payload={"source": "web", "owner_id": "u-1"}),
                         make_event("acme-corp", event_type="erp.unknown.thing", payload={})])
        r = self.get("/analytics/dashboard/acme-corp", period="2024-05", min_position=pos)
        self.assertEqual(r.status, 200, r.describe())
        for section in ("crm", "hrm", "finance", "inventory", "projects", "cross",
                        "data_quality"):
            self.assertIn(section, r.json)
        self.assertEqual(r.json["crm"]["leads_new"], 1)
        self.assertEqual(r.json["data_quality"]["events_total"], 2)
        self.assertEqual(r.json["data_quality"]["unknown_type"], 1)

    def test_tenant_without_events_answers_zeros(self):
        for section, route in ROUTES.items():
            r = self.get(route % "nobody-here", period="2024-01")
            self.assertEqual(r.status, 200, r.describe())
            for key in HEADER:
                self.assertIn(key, r.json, section)
        r = self.get("/analytics/dashboard/nobody-here")
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json["finance"]["total_revenue"], 0)
        self.assertIsNone(r.json["finance"]["revenue_growth"])
        self.assertEqual(r.json["hrm"]["turnover_rate"], 0)
        self.assertEqual(r.json["data_quality"]["events_total"], 0)

    def test_bad_parameters_are_400_naming_the_parameter(self):
        cases = [
            ("/analytics/crm/pipeline/acme-corp", {"period": "2024-13"}, "period"),
            ("/analytics/crm/pipeline/acme-corp", {"period": "2021-W53"}, "period"),
            ("/analytics/crm/pipeline/acme-corp", {"bogus": "1"}, "bogus"),
            ("/analytics/finance/revenue/acme-corp", {"as_of": "yesterday"}, "as_of"),
            ("/analytics/dashboard/acme-corp", {"min_position": "-1"}, "min_position"),
            ("/analytics/dashboard/acme-corp", {"wait_ms": "99999"}, "wait_ms"),
            ("/analytics/series/acme-corp", {"metric": "total_revenue"}, "domain"),
            ("/analytics/series/acme-corp", {"domain": "finance", "metric": "nope"}, "metric"),
            ("/analytics/series/acme-corp", {"domain": "finance", "metric": "total_revenue",
                                             "from": "2024-06", "to": "2024-01"}, "from"),
            ("/analytics/series/acme-corp", {"domain": "finance", "metric": "total_revenue",
                                             "granularity": "day", "from": "2000-01",
                                             "to": "2024-01"}, "from"),
            ("/analytics/series/acme-corp", {"domain": "finance", "metric": "total_revenue",
                                             "granularity": "fortnight"}, "granularity"),
        ]
        for path, params, field in cases:
            r = self.get(path, **params)
            self.assertProblem(r, 400, "%s %s" % (path, params))
            self.assertEqual([e["field"] for e in r.json["errors"]], [field], r.describe())
        self.assertProblem(self.get("/analytics/dashboard/Not_An_Org"), 400)

    def test_min_position_not_reached_is_503_with_retry_after(self):
        r = self.get("/analytics/dashboard/acme-corp", min_position=10**9, wait_ms=50)
        self.assertProblem(r, 503)
        self.assertIn("retry-after", r.headers)

    def test_series_points(self):
        pos = self.post([invoice("acme-corp", "inv-%d" % m, 100 * m,
                                 "2024-%02d-15T12:00:00Z" % m) for m in range(1, 7)])
        r = self.get("/analytics/series/acme-corp", domain="finance", metric="total_revenue",
                     granularity="month", **{"from": "2024-01", "to": "2024-06"},
                     min_position=pos)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json["points"],
                         [{"period": "2024-%02d" % m, "value": 100 * m} for m in range(1, 7)])
        q = self.get("/analytics/series/acme-corp", domain="finance", metric="total_revenue",
                     granularity="quarter", **{"from": "2024-Q1", "to": "2024-Q2"}).json
        self.assertEqual(q["points"], [{"period": "2024-Q1", "value": 600},
                                       {"period": "2024-Q2", "value": 1500}])

    def test_live_metrics_shape(self):
        r = self.get("/analytics/metrics/live/acme-corp")
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(len(r.json["events_per_minute"]), 60)
        self.assertIn("projection", r.json)
        self.assertIn("headline", r.json)


class TenantSettings(ServerTestCase):
    def test_timezone_change_rebuckets_and_survives_restart(self):
        srv = self.start_server()
        # 23:30 UTC on Jan 31 is Feb 1 in Berlin.
        r = srv.post_events(invoice("acme-corp", "inv-1", 70, "2024-01-31T23:30:00Z"))
        pos = r.json["position"]
        utc = srv.get("/analytics/finance/revenue/acme-corp?period=2024-01&min_position=%d" % pos)
        self.assertEqual(utc.json["total_revenue"], 70)
        put = srv.request("PUT", "/admin/tenants/acme-corp",
                          encode_body({"timezone": "Europe/Berlin", "name": "Acme"}), JSON)
        self.assertEqual(put.status, 200, put.describe())
        self.assertEqual(put.json["timezone"], "Europe/Berlin")
        self.assertEqual(put.json["currency"], "USD")
        jan = srv.get("/analytics/finance/revenue/acme-corp?period=2024-01").json
        feb = srv.get("/analytics/finance/revenue/acme-corp?period=2024-02").json
        self.assertEqual((jan["total_revenue"], feb["total_revenue"]), (0, 70))
        self.assertEqual(feb["period_start"], "2024-02-01T00:00:00+01:00")
        got = srv.get("/admin/tenants/acme-corp").json
        self.assertEqual((got["name"], got["timezone"]), ("Acme", "Europe/Berlin"))
        srv.restart()
        srv.wait_ready()
        feb = srv.get("/analytics/finance/revenue/acme-corp?period=2024-02").json
        self.assertEqual(feb["total_revenue"], 70)

    def test_currency_change_projects_matching_events(self):
        srv = self.start_server()
        pos = srv.post_events([
            make_event("beta-inc", event_type="finance.invoice.created", entity_id="i-eur",
                       timestamp="2024-04-02T10:00:00Z",
                       payload={"customer_id": "c", "amount": 10, "due_date": "2024-05-01",
                                "currency": "EUR"})]).json["position"]
        d = srv.get("/analytics/dashboard/beta-inc?period=2024-04&min_position=%d" % pos).json
        self.assertEqual(d["finance"]["total_revenue"], 0)
        self.assertEqual(d["data_quality"]["currency_mismatch"], 1)
        put = srv.request("PUT", "/admin/tenants/beta-inc", encode_body({"currency": "EUR"}), JSON)
        self.assertEqual(put.status, 200, put.describe())
        d = srv.get("/analytics/dashboard/beta-inc?period=2024-04").json
        self.assertEqual(d["finance"]["total_revenue"], 10)
        self.assertEqual(d["data_quality"]["currency_mismatch"], 0)

    def test_invalid_settings_are_400(self):
        srv = self.start_server()
        for body, field in [({"timezone": "Mars/Olympus"}, "timezone"),
                            ({"currency": "XYZ"}, "currency"),
                            ({"currency": "eur"}, "currency"),
                            ({"colour": "red"}, "colour"),
                            ({"name": 5}, "name")]:
            r = srv.request("PUT", "/admin/tenants/acme-corp", encode_body(body), JSON)
            self.assertProblem(r, 400, str(body))
            self.assertEqual(r.json["errors"][0]["field"], field)
        self.assertProblem(srv.request("PUT", "/admin/tenants/acme-corp", b"[1]", JSON), 400)

    def test_producers_cannot_send_settings_events(self):
        srv = self.start_server()
        r = srv.post_events(make_event("acme-corp", event_type="readside.tenant.configured",
                                       payload={"timezone": "Asia/Tokyo"}))
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json["accepted"], 0)
        self.assertEqual(r.json["rejected"][0]["errors"][0]["field"], "event_type")


class RestartAndRebuild(ServerTestCase):
    """Snapshots make restarts replay only the tail; a rebuild swaps in models equal to the
    ones it replaces; a damaged snapshot only costs a full replay."""

    def load(self, srv, count=3000):
        import subprocess
        from server import readside_bin
        out = subprocess.run([readside_bin(), "generate", "--seed", "7", "--count", str(count),
                              "--tenants", "acme-corp,beta-inc", "--out", "-"],
                             check=True, capture_output=True).stdout
        r = srv.post_events(out, content_type="application/x-ndjson")
        self.assertEqual(r.status, 200, r.describe())
        return r.json["position"]

    def dashboards(self, srv, position):
        out = {}
        for org in ("acme-corp", "beta-inc"):
            for period in ("2024-01", "2024-W02", "2024"):
                r = srv.get("/analytics/dashboard/%s?period=%s&min_position=%d&as_of=2030-01-01T00:00:00Z"
                            % (org, period, position))
                self.assertEqual(r.status, 200, r.describe())
                body = r.json
                for section in ("crm", "hrm", "finance", "inventory", "projects", "cross"):
                    for key in ("last_updated", "stale"):
                        body[section].pop(key)
                body.pop("stale")
                out[(org, period)] = body
        return out

    def test_graceful_restart_loads_the_snapshot(self):
        srv = self.start_server()
        pos = self.load(srv)
        before = self.dashboards(srv, pos)
        srv.restart()
        srv.wait_ready(caught_up_to=pos)
        self.assertIn("loaded from the snapshot at position %d" % pos, srv.logs())
        self.assertEqual(self.dashboards(srv, pos), before)

    def test_damaged_snapshot_means_a_full_replay(self):
        import glob
        import os
        srv = self.start_server()
        pos = self.load(srv)
        before = self.dashboards(srv, pos)
        srv.stop()
        snaps = glob.glob(os.path.join(srv.data_dir, "snapshots", "model.snap"))
        self.assertEqual(len(snaps), 1)
        with open(snaps[0], "r+b") as f:
            f.seek(100)
            f.write(b"\xff\xfe\xfd")
        srv.start()
        srv.wait_ready(caught_up_to=pos)
        self.assertIn("ignoring the read-model snapshot", srv.logs())
        self.assertEqual(self.dashboards(srv, pos), before)

    def test_kill9_replays_and_loses_nothing(self):
        srv = self.start_server()
        pos = self.load(srv)
        before = self.dashboards(srv, pos)
        srv.kill9()
        srv.start()
        srv.wait_ready(caught_up_to=pos)
        self.assertEqual(self.dashboards(srv, pos), before)

    def test_rebuild_swaps_in_equal_models(self):
        import subprocess
        from server import readside_bin
        srv = self.start_server()
        pos = self.load(srv)
        before = self.dashboards(srv, pos)
        out = subprocess.run([readside_bin(), "rebuild", "--url", srv.base_url,
                              "--token", srv.token],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("rebuilt *", out.stdout)
        status = srv.get("/admin/rebuild").json
        self.assertEqual(status["state"], "done")
        self.assertEqual(status["events_read"], pos)
        self.assertEqual(self.dashboards(srv, pos), before)
        # The tenant's own admin, with the CLI, which follows GET /admin/rebuild/{org}.
        from server import make_token
        out = subprocess.run([readside_bin(), "rebuild", "--url", srv.base_url, "--org",
                              "beta-inc", "--token", make_token(orgs=("beta-inc",))],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("rebuilt beta-inc", out.stdout)
        self.assertEqual(self.dashboards(srv, pos), before)
        r = srv.request("POST", "/admin/rebuild/beta-inc")
        self.assertEqual(r.status, 202, r.describe())
        self.assertEqual(r.json["scope"], "beta-inc")
        status = self.wait_rebuild_done(srv, "beta-inc")
        self.assertEqual(status["target_position"], pos)
        # A tenant rebuild replays that tenant's events only.
        self.assertEqual(status["events_read"], len(srv.all_events("beta-inc")))
        self.assertIsNotNone(status["finished_at"])
        self.assertEqual(self.dashboards(srv, pos), before)

    def wait_rebuild_done(self, srv, scope, timeout=60):
        """Polls GET /admin/rebuild until the rebuild of `scope` is done (fails at once if it
        failed, or after `timeout` s); returns the final status."""
        import time
        deadline = time.monotonic() + timeout
        while True:
            r = srv.get("/admin/rebuild")
            self.assertEqual(r.status, 200, r.describe())
            status = r.json
            self.assertEqual(status["scope"], scope, status)
            self.assertNotEqual(status["state"], "failed", status)
            if status["state"] == "done":
                return status
            self.assertLess(time.monotonic(), deadline,
                            "the rebuild of %s did not finish within %d s: %s"
                            % (scope, timeout, status))
            time.sleep(0.05)


class CachedAnswers(ServerTestCase):
    def test_duplicates_and_rejections_show_without_a_new_position(self):
        srv = self.start_server()
        ev = invoice("acme-corp", "inv-1", 10, "2024-01-10T09:00:00Z")
        pos = srv.post_events(ev).json["position"]
        path = "/analytics/dashboard/acme-corp?period=2024-01&min_position=%d" % pos
        first = srv.get(path).json
        self.assertEqual(first["data_quality"]["duplicates"], 0)
        self.assertEqual(srv.get(path).json, first)  # cached, same answer
        self.assertEqual(srv.post_events(ev).json["duplicates"], 1)
        bad = dict(ev, event_id="other", timestamp="not a time")
        self.assertEqual(len(srv.post_events(bad).json["rejected"]), 1)
        again = srv.get(path)
        self.assertEqual(int(again.headers["x-readside-position"]), pos)
        self.assertEqual(again.json["data_quality"]["duplicates"], 1)
        self.assertEqual(again.json["data_quality"]["rejected"], 1)

    def test_new_events_change_the_cached_answer(self):
        srv = self.start_server()
        path = "/analytics/finance/revenue/acme-corp?period=2024-01"
        self.assertEqual(srv.get(path).json["total_revenue"], 0)
        pos = srv.post_events(invoice("acme-corp", "inv-1", 10, "2024-01-10T09:00:00Z")).json["position"]
        self.assertEqual(srv.get(path + "&min_position=%d" % pos).json["total_revenue"], 10)

    def test_analytics_requests_are_measured_and_answer_head_without_a_body(self):
        srv = self.start_server()
        for _ in range(3):
            srv.get("/analytics/dashboard/acme-corp?period=2024-01")
        metrics = srv.get("/metrics").raw.decode()
        self.assertIn('/analytics/dashboard/{org}', metrics)
        r = srv.request("HEAD", "/analytics/dashboard/acme-corp?period=2024-01")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.raw, b"")
        self.assertIn("x-request-id", srv.get("/analytics/dashboard/acme-corp").headers)
