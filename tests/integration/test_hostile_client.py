"""A hostile client against a running server (issue 17, "Hostile input"): every item gets its
exact status code (or the connection closed where HTTP says so), then the server still
answers /health/live, serves a normal request, and its resident memory (VmRSS of
/proc/PID/status) stays under a fixed bound over what it used before the attack.

Where each item of the issue's list is asserted:
  deep nesting              here: Bodies.test_deep_nesting (events, NDJSON, dashboards, report
                            exports, tenant settings, a WebSocket message)
  huge strings              here: Bodies.test_huge_strings (a 12 MiB string and a 4 MiB
                            member name: that event refused at the 64 KiB event limit, 60 KB
                            stored whole; a huge target, query or 3,000 fields: 431); the
                            16 MiB body limit (413) and a huge header value (431):
                            test_security.py Limits.test_oversized_body_and_header
  invalid UTF-8, NUL bytes  here: Bodies.test_invalid_utf8_and_nul_bytes (bodies, paths, query,
                            header); in WebSocket text frames (close 1007): test_live.py
                            BadInput
  absurd numbers            here: Values.test_absurd_numbers
  absurd timestamps         here: Values.test_absurd_timestamps
  path tricks in {org}      here: Paths.test_path_tricks_in_org (and the time-zone names that
                            are paths: Paths.test_time_zone_names_that_are_paths)
  request smuggling         here: Protocol.test_request_smuggling
  pipelining                here: Protocol.test_pipelining
  10,000 idle connections   here: IdleConnections.test_ten_thousand_idle_connections; the
                            per-address cap and the health reserve on a small scale:
                            test_http_limits.py
  slowloris                 here: Slowloris.test_headers_trickled_a_byte_at_a_time (header
                            timeout); a header never finished: test_http_limits.py; a body
                            trickled past the request timeout: test_security.py
                            Limits.test_slow_clients_are_cut_off_and_do_not_block_others
"""

import json
import os
import resource
import select
import socket
import threading
import time
import unittest

from deps import skip_or_fail
from server import ReadsideServer, ServerTestCase, make_event, make_token, ndjson
from wsclient import WebSocket

ORG = "acme-corp"
OTHER = "beta-org"
MIB = 1 << 20
SANITIZED = os.environ.get("READSIDE_SANITIZED", "").lower() in ("1", "on", "true", "yes")
# How much resident memory an attack may leave behind (or use while it lasts): generous, so
# only unbounded growth fails. ASan's quarantine alone keeps up to 256 MiB of freed memory.
RSS_BOUND = (600 if SANITIZED else 300) * MIB
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "errors"}


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS for pid %d" % pid)


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class Conn:
    """One raw TCP connection to the server, for bytes no HTTP library sends, and reading its
    answers one at a time (pipelined answers arrive together)."""

    def __init__(self, sock):
        self.sock = sock
        self.buffered = b""

    @classmethod
    def open(cls, srv, source=None):
        return cls(socket.create_connection((srv.host, srv.port), timeout=30,
                                            source_address=(source, 0) if source else None))

    def send(self, data):
        self.sock.sendall(data)
        return self

    def response(self, timeout=30):
        """The next answer as (status, headers, body), or None at EOF before one."""
        self.sock.settimeout(timeout)
        data = self.buffered
        while b"\r\n\r\n" not in data:
            part = self._recv()
            if not part:
                return None
            data += part
        head, _, data = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(data) < n:
            part = self._recv()
            if not part:
                break
            data += part
        self.buffered = data[n:]
        return status, headers, data[:n]

    def closed(self, timeout=30):
        """True when the server closed the connection (EOF or reset) with nothing more sent."""
        if self.buffered:
            return False
        self.sock.settimeout(timeout)
        return self._recv() == b""

    def _recv(self):
        try:
            return self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return b""

    def close(self):
        self.sock.close()


