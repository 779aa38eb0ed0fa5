"""Whole-server security tests (api.md "Auth", issue 4): authentication at the door, tenant
isolation on every route of the OpenAPI document, the role x route matrix of the spec,
rate limits, CORS, security headers, the access log, key reload on SIGHUP and RS256/ES256
keys through the real binary."""

import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.parse

from test_analytics import ROUTES as SECTION_ROUTES
from server import (ServerTestCase, encode_body, make_event, make_token, ndjson,
                    readside_bin)

ALPHA, BETA, NOBODY = "alpha-org", "beta-org", "nobody-org"
MARKER = "BETA-SECRET-7f3a"

# The spec's table (api.md "Auth"), transcribed here on purpose instead of imported from the
# code: the test compares the server with the spec, not with itself.
SPEC_DOMAINS = {
    "crm": {"admin", "analyst", "sales"},
    "hrm": {"admin", "hr"},
    "finance": {"admin", "analyst", "finance"},
    "inventory": {"admin", "analyst", "operations"},
    "projects": {"admin", "analyst", "project_manager"},
}
CROSS_SOURCES = {  # metrics.md "Cross-service": each metric needs all its source domains
    "revenue_per_employee": {"finance", "hrm"},
    "revenue_per_billable_hour": {"finance", "projects"},
    "pipeline_coverage": {"crm", "finance"},
}
ROLES = ["admin", "analyst", "sales", "hr", "finance", "operations", "project_manager", "ingest"]


def domains_of(role):
    return {d for d, roles in SPEC_DOMAINS.items() if role in roles}


def visible_cross(role):
    return {m for m, src in CROSS_SOURCES.items() if src <= domains_of(role)}


def generated(tenants, count, seed=11):
    out = subprocess.run([readside_bin(), "generate", "--seed", str(seed), "--tenants",
                          ",".join(tenants), "--count", str(count), "--malformed", "0"],
                         check=True, capture_output=True, timeout=120)
    return out.stdout


