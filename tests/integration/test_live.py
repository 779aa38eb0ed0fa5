"""Whole-server tests of live updates over WebSocket (docs/live.md): updates equal to the HTTP
routes after an ingest, coalescing to 10 messages/s per subscription under a burst, a stalled
client that neither slows the others nor grows the server's memory and is closed, tenant,
role, Origin and token-expiry refusals, close codes for bad input (the server staying
healthy), first-message authentication, SIGTERM closing every socket with 1001, and dashboard
widgets equal to GET /dashboards/{org}."""

import json
import os
import random
import signal
import socket
import threading
import time
import urllib.parse
from decimal import Decimal

from server import ANALYTICS_HEADER, ANALYTICS_ROUTES, ServerTestCase, make_event, make_token
from wsclient import (BackgroundReader, ConnectionClosed, HandshakeRefused, OP_BINARY,
                      OP_TEXT, WebSocket)

ORG = "acme-corp"
PERIOD = "2024-01"
ROUTES = ANALYTICS_ROUTES
HEADER = set(ANALYTICS_HEADER)
EXACT = {"parse_float": Decimal}  # money compared exactly, as decimal numbers


def lead(ts="2024-01-10T09:00:00Z", org=ORG):
    return make_event(org, event_type="crm.lead.created", timestamp=ts,
                      payload={"source": "web", "owner_id": "u-1"})


def invoice(amount, ts="2024-01-12T09:00:00Z", org=ORG):
    return make_event(org, event_type="finance.invoice.created", timestamp=ts,
                      payload={"customer_id": "c-1", "amount": amount,
                               "due_date": "2024-02-15"})


def employee(ts="2024-01-05T09:00:00Z", org=ORG):
    return make_event(org, event_type="hrm.employee.created", timestamp=ts,
                      payload={"name": "Ada", "department": "R&D", "role": "engineer"})


def stock(warehouse, delta, ts="2024-01-10T09:00:00Z", org=ORG):
    return make_event(org, event_type="inventory.stock.updated", timestamp=ts,
                      payload={"product_id": "p-1", "warehouse_id": warehouse,
                               "quantity_delta": delta, "reason": "count"})


def now_ts():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def is_update(domain, period=PERIOD, min_position=0):
    return lambda m: (m.get("type") == "update" and m.get("domain") == domain and
                      m.get("period") == period and m.get("position", 0) >= min_position)


def drain(ws, quiet=1.0, timeout=15.0, **loads):
    """Every message until none came for `quiet` seconds."""
    out, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            out.append(ws.recv_json(quiet, **loads))
        except socket.timeout:
            return out
    raise AssertionError("messages kept coming for %.0fs: %r" % (timeout, out[-3:]))


def metric_lines(srv, prefix):
    r = srv.get("/metrics")
    return [l for l in r.raw.decode().splitlines() if l.startswith(prefix)]


def metric(srv, name):
    for line in metric_lines(srv, name):
        parts = line.split()
        if parts[0] == name:
            return float(parts[1])
    raise AssertionError("no metric %s" % name)


def vm_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


class LiveTestCase(ServerTestCase):
    PATH = "/analytics/real-time/" + ORG

    def connect(self, srv, path=None, token="server", origin=None, rcvbuf=None, protocols=None):
        """A WebSocket to `path`; token in Sec-WebSocket-Protocol (None: no token)."""
        if token == "server":
            token = srv.token
        if protocols is None and token is not None:
            protocols = ["bearer", token]
        ws = WebSocket.connect(srv.host, srv.port, path or self.PATH, protocols=protocols,
                               origin=origin, rcvbuf=rcvbuf)
        self.addCleanup(ws.abort)
        return ws

    def connect_ready(self, srv, **kw):
        ws = self.connect(srv, **kw)
        ready = ws.recv_json(10)
        self.assertEqual(ready["type"], "ready", ready)
        return ws, ready

    def post(self, srv, events, token=None, applied=True):
        """Ingests; returns the position. `applied`: also waits until the read models applied
        it (the answer comes once the events are stored), so that what a subscription sees
        first is known."""
        kw = {} if token is None else {"token": token}
        r = srv.post_events(events, **kw)
        self.assertEqual(r.status, 200, r.describe())
        if applied:
            srv.wait_ready(caught_up_to=r.json["position"])
        return r.json["position"]

    def route_metrics(self, srv, domain, period=PERIOD, position=0, token=None):
        q = urllib.parse.urlencode({"period": period, "min_position": position})
        kw = {} if token is None else {"token": token}
        r = srv.get(ROUTES[domain] % ORG + "?" + q, **kw)
        self.assertEqual(r.status, 200, r.describe())
        body = json.loads(r.raw.decode("utf-8"), **EXACT)
        return {k: v for k, v in body.items() if k not in HEADER}, int(
            r.headers["x-readside-position"])

    def subscribe(self, ws, domain, period=PERIOD):
        msg = {"type": "subscribe", "domain": domain}
        if period is not None:
            msg["period"] = period
        ws.send_json(msg)

    def assertHealthy(self, srv):
        r = srv.get("/health/live")
        self.assertEqual(r.status, 200, r.describe())
        ws, _ = self.connect_ready(srv)
        self.subscribe(ws, "crm")
        first = ws.recv_json_until(is_update("crm"), 10)
        self.assertTrue(first["full"])
        ws.close()