class HostileTestCase(ServerTestCase):
    """One server per class; every test ends by checking the server's health and memory."""

    extra_args = ()

    @classmethod
    def setUpClass(cls):
        cls.srv = ReadsideServer(extra_args=list(cls.extra_args))
        cls.addClassCleanup(cls.srv.close)
        cls.srv.start()
        r = cls.srv.post_events(ndjson([make_event(ORG), make_event(OTHER)]),
                                content_type="application/x-ndjson")
        assert r.status == 200, r.describe()
        cls.srv.wait_ready(caught_up_to=r.json["position"])
        cls.rss_start = rss_bytes(cls.srv.proc.pid)

    def tearDown(self):
        self.assertHealthy()

    def assertHealthy(self):
        srv = self.srv
        self.assertTrue(srv.running(), "the server died\n" + srv.logs())
        self.assertEqual(srv.get("/health/live", timeout=30).status, 200)
        r = srv.get("/analytics/crm/pipeline/%s" % ORG, timeout=30)
        self.assertEqual(r.status, 200, r.describe())
        self.assertRssBounded()

    def assertRssBounded(self, what="after the attack"):
        rss = rss_bytes(self.srv.proc.pid)
        self.assertLess(rss, self.rss_start + RSS_BOUND,
                        "RSS %d MiB %s, %d MiB at start" % (rss // MIB, what,
                                                             self.rss_start // MIB))

    def raw(self, source=None):
        c = Conn.open(self.srv, source)
        self.addCleanup(c.close)
        return c

    def auth(self, token=None):
        return "Authorization: Bearer %s\r\n" % (token or self.srv.token)

    def post(self, path, body, content_type="application/json", token=None):
        headers = {"Content-Type": content_type}
        return self.srv.request("POST", path, body, headers,
                                token=token if token else ReadsideServer._DEFAULT)

    def assertRejected(self, r, field, msg="", message=""):
        """A batch answered 200 whose one event was rejected naming `field` (or a member
        inside it), with `message` in that error's message when given."""
        body = self.assertBatch(r, accepted=0, rejected=[0], msg=msg)
        errors = body["rejected"][0]["errors"]
        named = [e for e in errors if e["field"] == field or
                 e["field"].startswith(field + ".") or e["field"].startswith(field + "[")]
        self.assertTrue(named, "%s: %s not in %s" % (msg, field, errors))
        self.assertTrue(any(message in e["message"] for e in named),
                        "%s: %r not in %s" % (msg, message, errors))


class Bodies(HostileTestCase):
    def test_deep_nesting(self):
        # In /events each event stands alone: nesting deeper than 64 rejects that event (200
        # with the rejection), a body that is not JSON at all is 400.
        r = self.post("/events", b"[" * 100000 + b"]" * 100000)
        self.assertRejected(r, "", "a top-level array 100,000 deep", "must be a JSON object")
        r = self.post("/events", b'{"a":' * 10000 + b"1" + b"}" * 10000)
        self.assertRejected(r, "a", "an object 10,000 deep", "nesting deeper than 64")
        ev = make_event(ORG)
        ev["data"]["payload"]["notes"] = "DEEP"
        payload_deep = json.dumps(ev).replace('"DEEP"', "[" * 5000 + "]" * 5000).encode()
        r = self.post("/events", payload_deep)
        self.assertRejected(r, "data.payload.notes", "a payload member 5,000 deep",
                            "nesting deeper than 64")
        r = self.post("/events", json.dumps(make_event(ORG)).encode() + b"\n" + payload_deep +
                      b"\n", content_type="application/x-ndjson")
        self.assertBatch(r, accepted=1, rejected=[1], msg="NDJSON: the deep line only")
        self.assertProblem(self.post("/events", b'{"a":' * 200000), 400,
                           "200,000 unclosed objects")
        nested = b'{"x":' * 10000 + b"1" + b"}" * 10000
        for path in ("/dashboards/%s/widgets" % ORG, "/reports/export/csv",
                     "/reports/schedule"):
            self.assertProblem(self.post(path, nested), 400, path)
        r = self.srv.request("PUT", "/dashboards/%s/layout" % ORG, nested,
                             {"Content-Type": "application/json"})
        self.assertProblem(r, 400, "layout")
        r = self.srv.request("PUT", "/admin/tenants/%s" % ORG, nested,
                             {"Content-Type": "application/json"})
        self.assertProblem(r, 400, "tenant settings")
        # A WebSocket message nested 30,000 deep (under the 64 KiB message limit): 4400.
        ws = WebSocket.connect(self.srv.host, self.srv.port, "/analytics/real-time/" + ORG,
                               protocols=["bearer", self.srv.token])
        self.addCleanup(ws.abort)
        ws.recv_json(timeout=10)  # ready
        ws.send_text("[" * 30000)
        code, _ = ws.wait_close(10)
        self.assertEqual(code, 4400)

    def test_huge_strings(self):
        # A 12 MiB string in an otherwise valid event, under the 16 MiB body limit: that event
        # is over the 64 KiB event limit; a huge key likewise.
        big = make_event(ORG, payload={"name": "n" * (12 * MIB), "email": "a@example.com"})
        r = self.srv.post_events(big)
        self.assertRejected(r, "", "a 12 MiB name", "more than the limit of 65536")
        huge_key = json.dumps(make_event(ORG)).replace('"email"', '"%s"' % ("k" * (4 * MIB)))
        r = self.srv.post_events(huge_key.encode())
        self.assertRejected(r, "", "a 4 MiB member name", "more than the limit of 65536")
        # Just under the limit: stored whole and read back the same.
        name = "\u00e9" * 30000  # 60,000 bytes of UTF-8
        ev = make_event(ORG, payload={"name": name, "email": "a@example.com"})
        self.assertBatch(self.srv.post_events(json.dumps(ev, ensure_ascii=False).encode()),
                         accepted=1)
        stored = [e for e in self.srv.all_events(ORG) if e.get("event_id") == ev["event_id"]]
        self.assertEqual([e["data"]["payload"]["name"] for e in stored], [name])
        # The header limit (16 KiB) covers the request line: a huge target or org is 431.
        c = self.raw().send(b"GET /analytics/crm/pipeline/" + b"a" * 100000 +
                            b" HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(c.response()[0], 431)
        self.assertTrue(c.closed())
        c = self.raw().send(b"GET /health/live?q=" + b"q" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(c.response()[0], 431)
        c = self.raw().send(b"GET /health/live HTTP/1.1\r\nHost: x\r\n" +
                            b"".join(b"X-%d: v\r\n" % i for i in range(3000)) + b"\r\n")
        self.assertEqual(c.response()[0], 431, "3,000 header fields")

    def test_invalid_utf8_and_nul_bytes(self):
        ev = json.dumps(make_event(ORG)).encode()
        r = self.srv.post_events(ev.replace(b"Ada Lovelace", b"Ada \xff\xfe Lovelace"))
        self.assertProblem(r, 400, "invalid UTF-8 in a string")
        r = self.srv.post_events(ev.replace(b"Ada Lovelace", b"Ada \xc0\xaf"))
        self.assertProblem(r, 400, "an overlong UTF-8 sequence")
        r = self.srv.post_events(ev.replace(b"Ada Lovelace", b"Ada \xed\xa0\x80"))
        self.assertProblem(r, 400, "an encoded surrogate")
        r = self.srv.post_events(ev.replace(b"Ada Lovelace", b"Ada\x00Lovelace"))
        self.assertProblem(r, 400, "a raw NUL in a string")
        r = self.srv.post_events(ev + b"\x00")
        self.assertProblem(r, 400, "a NUL after the document")
        r = self.srv.post_events(ev.replace(b"Ada Lovelace", b"Ada\\ud800"))
        self.assertRejected(r, "data.payload.name", "a lone surrogate escape", "lone surrogate")
        r = self.srv.post_events(b"\xef\xbb\xbf" + ev)
        self.assertProblem(r, 400, "a byte order mark")
        # An escaped NUL is a valid JSON string: stored as given, and read back the same.
        ev_nul = make_event(ORG, payload={"name": "Ada\u0000Lovelace", "email": "a@example.com"})
        self.assertBatch(self.srv.post_events(ev_nul), accepted=1)
        stored = self.srv.all_events(ORG)
        self.assertIn("Ada\u0000Lovelace",
                      [e["data"]["payload"].get("name") for e in stored])
        # In identifiers an escaped NUL is refused: entity ids and event ids key indexes.
        ev_id = make_event(ORG, event_id="e\u00001")
        self.assertRejected(self.srv.post_events(ev_id), "event_id", "NUL in event_id",
                            "without control characters")
        ev_entity = make_event(ORG, entity_id="c\u00001")
        self.assertRejected(self.srv.post_events(ev_entity), "data.entity_id", "NUL in entity_id",
                            "without control characters")
        # Paths (an organization no token names: 400 for a token of every organization),
        # query strings and header values.
        for org in ("acme%00corp", "acme%FFcorp", "%C0%AE%C0%AE"):
            r = self.srv.get("/analytics/crm/pipeline/" + org)
            self.assertProblem(r, 400, org)
            self.assertEqual(r.json["errors"][0]["field"], "org")
        self.assertProblem(self.srv.get("/analytics/crm/pipeline/%s?period=2024-01%%00" % ORG),
                           400)
        self.assertProblem(self.srv.get("/analytics/crm/pipeline/%s?period=%%FF" % ORG), 400)
        c = self.raw().send(b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n")
        self.assertEqual(c.response()[0], 400, "a NUL in a header value")
        self.assertTrue(c.closed())
        c = self.raw().send(b"GET /health/\x00live HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(c.response()[0], 400, "a NUL in the request target")
        self.assertTrue(c.closed())
        c = self.raw().send(b"G\xffT /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(c.response()[0], 400, "a non-token method")
        self.assertTrue(c.closed())


class Values(HostileTestCase):
    def invoice(self, **payload):
        p = {"customer_id": "c1", "amount": 100, "due_date": "2024-02-15"}
        p.update(payload)
        return make_event(ORG, event_type="finance.invoice.created", payload=p)

    def test_absurd_numbers(self):
        ev = json.dumps(self.invoice()).encode()
        for number in (b"1e400", b"-1e400", b"123456789012345678901234567890",
                       b"1" + b"0" * 5000, b"1e-400", b"-0.0", b"0.00001",
                       b"18446744073709551616", b"-9223372036854775809"):
            r = self.srv.post_events(ev.replace(b'"amount": 100', b'"amount": ' + number))
            self.assertRejected(r, "data.payload.amount", number[:40])
        r = self.srv.post_events(ev.replace(b'"amount": 100', b'"amount": NaN'))
        self.assertProblem(r, 400, "NaN is not JSON")
        r = self.srv.post_events(ev.replace(b'"amount": 100', b'"amount": 99999999999999.9999'))
        self.assertRejected(r, "data.payload.amount", "1e14", "less than 1e13")
        r = self.srv.post_events(ev.replace(b'"amount": 100', b'"amount": 9999999999999.9999'))
        self.assertBatch(r, accepted=1, msg="the largest money amount")
        for query in ("limit=1e309", "limit=99999999999999999999", "limit=-1", "limit=0x10",
                      "after_position=18446744073709551616", "after_position=-1"):
            self.assertProblem(self.srv.get("/events/%s?%s" % (ORG, query)), 400, query)
        base = "/analytics/crm/pipeline/%s?" % ORG
        for query in ("min_position=18446744073709551616", "min_position=-1",
                      "wait_ms=30001", "wait_ms=99999999999999999999", "period=99999",
                      "period=0000-01", "period=2024-13"):
            self.assertProblem(self.srv.get(base + query), 400, query)
        series = "/analytics/series/%s?metric=leads_new&granularity=day&" % ORG
        self.assertProblem(self.srv.get(series + "from=0001-01-01&to=9999-12-31"), 400,
                           "a series of 3.6 million days")
        # A Content-Length no request can have.
        c = self.raw().send(b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + self.auth().encode() +
                            b"Content-Length: 99999999999999999999999\r\n\r\n{}")
        self.assertEqual(c.response()[0], 400)
        self.assertTrue(c.closed())
        c = self.raw().send(b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + self.auth().encode() + b"Content-Length: 17179869184\r\n\r\n{}")
        self.assertEqual(c.response()[0], 413, "64 GiB announced")
        self.assertTrue(c.closed())

    def test_absurd_timestamps(self):
        for ts in ("99999-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "2024-02-30T10:00:00Z",
                   "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-00:01",
                   "2024-01-15T25:00:00Z", "2024-01-15T10:00:00+99:99", "2024-01-15T10:00:00",
                   "-2024-01-15T10:00:00Z",
                   "2024-01-15T10:00:00\u0000Z", ""):
            r = self.srv.post_events(make_event(ORG, timestamp=ts))
            self.assertRejected(r, "timestamp", repr(ts))
        r = self.srv.post_events(json.dumps(make_event(ORG)).replace(
            '"2024-01-15T10:00:00Z"', "1705312800").encode())
        self.assertRejected(r, "timestamp", "a number")
        # The edges of the accepted range are stored, and the analytics of their periods answer.
        for ts, period in (("0001-01-01T00:00:00Z", "0001-01"),
                           ("9999-12-31T23:59:59.999999Z", "9999-12"),
                           ("2024-01-15T10:00:00." + "9" * 40 + "Z", "2024-01")):
            r = self.srv.post_events(make_event(ORG, timestamp=ts))
            self.assertBatch(r, accepted=1, msg=ts)
            got = self.srv.get("/analytics/crm/pipeline/%s?period=%s&min_position=%d"
                               % (ORG, period, r.json["position"]))
            self.assertEqual(got.status, 200, got.describe())
        # A series that would start before year 1 starts at year 1 (params_fuzz found points
        # of year -10 formatted "-010").
        r = self.srv.get("/analytics/series/%s?domain=crm&metric=contacts_new&granularity=year"
                         "&to=0001" % ORG)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual([p["period"] for p in r.json["points"]], ["0001"], r.describe())
        r = self.srv.post_events(self.invoice_due("99999-12-31"))
        self.assertRejected(r, "data.payload.due_date", "due date in year 99999")
        base = "/analytics/finance/revenue/%s?as_of=" % ORG
        for as_of in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00-14:00"):
            self.assertEqual(self.srv.get(base + as_of).status, 200, as_of)
        # Out of years 0001..9999 UTC, also through the offset (params_fuzz found the latter
        # accepted, and formatted back as year 0000).
        for as_of in ("10000-01-01T00:00:00Z", "2016-12-31T23:59:61Z", "2024-01-31T12:00:00%2B24:00",
                      "1e10", "0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-00:01"):
            self.assertProblem(self.srv.get(base + as_of), 400, as_of)

    def invoice_due(self, due):
        return self.invoice(due_date=due)


class Paths(HostileTestCase):
    def test_path_tricks_in_org(self):
        token = make_token(orgs=(ORG,), roles=("admin",))
        get = lambda path: self.srv.get(path, token=token)
        # Another tenant reached through encoded separators and dot segments: 404 as for any
        # organization not in the token, never the other tenant's data.
        for org in ("%s%%2F..%%2F%s" % (ORG, OTHER), "..%%2F%s" % OTHER, "%2E%2E", "..", ".",
                    "%s%%00" % ORG, ORG.upper(), "%s%%20" % ORG, "%%20%s" % ORG,
                    "%252e%252e", "%s;x=1" % ORG, "a" * 5000,
                    "acme%E2%80%8Bcorp"):
            for route in ("/analytics/crm/pipeline/%s", "/events/%s", "/dashboards/%s",
                          "/search/%s?q=ada", "/reports/financial/%s?type=pnl"):
                r = get(route % org)
                self.assertProblem(r, 404, route % org)
                self.assertLessEqual(set(r.json), PROBLEM_MEMBERS, r.describe())
        # "*" names every organization: a token of one is refused, whatever the route.
        for route in ("/analytics/crm/pipeline/*", "/events/*"):
            self.assertProblem(get(route), 403, route)
        # Dot segments in the raw target are not resolved: "/events/acme-corp/../beta-org" has
        # no route, and neither has a target that is not origin-form.
        c = self.raw().send(("GET /events/%s/../%s HTTP/1.1\r\nHost: x\r\n%s\r\n"
                             % (ORG, OTHER, self.auth(token))).encode())
        status, _, body = c.response()
        self.assertEqual(status, 404)
        self.assertLessEqual(set(json.loads(body)), PROBLEM_MEMBERS, body)
        c = self.raw().send(("GET http://x/events/%s HTTP/1.1\r\nHost: x\r\n%s\r\n"
                             % (OTHER, self.auth(token))).encode())
        self.assertEqual(c.response()[0], 400, "an absolute-form target (not origin-form)")
        c = self.raw().send(b"GET ../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertIn(c.response()[0], (400, 404))
        # Empty segments are ignored (the router splits on "/"): doubled or trailing slashes
        # reach the same route and organization, never another one.
        for path in ("/events/%s/" % ORG, "//events//%s" % ORG):
            r = get(path)
            self.assertEqual(r.status, 200, r.describe())
            self.assertTrue(all(e["organization_id"] == ORG for e in r.json["events"]))

    def test_time_zone_names_that_are_paths(self):
        # absl opens any zone name as a file: a FIFO or a pipe there (/proc/self/fd/1 of a
        # server whose stdout is a pipe, as here) blocked an HTTP thread forever. Every path
        # is refused as an unknown zone, at once.
        for tz in ("/proc/self/fd/1", "/proc/self/fd/0", "/usr/share/zoneinfo/UTC",
                   "../../../../usr/share/zoneinfo/UTC", "file:/usr/share/zoneinfo/UTC",
                   "Europe/../Europe/Berlin", "/dev/zero", "UTC\u0000"):
            r = self.srv.request("PUT", "/admin/tenants/%s" % ORG, json.dumps({"timezone": tz}),
                                 {"Content-Type": "application/json"}, timeout=30)
            self.assertProblem(r, 400, tz)
            self.assertEqual(r.json["errors"][0]["field"], "timezone", r.describe())
            schedule = {"organization_id": ORG, "report": "financial", "type": "pnl",
                        "period": "2024-01", "format": "csv", "cron": "0 8 * * MON",
                        "timezone": tz, "recipients": ["cfo@example.com"]}
            r = self.post("/reports/schedule", json.dumps(schedule))
            self.assertProblem(r, 400, tz)
        r = self.srv.request("GET", "/admin/tenants/%s" % ORG)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json["timezone"], "UTC")


class Protocol(HostileTestCase):
    def test_request_smuggling(self):
        smuggled = b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"
        head = (b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                self.auth().encode())
        cases = {
            "Content-Length with Transfer-Encoding":
                head + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "Transfer-Encoding with Content-Length":
                head + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
            "two different Content-Lengths":
                head + b"Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
            "a signed Content-Length": head + b"Content-Length: +2\r\n\r\n{}",
            "a chunk size overflowing 64 bits":
                head + b"Transfer-Encoding: chunked\r\n\r\n10000000000000002\r\n{}\r\n0\r\n\r\n",
            "a Transfer-Encoding not ending in chunked":
                head + b"Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            "an obfuscated Transfer-Encoding":
                head + b"Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}",
            "a space before the colon": head + b"Content-Length : 2\r\n\r\n{}",
            "a bare LF line end": head.replace(b"\r\n", b"\n") + b"Content-Length: 2\n\n{}",
        }
        for name, request in cases.items():
            with self.subTest(name):
                c = self.raw().send(request + smuggled)
                answer = c.response()
                self.assertIsNotNone(answer, "no answer")
                self.assertEqual(answer[0], 400, answer)
                self.assertEqual(answer[1].get("connection"), "close", answer[1])
                # The request behind it is never read as a request of its own.
                self.assertTrue(c.closed(), "the smuggled request was answered")
        # Repeated equal lengths frame the body one way only (RFC 9110 §8.6 lets a recipient
        # take them as one): the request is served, and the one behind it too, in order.
        for name, lengths in (("two equal Content-Lengths", b"Content-Length: 2\r\n" * 2),
                              ("a Content-Length list", b"Content-Length: 2, 2\r\n")):
            with self.subTest(name):
                c = self.raw().send(head + lengths + b"\r\n{}" + smuggled)
                self.assertEqual(c.response()[0], 200)
                status, _, body = c.response()
                self.assertEqual(status, 200)
                self.assertEqual(json.loads(body)["status"], "live")

    def test_pipelining(self):
        auth = self.auth().encode()
        requests = [b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"GET /events/" + ORG.encode() + b"?limit=1 HTTP/1.1\r\nHost: x\r\n" + auth +
                    b"\r\n",
                    b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                    auth + b"Content-Length: 2\r\n\r\n[]",
                    b"GET /events/" + ORG.encode() + b"?limit=abc HTTP/1.1\r\nHost: x\r\n" + auth +
                    b"\r\n",
                    b"DELETE /events/" + ORG.encode() + b" HTTP/1.1\r\nHost: x\r\n" + auth +
                    b"\r\n"]
        c = self.raw().send(b"".join(requests * 20))  # 100 requests in one write
        statuses = []
        for _ in range(100):
            answer = c.response()
            self.assertIsNotNone(answer, "answered %d of 100" % len(statuses))
            statuses.append(answer[0])
        # Answered in order, each with its own status; an answer an application gives (an empty
        # batch, a bad parameter, a method the route lacks) keeps the connection.
        self.assertEqual(statuses, [200, 200, 400, 400, 405] * 20)
        # After a malformed request in the pipeline: its 400, then the connection is closed.
        c = self.raw().send(requests[0] + b"BROKEN\r\n\r\n" + requests[0])
        self.assertEqual(c.response()[0], 200)
        self.assertEqual(c.response()[0], 400)
        self.assertTrue(c.closed())
        # "Connection: close" in the middle: the requests after it are not answered.
        c = self.raw().send(requests[0] + requests[0].replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
                            + requests[0])
        self.assertEqual(c.response()[0], 200)
        self.assertEqual(c.response()[0], 200)
        self.assertTrue(c.closed())


class Slowloris(HostileTestCase):
    # The header timeout (--header-timeout-ms, ServerOptions::header_timeout, 10 s by default)
    # set low so the test is short.
    extra_args = ("--header-timeout-ms", "1000")

    def test_headers_trickled_a_byte_at_a_time(self):
        header = (b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 4000 + b"\r\n\r\n")
        slow = [self.raw().sock for _ in range(100)]
        sent = [0] * len(slow)
        closed = [False] * len(slow)
        done = threading.Event()

        def trickle():
            while not done.is_set() and not all(closed):
                for i, s in enumerate(slow):
                    if closed[i]:
                        continue
                    if sent[i] >= len(header):
                        done.set()  # a whole header got through: the test fails below
                        return
                    try:
                        s.sendall(header[sent[i]:sent[i] + 1])
                        sent[i] += 1
                    except (BrokenPipeError, ConnectionResetError):
                        closed[i] = True
                        continue
                    readable, _, _ = select.select([s], [], [], 0)
                    if readable:
                        try:
                            closed[i] = s.recv(4096) == b""
                        except ConnectionResetError:
                            closed[i] = True
                time.sleep(0.05)  # one byte per connection every 50 ms: 20 bytes/s

        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        served = 0
        while t.is_alive() and served < 1000:  # others are served meanwhile
            r = self.srv.get("/analytics/crm/pipeline/%s" % ORG, timeout=30)
            self.assertEqual(r.status, 200, r.describe())
            served += 1
        t.join(120)
        done.set()
        self.assertFalse(t.is_alive(), "slow clients were not cut off")
        self.assertTrue(all(closed), "%d slow clients still open" % closed.count(False))
        self.assertLess(max(sent), len(header), "a trickled header was read to its end")
        self.assertGreater(served, 0)


class IdleConnections(HostileTestCase):
    COUNT = 10000
    # Held for as long as the test needs: the point is the count, not the timeout.
    extra_args = ("--header-timeout-ms", "120000", "--request-timeout-ms", "120000")

    def test_ten_thousand_idle_connections(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = self.COUNT + 500
        if hard != resource.RLIM_INFINITY and hard < need:
            skip_or_fail(self, "RLIMIT_NOFILE hard limit %d < %d" % (hard, need))
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        pid = self.srv.proc.pid
        with open("/proc/%d/limits" % pid) as f:
            server_limit = [l for l in f if l.startswith("Max open files")][0].split()[3]
        # The server raises its own soft limit to the hard one and keeps its connection cap
        # (10,000) 512 below it: with the hard limit of this machine every idle one fits.
        self.assertGreaterEqual(int(server_limit), self.COUNT + 512, "server fd limit")
        base_fds = open_fds(pid)
        # 1,000 connections per address (the per-address cap) from ten loopback addresses.
        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        for i in range(self.COUNT):
            held.append(socket.create_connection(
                (self.srv.host, self.srv.port), timeout=30,
                source_address=("127.0.0.%d" % (2 + i // 1000), 0)))
        deadline = time.monotonic() + 120
        while open_fds(pid) < base_fds + self.COUNT:  # evidence: the server accepted them all
            self.assertLess(time.monotonic(), deadline,
                            "the server holds %d of %d" % (open_fds(pid) - base_fds, self.COUNT))
            time.sleep(0.1)
        self.assertRssBounded("with 10,000 idle connections")
        if os.environ.get("HOSTILE_VERBOSE"):
            print("\nRSS at start %d MiB, with %d idle connections %d MiB" % (
                self.rss_start // MIB, open_fds(pid) - base_fds, rss_bytes(pid) // MIB))
        # At the connection cap: health is answered from the reserve, anything else is 503
        # with Retry-After and the connection closed.
        c = self.raw("127.0.0.100").send(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(c.response()[0], 200)
        c = self.raw("127.0.0.101").send(
            ("GET /analytics/crm/pipeline/%s HTTP/1.1\r\nHost: x\r\n%s\r\n"
             % (ORG, self.auth())).encode())
        status, headers, _ = c.response()
        self.assertEqual(status, 503)
        self.assertEqual(headers.get("retry-after"), "1")
        self.assertTrue(c.closed())
        # Every idle connection is still usable: a request on a few of them is served.
        for s in held[:: self.COUNT // 10]:
            c = Conn(s).send(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.response()[0], 200)
        for s in held:
            s.close()
        held.clear()
        deadline = time.monotonic() + 120
        while open_fds(pid) > base_fds + 50:  # evidence: the server closed its ends
            self.assertLess(time.monotonic(), deadline,
                            "the server still holds %d" % (open_fds(pid) - base_fds))
            time.sleep(0.1)
        self.assertRssBounded("after 10,000 idle connections closed")


if __name__ == "__main__":
    unittest.main()