class Isolation(ServerTestCase):
    """One server with two tenants' data for the matrix tests."""

    @classmethod
    def setUpClass(cls):
        from server import ReadsideServer
        cls.srv = ReadsideServer()
        cls.srv.start()
        data = generated([ALPHA, BETA], 4000)
        r = cls.srv.post_events(data, content_type="application/x-ndjson")
        assert r.status == 200, r.describe()
        marked = [make_event(BETA, event_type="crm.customer.created", entity_id="cust-" + MARKER,
                             timestamp="2024-01-10T10:00:00Z",
                             payload={"name": MARKER, "email": "x@beta.example"})]
        r = cls.srv.post_events(marked)
        assert r.status == 200 and r.json["accepted"] == 1, r.describe()
        cls.position = r.json["position"]
        cls.beta_ids = set()
        for line in data.decode().splitlines():
            ev = json.loads(line)
            if ev.get("organization_id") == BETA:
                cls.beta_ids.add(ev["data"]["entity_id"])
        cls.beta_ids = {i for i in cls.beta_ids if len(i) >= 8}
        cls.doc = cls.srv.get("/openapi.json").json
        cls.srv.wait_ready(caught_up_to=cls.position)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def token(self, roles=("admin",), orgs=(ALPHA,)):
        return make_token(orgs=orgs, roles=roles)

    def operations(self):
        """(method, path template) of every documented operation."""
        for path, item in self.doc["paths"].items():
            for method in item:
                if method in ("get", "post", "put", "delete", "patch"):
                    yield method.upper(), path

    def assertNoBetaData(self, resp, what):
        raw = resp.raw.decode("utf-8", "replace")
        self.assertNotIn(MARKER, raw, what)
        leaked = [i for i in self.beta_ids if i in raw]
        self.assertEqual(leaked, [], "%s leaks beta entity ids" % what)

    def test_every_org_route_answers_404_for_another_tenant_exactly_as_for_none(self):
        token = self.token()
        checked = []
        for method, template in self.operations():
            if "{org}" not in template:
                continue
            body = b"{}" if method in ("POST", "PUT") else None
            headers = {"Content-Type": "application/json"} if body else {}
            answers = {}
            for org in (BETA, NOBODY):
                # Other path parameters ({report}) get a sample value: a literal "{…}" is not a
                # valid request target, and the organization is checked first anyway.
                path = re.sub(r"\{\w+\}", "x", template.replace("{org}", org))
                r = self.srv.request(method, path, body, headers, token=token)
                what = "%s %s with alpha's admin token" % (method, path)
                self.assertProblem(r, 404, what)
                self.assertNoBetaData(r, what)
                answers[org] = r.raw.replace(org.encode(), b"ORG")
            self.assertEqual(answers[BETA], answers[NOBODY],
                             "%s: another tenant's 404 must not differ from a missing one's"
                             % template)
            checked.append((method, template))
        self.assertGreaterEqual(len(checked), 12, "the OpenAPI document lists the {org} routes")
        for op in (("GET", "/admin/rebuild/{org}"), ("POST", "/admin/rebuild/{org}")):
            self.assertIn(op, checked)

    def test_a_tenant_admin_follows_its_rebuild_and_never_sees_another_tenants(self):
        alpha, beta = self.token(), self.token(orgs=(BETA,))
        idle = {"state": "idle", "scope": ALPHA, "target_position": 0, "events_read": 0,
                "started_at": None, "finished_at": None}
        r = self.srv.request("POST", "/admin/rebuild/" + ALPHA, token=alpha)
        self.assertEqual(r.status, 202, r.describe())
        self.assertEqual(r.headers.get("location"), "/admin/rebuild/" + ALPHA)
        status = self.wait_rebuild_done(r.headers["location"], alpha)
        self.assertEqual(status["scope"], ALPHA)
        self.assertGreater(status["events_read"], 0)
        self.assertIsNotNone(status["finished_at"])
        # GET /admin/rebuild (whose rebuild runs, for every tenant) stays the operator's.
        self.assertProblem(self.srv.get("/admin/rebuild", token=alpha), 403, "GET /admin/rebuild")
        for role in ("sales", "analyst", "ingest"):
            self.assertProblem(self.srv.get("/admin/rebuild/" + ALPHA,
                                            token=self.token(roles=(role,))), 403, role)
        self.assertProblem(self.srv.get("/admin/rebuild/" + ALPHA, token=None), 401, "no token")
        # Beta's rebuild, queued, running or done, is no rebuild at all for alpha's admin, who
        # keeps seeing alpha's own last one (the rebuild queue keeps each tenant's).
        r = self.srv.request("POST", "/admin/rebuild/" + BETA, token=beta)
        self.assertEqual(r.status, 202, r.describe())
        self.assertEqual(r.headers.get("location"), "/admin/rebuild/" + BETA)
        def assert_only_alphas(when):
            mine = self.srv.get("/admin/rebuild/" + ALPHA, token=alpha)
            self.assertEqual(mine.status, 200, mine.describe())
            self.assertEqual(mine.json, status, when)
            self.assertNotIn(BETA.encode(), mine.raw, when)
            self.assertNoBetaData(mine, "alpha's rebuild status " + when)
        assert_only_alphas("while beta's rebuild runs")
        self.wait_rebuild_done(r.headers["location"], beta)
        assert_only_alphas("after beta's rebuild")
        # A tenant that never rebuilt reads as idle whatever others did.
        gamma = self.srv.get("/admin/rebuild/gamma-none", token=self.token(orgs=("gamma-none",)))
        self.assertEqual(gamma.json, dict(idle, scope="gamma-none"))

    def wait_rebuild_done(self, location, token, timeout=60):
        """Polls `location` (a GET /admin/rebuild/{org}) until the rebuild is done; fails if it
        failed or took over `timeout` s. Returns the final status."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.srv.get(location, token=token)
            self.assertEqual(r.status, 200, r.describe())
            self.assertNotEqual(r.json["state"], "failed", r.json)
            if r.json["state"] == "done":
                return r.json
            self.assertLess(time.monotonic(), deadline, "rebuild not done: %s" % r.json)
            time.sleep(0.05)

    def test_routes_without_org_do_not_reach_other_tenants(self):
        token = self.token()
        # Every-tenant operations need a token for every organization.
        for method, path in (("POST", "/admin/rebuild"), ("GET", "/admin/rebuild"),
                             ("GET", "/admin/dead-letters"),
                             ("POST", "/admin/dead-letters/1/resubmit")):
            r = self.srv.request(method, path, token=token)
            self.assertProblem(r, 403, "%s %s" % (method, path))
            self.assertNoBetaData(r, path)
        for path in ("/openapi.json", "/metrics", "/health/ready", "/health/live"):
            r = self.srv.get(path, token=token)
            self.assertEqual(r.status, 200, r.describe())
            self.assertNoBetaData(r, path)
            self.assertNotIn(BETA.encode(), r.raw, path)

    def test_events_for_another_tenant_are_rejected_and_leave_no_trace(self):
        quality = self.srv.get("/analytics/data-quality/%s?min_position=%d"
                               % (BETA, self.position)).json
        before = len(self.srv.all_events(BETA))
        mine = make_event(ALPHA)
        theirs = make_event(BETA)
        invalid_theirs = make_event(BETA)
        del invalid_theirs["timestamp"]
        r = self.srv.post_events([mine, theirs, invalid_theirs],
                                 token=self.token(roles=("ingest",)))
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json["accepted"], 1)
        self.assertEqual([x["index"] for x in r.json["rejected"]], [1, 2])
        for x in r.json["rejected"]:
            self.assertEqual([e["field"] for e in x["errors"]], ["organization_id"], x)
        self.assertEqual(len(self.srv.all_events(BETA)), before)
        after = self.srv.get("/analytics/data-quality/%s?min_position=%d"
                             % (BETA, r.json["position"])).json
        self.assertEqual(after, quality, "a foreign tenant's counts must not move")

    def test_role_route_matrix_follows_the_spec(self):
        org = ALPHA
        for role in ROLES:
            token = self.token(roles=(role,))
            doms = domains_of(role)
            for domain, template in SECTION_ROUTES.items():
                r = self.srv.get(template % org + "?period=2024-01", token=token)
                if domain == "cross":
                    allowed = bool(visible_cross(role))
                else:
                    allowed = domain in doms
                what = "role %s on %s" % (role, domain)
                if not allowed:
                    self.assertProblem(r, 403, what)
                    continue
                self.assertEqual(r.status, 200, what + "\n" + r.describe())
                if domain == "cross":
                    shown = set(r.json) & set(CROSS_SOURCES)
                    self.assertEqual(shown, visible_cross(role), what)
            # The dashboard leaves out what the role may not see.
            r = self.srv.get("/analytics/dashboard/%s?period=2024-01" % org, token=token)
            if not doms:
                self.assertProblem(r, 403, "role %s on the dashboard" % role)
            else:
                self.assertEqual(r.status, 200, r.describe())
                sections = set(r.json) & (set(SPEC_DOMAINS) | {"cross"})
                expected = set(doms) | ({"cross"} if visible_cross(role) else set())
                self.assertEqual(sections, expected, "dashboard sections of role %s" % role)
                if "cross" in expected:
                    self.assertEqual(set(r.json["cross"]) & set(CROSS_SOURCES),
                                     visible_cross(role))
                self.assertIn("data_quality", r.json)
            # Series follow the metric's sources.
            for domain, metric, needs in (("hrm", "total_employees", {"hrm"}),
                                          ("cross", "pipeline_coverage", {"crm", "finance"})):
                r = self.srv.get("/analytics/series/%s?domain=%s&metric=%s&from=2024-01"
                                 "&to=2024-03&granularity=month" % (org, domain, metric),
                                 token=token)
                if needs <= doms:
                    self.assertEqual(r.status, 200, r.describe())
                else:
                    self.assertProblem(r, 403, "role %s on series %s" % (role, metric))
            # Raw events and admin routes: admin; ingest: admin or ingest.
            r = self.srv.get("/events/%s?limit=1" % org, token=token)
            self.assertEqual(r.status, 200 if role == "admin" else 403, r.describe())
            r = self.srv.get("/admin/tenants/%s" % org, token=token)
            self.assertEqual(r.status, 200 if role == "admin" else 403, r.describe())
            r = self.srv.post_events([make_event(org)], token=token)
            self.assertEqual(r.status, 200 if role in ("admin", "ingest") else 403,
                             "role %s posting events: %s" % (role, r.describe()))
            r = self.srv.get("/analytics/metrics/live/%s" % org, token=token)
            self.assertEqual(r.status, 200 if doms else 403, r.describe())
            if doms:  # activity and headlines of readable domains only
                minute_keys = set(r.json["events_per_minute"][0]) - {"minute", "other"}
                self.assertEqual(minute_keys, doms, "live activity of role %s" % role)
                self.assertEqual({k.split(".")[0] for k in r.json["headline"]}, doms)

    def test_a_token_with_several_orgs_or_all_reaches_each(self):
        for orgs in ((ALPHA, BETA), ("*",)):
            token = self.token(orgs=orgs)
            for org in (ALPHA, BETA):
                r = self.srv.get("/analytics/crm/pipeline/%s" % org, token=token)
                self.assertEqual(r.status, 200, r.describe())


class Authentication(ServerTestCase):
    def setUp(self):
        self.srv = self.start_server()

    def assertUnauthorized(self, token, what):
        r = self.srv.get("/analytics/dashboard/acme-corp", token=token)
        self.assertProblem(r, 401, what)
        self.assertTrue(r.headers.get("www-authenticate", "").startswith("Bearer"), what)
        if token and token.split(".")[-1]:
            self.assertNotIn(token.split(".")[-1], r.raw.decode(), "401 echoes the token")

    def test_bad_tokens_get_401_and_good_ones_pass(self):
        now = int(time.time())
        self.assertUnauthorized(None, "no token")
        self.assertUnauthorized("not-a-jwt", "garbage")
        self.assertUnauthorized(make_token(secret="another-secret-0123456789abcdefghij"),
                                "wrong secret")
        self.assertUnauthorized(make_token(ttl=-120), "expired")
        self.assertUnauthorized(make_token(drop=("exp",)), "no exp")
        self.assertUnauthorized(make_token(claims={"nbf": now + 600}), "future nbf")
        self.assertUnauthorized(make_token(header={"alg": "none"}), "alg none")
        none = make_token(header={"alg": "none"})
        self.assertUnauthorized(none.rsplit(".", 1)[0] + ".", "alg none, empty signature")
        self.assertUnauthorized(make_token(header={"alg": "RS256"}), "unconfigured alg")
        good = make_token(orgs=("acme-corp",), roles=("analyst",))
        r = self.srv.get("/analytics/dashboard/acme-corp", token=good)
        self.assertEqual(r.status, 200, r.describe())
        r = self.srv.request("GET", "/analytics/dashboard/acme-corp",
                             headers={"Authorization": "Basic YTpi"}, token=None)
        self.assertProblem(r, 401, "another scheme")

    def test_public_routes_need_no_token_and_the_rest_do(self):
        self.srv.wait_ready()
        # The web app's paths (GET outside the API's prefixes) are public too (web.md).
        for path in ("/health/live", "/health/ready", "/metrics", "/openapi.json", "/docs", "/",
                     "/no/such/route"):
            self.assertEqual(self.srv.get(path, token=None).status, 200, path)
        for path in ("/events/acme-corp", "/admin/rebuild", "/admin/rebuild/acme-corp",
                     "/analytics/no/such/route", "/docs/x", "/openapi.json/x",
                     "/tenants/acme-corp/settings"):
            self.assertProblem(self.srv.get(path, token=None), 401, path)

    def test_docs_page_is_readable_html_with_a_strict_policy(self):
        r = self.srv.get("/docs", token=None)
        self.assertEqual(r.status, 200, r.describe())
        self.assertTrue(r.headers["content-type"].startswith("text/html"))
        page = r.raw.decode("utf-8")
        for operation in ("POST</span> <code>/events</code>",
                          "GET</span> <code>/analytics/dashboard/{org}</code>",
                          "GET</span> <code>/docs</code>"):
            self.assertIn(operation, page)
        self.assertNotIn("<script", page)
        policy = r.headers["content-security-policy"]
        self.assertIn("default-src 'none'", policy)
        self.assertNotIn("script-src", policy)

    def test_security_headers_on_every_answer(self):
        for token in (None, self.srv.token):
            r = self.srv.get("/analytics/dashboard/acme-corp", token=token)
            self.assertEqual(r.headers.get("x-content-type-options"), "nosniff")
            self.assertEqual(r.headers.get("x-frame-options"), "DENY")
            self.assertEqual(r.headers.get("cache-control"), "no-store")
            self.assertIn("default-src 'none'", r.headers.get("content-security-policy", ""))

    def test_wrong_media_type_is_415(self):
        r = self.srv.post_events(b"hello", content_type="text/plain")
        self.assertProblem(r, 415)
        r = self.srv.request("PUT", "/admin/tenants/acme-corp", b'{"timezone":"UTC"}',
                             {"Content-Type": "text/plain"})
        self.assertProblem(r, 415)


class Keys(ServerTestCase):
    def test_sighup_reloads_the_secret_without_dropping_connections(self):
        import http.client
        srv = self.start_server()
        old = srv.token
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
        self.addCleanup(conn.close)

        def get(token):
            conn.request("GET", "/analytics/crm/pipeline/acme-corp",
                         headers={"Authorization": "Bearer " + token})
            resp = conn.getresponse()
            resp.read()
            return resp.status

        self.assertEqual(get(old), 200)
        new_secret = "rotated-secret-abcdefghijklmnopqrstuvwxyz012345"
        with open(srv.secret_file, "w") as f:
            f.write(new_secret + "\n")
        srv.proc.send_signal(signal.SIGHUP)
        new = make_token(secret=new_secret)
        deadline = time.monotonic() + 10
        while get(new) != 200:
            self.assertLess(time.monotonic(), deadline, "SIGHUP did not reload the secret")
            time.sleep(0.05)
        self.assertEqual(get(old), 401, "the old secret must stop working")
        # A broken key file keeps the keys that work.
        with open(srv.secret_file, "w") as f:
            f.write("short\n")
        srv.proc.send_signal(signal.SIGHUP)
        # The evidence that the second SIGHUP was handled: its line on stderr.
        err = srv.wait_for_stderr("readside: SIGHUP: ", count=2)
        second = err.split("readside: SIGHUP: ")[2].splitlines()[0]
        self.assertIn("HS256 needs at least 32", second, "a broken key file must not load")
        self.assertEqual(get(new), 200)
        self.assertTrue(srv.running())

    def test_rs256_and_es256_keys_with_the_token_command(self):
        tmp = tempfile.mkdtemp(prefix="readside-keys-")
        keys = {}
        for name, args in (("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                           ("ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])):
            priv, pub = os.path.join(tmp, name + ".pem"), os.path.join(tmp, name + ".pub.pem")
            subprocess.run(["openssl", "genpkey"] + args + ["-out", priv], check=True,
                           capture_output=True)
            subprocess.run(["openssl", "pkey", "-in", priv, "-pubout", "-out", pub], check=True,
                           capture_output=True)
            keys[name] = (priv, pub)
        srv = self.start_server(extra_args=["--jwt-public-key-file", keys["rsa"][1],
                                            "--jwt-public-key-file", keys["ec"][1]])
        for name in ("rsa", "ec"):
            out = subprocess.run([readside_bin(), "token", "--org", "acme-corp", "--roles",
                                  "analyst", "--private-key-file", keys[name][0]],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            token = out.stdout.strip()
            r = srv.get("/analytics/crm/pipeline/acme-corp", token=token)
            self.assertEqual(r.status, 200, name + ": " + r.describe())
        # HS/RS confusion: an HS256 token MAC'ed with the RSA public key is refused.
        with open(keys["rsa"][1], "rb") as f:
            pem = f.read()
        forged = make_token(secret=pem, orgs=("acme-corp",))
        self.assertProblem(srv.get("/analytics/crm/pipeline/acme-corp", token=forged), 401)

    def test_token_command_rejects_bad_options(self):
        for args in (["--org", "a", "--roles", "admin", "--ttl", "soon"],
                     ["--org", "a", "--roles", "admin"]):  # no key
            out = subprocess.run([readside_bin(), "token"] + args, capture_output=True,
                                 text=True, timeout=30, env={"PATH": os.environ["PATH"]})
            self.assertNotEqual(out.returncode, 0, args)
            self.assertIn("readside token", out.stderr + out.stdout)


class Limits(ServerTestCase):
    def test_a_noisy_tenant_gets_429_and_a_quiet_one_does_not(self):
        srv = self.start_server(extra_args=["--rate-limit-per-tenant", "5"])
        noisy = make_token(orgs=("noisy-org",), roles=("analyst",))
        quiet = make_token(orgs=("quiet-org",), roles=("analyst",))
        statuses = []
        for i in range(40):
            r = srv.get("/analytics/crm/pipeline/noisy-org", token=noisy)
            statuses.append(r.status)
            if r.status == 429:
                self.assertProblem(r, 429)
                self.assertGreaterEqual(int(r.headers["retry-after"]), 1)
            if i % 8 == 0:
                q = srv.get("/analytics/crm/pipeline/quiet-org", token=quiet)
                self.assertEqual(q.status, 200, "the quiet tenant is served: " + q.describe())
        self.assertIn(429, statuses)
        self.assertIn(200, statuses)

    def test_per_token_limit(self):
        srv = self.start_server(extra_args=["--rate-limit-per-token", "3"])
        a = make_token(orgs=("acme-corp",), roles=("analyst",), sub="a")
        b = make_token(orgs=("acme-corp",), roles=("analyst",), sub="b")
        codes = [srv.get("/analytics/crm/pipeline/acme-corp", token=a).status for _ in range(20)]
        self.assertIn(429, codes)
        # The same token spelled with another scheme case shares the bucket.
        r = srv.request("GET", "/analytics/crm/pipeline/acme-corp",
                        headers={"Authorization": "bEARER " + a}, token=None)
        self.assertProblem(r, 429)
        self.assertEqual(srv.get("/analytics/crm/pipeline/acme-corp", token=b).status, 200)

    def test_oversized_body_and_header(self):
        srv = self.start_server(extra_args=["--max-body-bytes", "2048",
                                            "--max-header-bytes", "4096"])
        big = ndjson([make_event("acme-corp", payload={"name": "x" * 300}) for _ in range(20)])
        self.assertGreater(len(big), 2048)
        self.assertProblem(srv.post_raw(big, content_type="application/x-ndjson"), 413)
        # A body far over the limit: the 413 arrives although the client is still sending
        # (the server half-closes and drains instead of resetting the connection).
        huge = b"[" + b" " * (8 << 20) + b"]"
        for _ in range(3):
            self.assertProblem(srv.post_raw(huge), 413)
        r = srv.request("GET", "/health/live", headers={"X-Filler": "y" * 8000}, token=None)
        self.assertEqual(r.status, 431, r.describe())
        self.assertEqual(srv.get("/health/live").status, 200, "the server keeps serving")

    def test_connection_cap(self):
        import socket
        srv = self.start_server(extra_args=["--max-connections", "4"])
        held = [socket.create_connection((srv.host, srv.port), timeout=10) for _ in range(4)]
        self.addCleanup(lambda: [s.close() for s in held])
        for s in held:  # each is accepted and served (keep-alive: the connection stays)
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertIn(b"200", s.recv(4096).split(b"\r\n")[0])
        # Over the cap, a reserved connection answers health checks only, then closes.
        extra = socket.create_connection((srv.host, srv.port), timeout=10)
        try:
            extra.sendall(b"GET /analytics/dashboard/acme-corp HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = extra.recv(4096)
            self.assertIn(b" 503 ", answer.split(b"\r\n")[0], answer)
            self.assertIn(b"Retry-After: 1", answer)
            self.assertIn(b"connection limit", answer)
        finally:
            extra.close()
        held.pop().close()
        deadline = time.monotonic() + 10
        while True:  # the freed slot is usable again
            try:
                if srv.get("/health/live", timeout=5).status == 200:
                    break
            except OSError:
                pass
            self.assertLess(time.monotonic(), deadline, "a freed slot was not reused")
            time.sleep(0.05)

    def test_slow_clients_are_cut_off_and_do_not_block_others(self):
        import socket
        srv = self.start_server(extra_args=["--request-timeout-ms", "500",
                                            "--idle-timeout-ms", "500"])
        slow = []
        for _ in range(50):
            s = socket.create_connection((srv.host, srv.port), timeout=10)
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")  # never finished
            slow.append(s)
        self.addCleanup(lambda: [s.close() for s in slow])
        self.assertEqual(srv.get("/health/live").status, 200, "others are served meanwhile")
        for s in slow:
            s.settimeout(10)
            try:
                while True:  # a byte now and then does not extend the deadline
                    s.sendall(b"X")
                    data = s.recv(4096)
                    if not data:
                        break
            except (ConnectionResetError, BrokenPipeError):
                pass
            except socket.timeout:
                self.fail("a slow client was not cut off")


class Browser(ServerTestCase):
    def test_cors_allow_list(self):
        srv = self.start_server(extra_args=["--cors-origins",
                                            "https://erp.example,https://bi.example"])
        pre = {"Origin": "https://erp.example", "Access-Control-Request-Method": "GET",
               "Access-Control-Request-Headers": "authorization"}
        r = srv.request("OPTIONS", "/analytics/dashboard/acme-corp", headers=pre, token=None)
        self.assertEqual(r.status, 204, r.describe())
        self.assertEqual(r.headers.get("access-control-allow-origin"), "https://erp.example")
        self.assertIn("Authorization", r.headers.get("access-control-allow-headers", ""))
        pre["Origin"] = "https://evil.example"
        r = srv.request("OPTIONS", "/analytics/dashboard/acme-corp", headers=pre, token=None)
        self.assertProblem(r, 403)
        self.assertNotIn("access-control-allow-origin", r.headers)
        r = srv.request("GET", "/analytics/dashboard/acme-corp",
                        headers={"Origin": "https://bi.example"})
        self.assertEqual(r.headers.get("access-control-allow-origin"), "https://bi.example")
        self.assertIn("X-Readside-Position", r.headers.get("access-control-expose-headers", ""))
        r = srv.request("GET", "/analytics/dashboard/acme-corp",
                        headers={"Origin": "https://evil.example"})
        self.assertNotIn("access-control-allow-origin", r.headers)


class AccessLog(ServerTestCase):
    def test_json_lines_without_tokens(self):
        log = os.path.join(tempfile.mkdtemp(prefix="readside-log-"), "access.log")
        srv = self.start_server(extra_args=["--access-log", log])
        token = make_token(orgs=("acme-corp",), roles=("analyst",), sub="user-42")
        srv.get("/analytics/crm/pipeline/acme-corp?period=2024-01", token=token)
        srv.get("/analytics/crm/pipeline/acme-corp", token="bad.token.value")
        srv.stop()
        with open(log) as f:
            text = f.read()
        lines = [json.loads(line) for line in text.splitlines()]
        ok = [l for l in lines if l["status"] == 200 and l["route"] ==
              "/analytics/crm/pipeline/{org}"]
        self.assertEqual(len(ok), 1, text)
        entry = ok[0]
        for key in ("ts", "request_id", "remote", "method", "path", "route", "tenant", "sub",
                    "status", "latency_us"):
            self.assertIn(key, entry)
        self.assertEqual(entry["tenant"], "acme-corp")
        self.assertEqual(entry["sub"], "user-42")
        self.assertIn(401, [l["status"] for l in lines])
        self.assertNotIn(token.split(".")[2], text)
        self.assertNotIn("bad.token.value", text)
        self.assertNotIn("period=", text, "query strings stay out of the log")


if __name__ == "__main__":
    import unittest
    unittest.main()