class Updates(LiveTestCase):
    def test_ready_message_and_selected_subprotocol(self):
        srv = self.start_server()
        pos = self.post(srv, [lead()])
        token = make_token(orgs=(ORG,), roles=("admin",), ttl=600)
        ws, ready = self.connect_ready(srv, token=token)
        self.assertEqual(ws.subprotocol, "bearer")
        self.assertEqual(ready["organization_id"], ORG)
        payload = json.loads(_b64(token.split(".")[1]))
        self.assertEqual(ready["expires_at"], payload["exp"])
        self.assertGreaterEqual(ready["position"], pos)
        self.assertEqual(ready["max_subscriptions"], 64)

    def test_update_after_ingest_equals_the_route(self):
        srv = self.start_server()
        self.post(srv, [lead(), invoice("10.00"), employee()])
        ws, _ = self.connect_ready(srv)
        state = {}
        for domain in ROUTES:
            self.subscribe(ws, domain)
        for _ in ROUTES:
            m = ws.recv_json_until(lambda m: m.get("type") == "update", 10, **EXACT)
            self.assertTrue(m["full"], m)
            self.assertEqual(m["period"], PERIOD)
            expected, _ = self.route_metrics(srv, m["domain"], position=m["position"])
            self.assertEqual(m["metrics"], expected, m["domain"])
            state[m["domain"]] = dict(m["metrics"])
        self.assertEqual(set(state), set(ROUTES))
        before = {d: dict(v) for d, v in state.items()}

        pos = self.post(srv, [lead(), lead(), invoice("1500.25"), invoice("0.0001")])
        updates = drain(ws, quiet=1.0, **EXACT)
        for m in updates:
            self.assertEqual(m["type"], "update", m)
            self.assertFalse(m["full"], m)
            for name, value in m["metrics"].items():
                self.assertNotEqual(state[m["domain"]].get(name), value,
                                    "unchanged metric %s.%s sent" % (m["domain"], name))
            state[m["domain"]].update(m["metrics"])
        # Exactly the domains whose route body changed were updated (crm, finance, and cross
        # through finance), each to the route's body.
        changed = set()
        for domain in ROUTES:
            mine = [m for m in updates if m["domain"] == domain]
            if mine:
                self.assertGreaterEqual(mine[-1]["position"], pos, domain)
            expected, _ = self.route_metrics(srv, domain, position=pos)
            if expected != before[domain]:
                changed.add(domain)
            self.assertEqual(state[domain], expected, domain)
        self.assertEqual({m["domain"] for m in updates}, changed, updates)
        self.assertTrue({"crm", "finance"} <= changed)
        self.assertEqual(state["crm"]["leads_new"], 3)
        self.assertEqual(state["finance"]["total_revenue"], Decimal("1510.2501"))

    def test_money_is_written_as_the_route_writes_it(self):
        srv = self.start_server()
        pos = self.post(srv, [invoice("1500.00"), invoice("0.25")])
        ws, _ = self.connect_ready(srv)
        self.subscribe(ws, "finance")
        m = ws.recv(10)
        while b'"update"' not in m.data:
            m = ws.recv(10)
        r = srv.get(ROUTES["finance"] % ORG + "?period=%s&min_position=%d" % (PERIOD, pos))
        route_raw = json.loads(r.raw, parse_float=str, parse_int=str)
        live_raw = json.loads(m.data, parse_float=str, parse_int=str)["metrics"]
        for name in ("total_revenue", "accounts_receivable", "payments_received"):
            self.assertEqual(live_raw[name], route_raw[name], name)

    def test_default_period_subscribe_twice_unsubscribe_and_ping(self):
        srv = self.start_server()
        month = time.strftime("%Y-%m", time.gmtime())
        self.post(srv, [lead(ts=now_ts())])
        ws, _ = self.connect_ready(srv)
        self.subscribe(ws, "crm", period=None)
        first = ws.recv_json_until(lambda m: m.get("type") == "update", 10)
        self.assertEqual(first["period"], month)
        self.assertEqual(first["metrics"]["leads_new"], 1)
        # Subscribing again is the same subscription: the state again, then one update per
        # change (not two).
        self.subscribe(ws, "crm", period=month)
        again = ws.recv_json_until(lambda m: m.get("type") == "update", 10)
        self.assertTrue(again["full"])
        self.assertEqual(again["metrics"]["leads_new"], 1)
        pos = self.post(srv, [lead(ts=now_ts())])
        m = ws.recv_json_until(is_update("crm", month, pos), 10)
        self.assertEqual(m["metrics"]["leads_new"], 2)
        ws.send_json({"type": "ping"})
        pong = ws.recv_json_until(lambda m: m.get("type") == "pong", 5)
        self.assertGreaterEqual(pong["position"], pos)
        # Unsubscribed: nothing more.
        ws.send_json({"type": "unsubscribe", "domain": "crm", "period": month})
        ws.send_json({"type": "ping"})
        ws.recv_json_until(lambda m: m.get("type") == "pong", 5)
        self.post(srv, [lead(ts=now_ts())])
        with self.assertRaises(socket.timeout):
            extra = ws.recv_json(1.0)
            self.fail("update after unsubscribe: %r" % extra)

    def test_every_period_form_is_accepted(self):
        srv = self.start_server()
        pos = self.post(srv, [lead(ts="2024-01-15T10:00:00Z")])
        ws, _ = self.connect_ready(srv)
        for period in ("2024-01-15", "2024-W03", "2024-01", "2024-Q1", "2024"):
            self.subscribe(ws, "crm", period)
            m = ws.recv_json_until(lambda m: m.get("type") == "update", 10, **EXACT)
            self.assertEqual(m["period"], period)
            expected, _ = self.route_metrics(srv, "crm", period, m["position"])
            self.assertEqual(m["metrics"], expected, period)
            self.assertEqual(m["metrics"]["leads_new"], 1, period)
            self.assertGreaterEqual(m["position"], pos)


class Coalescing(LiveTestCase):
    def test_a_burst_is_coalesced_to_10_per_second_ending_at_the_final_state(self):
        srv = self.start_server()
        ws, _ = self.connect_ready(srv)
        self.subscribe(ws, "crm")
        self.subscribe(ws, "finance")
        reader = BackgroundReader(ws, **EXACT)
        self.addCleanup(reader.stop)
        reader.wait_for(lambda ms: len([m for _, m in ms if m.get("type") == "update"]) >= 2)
        batches, start = 0, time.monotonic()
        while time.monotonic() - start < 2.5:
            pos = self.post(srv, [lead(), invoice("1.01")], applied=False)
            batches += 1
        duration = time.monotonic() - start
        for domain in ("crm", "finance"):
            reader.wait_for(lambda ms: any(is_update(domain, min_position=pos)(m)
                                           for _, m in ms), timeout=10)
        time.sleep(0.3)  # anything still in flight
        reader.stop()
        for domain in ("crm", "finance"):
            got = [(at, m) for at, m in reader.messages if is_update(domain)(m)]
            state = {}
            for _, m in got:
                if m["full"]:
                    state = {}
                state.update(m["metrics"])
            gaps = [b[0] - a[0] for a, b in zip(got, got[1:])]
            if os.environ.get("LIVE_TEST_VERBOSE"):
                print("\n%s: %d batches in %.2f s, %d updates (%d full), gaps %.3f..%.3f s" % (
                    domain, batches, duration, len(got), sum(m["full"] for _, m in got),
                    min(gaps), max(gaps)))
            # At most one update per 100 ms: the server picks them 100 ms apart, and each
            # reaches this reader after a delay of its own (a busy machine, a sanitizer
            # build), so any run of k gaps spans at least k × 100 ms less one delay's worth
            # (100 ms). Without the limit, ten updates would come within ~70 ms here.
            for i in range(len(got)):
                for j in range(i + 1, len(got)):
                    self.assertGreaterEqual(
                        got[j][0] - got[i][0], 0.100 * (j - i) - 0.100,
                        "%s: updates %d..%d within %.3f s" % (domain, i, j, got[j][0] - got[i][0]))
            self.assertLessEqual(len(got), 10 * (duration + 0.5) + 2, domain)
            self.assertLess(len(got), batches, "%s: %d updates for %d batches: no coalescing"
                            % (domain, len(got), batches))
            expected, _ = self.route_metrics(srv, domain, position=pos)
            self.assertEqual(state, expected, domain)
            self.assertEqual(got[-1][1]["position"], max(m["position"] for _, m in got))
        # Every invoice of every acknowledged batch counted; if not, the data-quality counters
        # tell a lost event from an orphaned one (an entity id used twice).
        dq = srv.get("/analytics/dashboard/%s?period=%s&min_position=%d" % (ORG, PERIOD, pos))
        self.assertEqual(state.get("invoices_created"), batches, dq.raw[-600:])


class SlowClients(LiveTestCase):
    WAREHOUSES = 300
    STALLED = 6

    def test_a_stalled_client_neither_slows_others_nor_grows_memory_and_is_closed(self):
        send_timeout = 3.0
        srv = self.start_server(extra_args=["--live-send-timeout-ms", str(int(send_timeout * 1000))])
        # stock_by_warehouse is a stock: every period from the 10th of January on holds all
        # 300 warehouses (~8 KB a message) and changes with every stock update.
        self.post(srv, [stock("w-%03d" % i, i + 1) for i in range(self.WAREHOUSES)])  # applied
        days = ["2024-%02d-%02d" % (m, d) for m, d in
                [(1, d) for d in range(10, 32)] + [(2, d) for d in range(1, 30)] +
                [(3, d) for d in range(1, 14)]][:64]
        stalled = []
        for _ in range(self.STALLED):
            ws, _ = self.connect_ready(srv, rcvbuf=4096)
            for day in days:
                self.subscribe(ws, "inventory", day)
            stalled.append(ws)  # and never read again
        healthy, _ = self.connect_ready(srv)
        self.subscribe(healthy, "crm")
        healthy.recv_json_until(is_update("crm"), 10)
        time.sleep(0.5)
        baseline = vm_rss_kb(srv.proc.pid)
        peak, latencies = baseline, []
        rng = random.Random(7)
        start = time.monotonic()
        while time.monotonic() - start < send_timeout + 3:
            events = [stock("w-%03d" % rng.randrange(self.WAREHOUSES), rng.choice((-1, 1)))
                      for _ in range(5)] + [lead()]
            pos = self.post(srv, events, applied=False)
            posted = time.monotonic()
            healthy.recv_json_until(is_update("crm", min_position=pos), 5)
            latencies.append(time.monotonic() - posted)
            peak = max(peak, vm_rss_kb(srv.proc.pid))
        latencies.sort()
        if os.environ.get("LIVE_TEST_VERBOSE"):
            print("\nRSS %d -> peak %d kB; latency p50 %.3f max %.3f s over %d; %s" % (
                baseline, peak, latencies[len(latencies) // 2], latencies[-1], len(latencies),
                metric_lines(srv, "readside_live_")))
        # The server tore the stalled clients down itself (send timeout), the healthy one stays.
        self.assertEqual(metric(srv, "readside_live_slow_closed_total"), self.STALLED)
        self.assertEqual(metric(srv, "readside_ws_connections"), 1)
        self.assertLess(latencies[len(latencies) // 2], 0.5, latencies)
        self.assertLess(latencies[-1], 2.0, latencies)
        # Under AddressSanitizer freed memory waits in its quarantine (256 MB), so RSS says
        # nothing about what the server holds there; the plain build checks the bound.
        if os.environ.get("READSIDE_SANITIZED", "0") not in ("1", "ON", "TRUE"):
            self.assertLess(peak - baseline, 64 * 1024,
                            "VmRSS grew from %d to %d kB" % (baseline, peak))
        # Every stalled client was torn down: reading now finds the end of the connection
        # (no more events come, so an open connection would just stay silent).
        for ws in stalled:
            with self.assertRaises(ConnectionClosed):
                while True:
                    ws.recv(timeout=10)
        self.assertHealthy(srv)


class Refusals(LiveTestCase):
    def test_another_tenant_is_404_at_the_handshake_and_4404_with_the_first_message(self):
        srv = self.start_server()
        beta = make_token(orgs=("beta-inc",), roles=("admin",))
        with self.assertRaises(HandshakeRefused) as refused:
            self.connect(srv, token=beta)
        self.assertEqual(refused.exception.status, 404)
        self.assertTrue(refused.exception.headers.get("content-type", "").startswith(
            "application/problem+json"))
        ws = self.connect(srv, token=None)
        ws.send_json({"type": "auth", "token": beta})
        code, reason = ws.wait_close(5)
        self.assertEqual(code, 4404, reason)
        self.assertTrue(reason)

    def test_a_bad_token_is_401_at_the_handshake(self):
        srv = self.start_server()
        bad = make_token(secret="not-the-servers-secret-0123456789abcdef")
        with self.assertRaises(HandshakeRefused) as refused:
            self.connect(srv, token=bad)
        self.assertEqual(refused.exception.status, 401)
        expired = make_token(ttl=-60)
        with self.assertRaises(HandshakeRefused) as refused:
            self.connect(srv, token=expired)
        self.assertEqual(refused.exception.status, 401)

    def test_a_forbidden_domain_is_an_error_message_and_no_data(self):
        srv = self.start_server()
        self.post(srv, [lead(), employee()])
        hr = make_token(orgs=(ORG,), roles=("hr",))
        ws, _ = self.connect_ready(srv, token=hr)
        self.subscribe(ws, "crm")
        err = ws.recv_json(10)
        self.assertEqual(err["type"], "error", err)
        self.assertEqual(err["status"], 403)
        self.assertEqual((err["domain"], err["period"]), ("crm", PERIOD))
        self.assertTrue(err["detail"])
        # The connection stays open and serves what the role may see.
        self.subscribe(ws, "hrm")
        m = ws.recv_json_until(lambda m: m.get("type") == "update", 10)
        self.assertEqual(m["domain"], "hrm")
        self.assertEqual(m["metrics"]["new_hires"], 1)
        pos = self.post(srv, [lead(), employee()])
        got = []
        ws.recv_json_until(is_update("hrm", min_position=pos), 10, keep=got)
        with self.assertRaises(socket.timeout):
            got.append(ws.recv_json(0.5))
        self.assertFalse([m for m in got if m.get("domain") == "crm" and m["type"] != "error"],
                         got)

    def test_reauthentication_rechecks_roles_and_organization(self):
        srv = self.start_server()
        self.post(srv, [lead(), employee()])
        ws, _ = self.connect_ready(srv)
        self.subscribe(ws, "crm")
        self.subscribe(ws, "hrm")
        for _ in range(2):
            ws.recv_json_until(lambda m: m.get("type") == "update", 10)
        analyst = make_token(orgs=(ORG,), roles=("analyst",))  # crm yes, hrm no
        ws.send_json({"type": "auth", "token": analyst})
        err = ws.recv_json_until(lambda m: m.get("type") == "error", 10)
        self.assertEqual((err["status"], err["domain"]), (403, "hrm"))
        pos = self.post(srv, [lead(), employee()])
        got = []
        ws.recv_json_until(is_update("crm", min_position=pos), 10, keep=got)
        with self.assertRaises(socket.timeout):
            got.append(ws.recv_json(0.5))
        self.assertFalse([m for m in got if m.get("domain") == "hrm"], got)
        ws.send_json({"type": "auth", "token": make_token(orgs=("beta-inc",))})
        code, reason = ws.wait_close(5)
        self.assertEqual(code, 4403, reason)

    def test_token_expiry_closes_with_4401(self):
        srv = self.start_server()
        token = make_token(orgs=(ORG,), roles=("admin",), ttl=2)
        exp = json.loads(_b64(token.split(".")[1]))["exp"]
        ws, _ = self.connect_ready(srv, token=token)
        self.subscribe(ws, "crm")
        code, reason = ws.wait_close(10)
        closed_at = time.time()
        self.assertEqual((code, reason), (4401, "token expired"))
        self.assertGreaterEqual(closed_at, exp - 1.0)  # not before exp (1 s: exp's resolution)
        self.assertLess(closed_at, exp + 3.0)

    def test_origin_is_checked_against_the_allow_list(self):
        srv = self.start_server(extra_args=["--cors-origins", "https://app.example"])
        with self.assertRaises(HandshakeRefused) as refused:
            self.connect(srv, origin="https://evil.example")
        self.assertEqual(refused.exception.status, 403)
        for origin in ("https://app.example", None, "http://127.0.0.1:%d" % srv.port):
            ws, ready = self.connect_ready(srv, origin=origin)
            self.assertEqual(ready["organization_id"], ORG, origin)
            ws.close()


class BadInput(LiveTestCase):
    def expect_close(self, srv, send, code, reason_starts=""):
        ws, _ = self.connect_ready(srv)
        self.subscribe(ws, "crm")
        ws.recv_json_until(is_update("crm"), 10)
        send(ws)
        got_code, reason = ws.wait_close(10)
        self.assertEqual(got_code, code, reason)
        if code != 1007:  # Beast closes it as it reads the frame, without a reason (docs/live.md)
            self.assertTrue(reason, "close %d without a reason" % code)
        self.assertLessEqual(len(reason.encode("utf-8")), 123)
        self.assertTrue(reason.startswith(reason_starts), reason)
        self.assertHealthy(srv)

    def test_each_bad_input_closes_with_its_code_and_the_server_stays_healthy(self):
        srv = self.start_server()
        self.post(srv, [lead()])
        sub = lambda **m: (lambda ws: ws.send_json(dict({"type": "subscribe"}, **m)))
        cases = [
            ("unknown type", lambda ws: ws.send_json({"type": "bogus"}), 4400, ""),
            ("malformed JSON", lambda ws: ws.send_text('{"type": "subscribe",'), 4400, ""),
            ("not an object", lambda ws: ws.send_text("[1]"), 4400, ""),
            ("binary frame", lambda ws: ws.send_binary(b'{"type":"ping"}'), 1003, ""),
            ("not UTF-8", lambda ws: ws.send_frame(OP_TEXT, b'{"type":"\xff\xfe"}'), 1007, ""),
            ("oversized", lambda ws: ws.send_text(
                '{"type":"ping","pad":"%s"}' % ("x" * 70000)), 1009, ""),
            ("bad period", sub(domain="crm", period="2024-13"), 4400, "period"),
            ("unknown domain", sub(domain="payroll", period=PERIOD), 4400, ""),
            ("no domain", sub(period=PERIOD), 4400, ""),
            ("ill-typed domain", sub(domain=5), 4400, ""),
        ]
        for name, send, code, starts in cases:
            with self.subTest(name):
                self.expect_close(srv, send, code, starts)

    def test_more_subscriptions_than_allowed_is_4400(self):
        srv = self.start_server()
        ws, ready = self.connect_ready(srv)
        limit = ready["max_subscriptions"]
        days = ["2024-%02d-%02d" % (1 + i // 28, 1 + i % 28) for i in range(limit + 1)]
        for day in days[:limit]:
            self.subscribe(ws, "crm", day)
        for _ in range(limit):
            ws.recv_json_until(lambda m: m.get("type") == "update", 10)
        self.subscribe(ws, "crm", days[0])  # the same one again: still `limit`
        ws.recv_json_until(lambda m: m.get("type") == "update", 10)
        self.subscribe(ws, "crm", days[limit])
        code, reason = ws.wait_close(10)
        self.assertEqual(code, 4400, reason)
        self.assertTrue(reason)
        self.assertHealthy(srv)


class FirstMessageAuth(LiveTestCase):
    def test_auth_in_the_first_message(self):
        srv = self.start_server()
        pos = self.post(srv, [lead()])
        ws = self.connect(srv, token=None)
        self.assertIsNone(ws.subprotocol)
        ws.send_json({"type": "auth", "token": srv.token})
        ready = ws.recv_json(10)
        self.assertEqual(ready["type"], "ready", ready)
        self.subscribe(ws, "crm")
        m = ws.recv_json_until(lambda m: m.get("type") == "update", 10)
        self.assertGreaterEqual(m["position"], pos)
        self.assertEqual(m["metrics"]["leads_new"], 1)

    def test_no_auth_in_time_a_message_before_it_or_a_bad_one_is_4401(self):
        srv = self.start_server(extra_args=["--live-auth-timeout-ms", "500"])
        ws = self.connect(srv, token=None)
        start = time.monotonic()
        code, reason = ws.wait_close(5)
        self.assertEqual(code, 4401, reason)
        self.assertGreater(time.monotonic() - start, 0.3)
        ws = self.connect(srv, token=None)
        self.subscribe(ws, "crm")
        self.assertEqual(ws.wait_close(5)[0], 4401)
        ws = self.connect(srv, token=None)
        ws.send_json({"type": "auth", "token": "not-a-jwt"})
        self.assertEqual(ws.wait_close(5)[0], 4401)
        self.assertHealthy(srv)


class Shutdown(LiveTestCase):
    def test_sigterm_closes_every_socket_with_1001(self):
        srv = self.start_server()
        a, _ = self.connect_ready(srv)
        self.subscribe(a, "crm")
        a.recv_json_until(lambda m: m.get("type") == "update", 10)
        b, _ = self.connect_ready(srv, path="/dashboards/live/" + ORG)
        c = self.connect(srv, token=None)  # not authenticated yet
        srv.proc.send_signal(signal.SIGTERM)
        for ws in (a, b, c):
            code, reason = ws.wait_close(10)
            self.assertEqual(code, 1001, reason)
        self.assertEqual(srv.stop(timeout=30), 0)


class Dashboards(LiveTestCase):
    PATH = "/dashboards/live/" + ORG

    def widgets(self, srv, token, position=0):
        r = srv.get("/dashboards/%s?min_position=%d" % (ORG, position), token=token)
        self.assertEqual(r.status, 200, r.describe())
        body = json.loads(r.raw.decode("utf-8"), **EXACT)
        return {w["widget_id"]: w for w in body["widgets"]}, body

    def test_widgets_follow_get_dashboards_and_forbidden_ones_say_so(self):
        srv = self.start_server()
        self.post(srv, [lead(ts=now_ts()), invoice("100.00", ts=now_ts())])
        ann = make_token(orgs=(ORG,), roles=("admin",), sub="ann")
        r = srv.request("POST", "/dashboards/%s/widgets" % ORG, json.dumps(
            {"widget_type": "metric", "title": "Leads", "data_source": "crm",
             "query_params": {"metric": "leads_new", "period": PERIOD}}).encode(),
            {"Content-Type": "application/json"}, token=ann)
        self.assertEqual(r.status, 201, r.describe())
        mine = r.json["widget_id"]
        widgets, body = self.widgets(srv, ann)
        ids = sorted(widgets)
        self.assertIn(mine, ids)
        ws, _ = self.connect_ready(srv, token=ann)
        ws.send_json({"type": "subscribe", "widgets": ids})
        first = {}
        while len(first) < len(ids):
            m = ws.recv_json_until(lambda m: m.get("type") == "widget", 10, **EXACT)
            first[m["widget_id"]] = m
        for wid, m in first.items():
            self.assertEqual(m["dashboard_id"], body["dashboard_id"])
            self.assertEqual(m["cached_data"], widgets[wid]["cached_data"], wid)

        pos = self.post(srv, [lead(ts=now_ts()), lead(ts="2024-01-20T10:00:00Z"),
                              invoice("50.50", ts=now_ts())])
        early = []  # other widgets' pushes can come first
        m = ws.recv_json_until(lambda m: m.get("type") == "widget" and m["widget_id"] == mine
                               and m["position"] >= pos, 10, keep=early, **EXACT)
        self.assertEqual(m["cached_data"]["value"], 1)
        # Every widget the post changed is pushed, with what GET /dashboards now says; the
        # ones it did not change are not.
        now, _ = self.widgets(srv, ann, pos)
        changed = {w for w in ids if now[w]["cached_data"] != first[w]["cached_data"]}
        self.assertIn(mine, changed)
        self.assertGreater(len(changed), 1, "only %r changed" % sorted(changed))
        latest = {w["widget_id"]: w for w in early if w.get("type") == "widget"}
        latest[mine] = m
        deadline = time.monotonic() + 10
        while any(latest.get(w, {}).get("cached_data") != now[w]["cached_data"] for w in changed):
            self.assertLess(time.monotonic(), deadline, "not pushed: %r" % sorted(
                w for w in changed if latest.get(w, {}).get("cached_data") != now[w]["cached_data"]))
            w = ws.recv_json_until(lambda m: m.get("type") == "widget", 10, **EXACT)
            latest[w["widget_id"]] = w
        try:  # anything else in flight
            while True:
                w = ws.recv_json(0.3, **EXACT)
                if w.get("type") == "widget":
                    latest[w["widget_id"]] = w
        except socket.timeout:
            pass
        for wid, w in latest.items():
            self.assertEqual(w["cached_data"], now[wid]["cached_data"], wid)
        self.assertEqual(set(latest), changed)

        # A sales token sees the default dashboard; widgets outside crm are forbidden.
        sales = make_token(orgs=(ORG,), roles=("sales",), sub="sam")
        widgets, _ = self.widgets(srv, sales)
        forbidden = sorted(w for w, v in widgets.items() if v.get("forbidden"))
        allowed = sorted(w for w, v in widgets.items() if not v.get("forbidden"))
        self.assertTrue(forbidden and allowed, widgets)
        ws, _ = self.connect_ready(srv, token=sales)
        ws.send_json({"type": "subscribe", "widgets": forbidden + allowed})
        got = {}
        while len(got) < len(widgets):
            m = ws.recv_json_until(lambda m: m.get("type") == "widget", 10, **EXACT)
            got[m["widget_id"]] = m
        for wid in forbidden:
            self.assertTrue(got[wid].get("forbidden"), got[wid])
            self.assertIsNone(got[wid].get("cached_data"), got[wid])
        for wid in allowed:
            self.assertFalse(got[wid].get("forbidden"), got[wid])
            self.assertEqual(got[wid]["cached_data"], widgets[wid]["cached_data"], wid)

    def test_a_viewer_subscribing_right_after_a_share_gets_the_widget(self):
        # A long min interval holds the topic's re-rendering after the share for a while, so
        # the viewer subscribes while the latest publication predates the share.
        srv = self.start_server(extra_args=["--live-min-interval-ms", "1500"])
        pos = self.post(srv, [lead()])
        ann = make_token(orgs=(ORG,), roles=("admin",), sub="ann")
        bob = make_token(orgs=(ORG,), roles=("sales",), sub="bob")
        r = srv.request("POST", "/dashboards/%s/widgets" % ORG, json.dumps(
            {"widget_type": "metric", "title": "Leads", "data_source": "crm",
             "query_params": {"metric": "leads_new", "period": PERIOD}}).encode(),
            {"Content-Type": "application/json"}, token=ann)
        self.assertEqual(r.status, 201, r.describe())
        wid = r.json["widget_id"]
        _, body = self.widgets(srv, ann)
        ws, _ = self.connect_ready(srv, token=ann)
        ws.send_json({"type": "subscribe", "widgets": [wid]})
        ws.recv_json_until(lambda m: m.get("type") == "widget", 10)
        r = srv.request("POST", "/dashboards/%s/%s/share" % (ORG, body["dashboard_id"]),
                        json.dumps({"users": ["bob"]}).encode(),
                        {"Content-Type": "application/json"}, token=ann)
        self.assertEqual(r.status, 200, r.describe())
        srv.wait_ready(caught_up_to=int(r.headers["x-readside-position"]))
        shared = srv.get("/dashboards/%s/%s" % (ORG, body["dashboard_id"]), token=bob)
        self.assertEqual(shared.status, 200, shared.describe())
        viewer, _ = self.connect_ready(srv, token=bob)
        viewer.send_json({"type": "subscribe", "widgets": [wid],
                          "dashboard_id": body["dashboard_id"]})
        m = viewer.recv_json(10)
        self.assertEqual(m.get("type"), "widget", m)
        self.assertEqual(m["cached_data"], {"period": PERIOD, "value": 1})
        self.assertGreaterEqual(m["position"], pos)

    def test_a_new_token_without_the_widgets_domain_refuses_it_at_once(self):
        srv = self.start_server()
        self.post(srv, [invoice("10.00")])
        ann = make_token(orgs=(ORG,), roles=("admin",), sub="ann")
        r = srv.request("POST", "/dashboards/%s/widgets" % ORG, json.dumps(
            {"widget_type": "metric", "title": "Revenue", "data_source": "finance",
             "query_params": {"metric": "total_revenue", "period": PERIOD}}).encode(),
            {"Content-Type": "application/json"}, token=ann)
        self.assertEqual(r.status, 201, r.describe())
        wid = r.json["widget_id"]
        ws, _ = self.connect_ready(srv, token=ann)
        ws.send_json({"type": "subscribe", "widgets": [wid]})
        first = ws.recv_json_until(lambda m: m.get("type") == "widget", 10)
        self.assertEqual(first["cached_data"]["value"], 10)
        # docs/live.md: with a new token "every subscription is then re-authorized with the
        # new token's roles, and those no longer allowed are dropped with an error message"
        # (for a widget, forbidden:true says as much) — without waiting for the widget to change.
        ws.send_json({"type": "auth", "token": make_token(orgs=(ORG,), roles=("sales",),
                                                            sub="ann")})
        try:
            m = ws.recv_json(3)
        except socket.timeout:
            self.fail("nothing within 3 s of the new token: the finance widget stays on screen")
        self.assertTrue(m.get("type") == "error" and m.get("status") == 403 or
                        m.get("type") == "widget" and m.get("forbidden") is True, m)

    def test_an_unknown_widget_is_an_error_404(self):
        srv = self.start_server()
        ws, _ = self.connect_ready(srv)
        ws.send_json({"type": "subscribe", "widgets": ["no-such-widget"]})
        err = ws.recv_json_until(lambda m: m.get("type") == "error", 10)
        self.assertEqual(err["status"], 404, err)


def _b64(part):
    import base64
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


if __name__ == "__main__":
    import unittest
    unittest.main()
