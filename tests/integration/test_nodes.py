"""Several nodes behind nginx (operations.md "Several nodes", docs/scaling.md): kafka-dev, two
readside nodes that are full replicas (each its own consumer group) and nginx in front,
configured by deploy/nginx/readside.conf itself (rendered by deploy/nginx/render.py with the
test's ports and directories), all started here on loopback:

- GETs are balanced over both nodes (each node's access log);
- read-your-writes across nodes: POST /events through nginx, then GETs with the answered
  min_offsets through nginx, whichever node they reach, see the event (both nodes' access logs
  show they answered some); search and suggestions with min_offsets too;
- the ~1 s micro-cache: a second identical GET with the same token is a HIT; the same URL with
  another token is never answered from it (another tenant's body never leaks); min_offsets and
  min_position requests are never cached;
- a WebSocket passes through nginx and receives an update for an event posted through nginx;
- edge rate limits per client address and per token answer 429 (problem+json, Retry-After);
- SIGKILL of one node in the middle of a load of GETs and POSTs: not one GET fails (nginx
  retries idempotent requests on the other node); only a POST in flight to the killed node may
  fail (nginx never re-sends one), none once nginx has taken the node out, and after the client
  re-sends those, the surviving node holds every posted event exactly once;
- POST is never retried once sent to a node (against two fake nodes that record requests).

"A schedule fires once with two nodes" is in test_kafka.py (OwnStateAcrossNodesTest): it needs
no nginx.

Without `nginx`: skipped when run by hand, failed under `make test` (READSIDE_REQUIRE_DEPS=1).
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

from server import REPO, ReadsideServer, _track, _untrack, http_request, make_event, \
    make_token, readside_bin
from wsclient import HandshakeRefused, WebSocket

sys.path.insert(0, os.path.join(REPO, "deploy", "nginx"))
import render  # noqa: E402  (deploy/nginx/render.py)
from deps import needs

NGINX = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx")
ORG = "acme-corp"
OTHER = "beta-inc"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("nginx exited with %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not listen on %d within %ss" % (port, timeout))


class Edge:
    """One nginx started from the rendered deploy/nginx/readside.conf."""

    def __init__(self, nodes, **limits):
        self.dir = tempfile.mkdtemp(prefix="readside-it-nginx-")
        self.port = free_port()
        self.host = "127.0.0.1"
        self.conf = render.write(self.dir, "127.0.0.1:%d" % self.port, nodes, **limits)
        with open(os.path.join(self.dir, "stderr.log"), "wb") as err:
            self.proc = subprocess.Popen([NGINX, "-p", self.dir, "-c", self.conf,
                                          "-g", "daemon off;"],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=err)
        _track(self.proc)
        try:
            wait_port(self.port, self.proc)
        except RuntimeError as e:
            raise RuntimeError("%s\n%s" % (e, self.error_log()))

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # fast shutdown of master and workers
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        _untrack(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)

    def error_log(self):
        out = ""
        for name in ("stderr.log", "readside-error.log"):
            try:
                with open(os.path.join(self.dir, name), "rb") as f:
                    out += "--- nginx %s ---\n%s\n" % (name, f.read().decode("utf-8", "replace"))
            except OSError:
                pass
        return out

    def request(self, method, path, body=None, token=None, headers=None, timeout=60):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        return http_request(self.host, self.port, method, path, body, h, timeout)

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token=token, **kw)


def lead(org, ts="2024-02-10T09:00:00Z", entity_id=None, name=None):
    payload = {"source": "web", "owner_id": "u-1"}
    if name is not None:
        payload["name"] = name
    return make_event(org, event_type="crm.lead.created", timestamp=ts, entity_id=entity_id,
                      payload=payload)


def new_org(prefix):
    return "%s-%s" % (prefix, os.urandom(4).hex())


@needs(NGINX, "nginx is not installed (apt-get install nginx-light)")
class NodesBehindNginxTest(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="readside-it-nodes-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        kd = subprocess.Popen([readside_bin(), "kafka-dev", "--topic", "erp:4"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              stdin=subprocess.DEVNULL)
        _track(kd)
        cls.addClassCleanup(lambda: (kd.kill(), kd.wait(), kd.stdout.close(), _untrack(kd)))
        line = kd.stdout.readline().decode()
        if not line.startswith("kafka-dev: bootstrap "):
            raise RuntimeError("kafka-dev said %r" % line)
        cls.brokers = line.split()[-1]
        cls.nodes = []
        for name in ("a", "b"):
            log = os.path.join(cls.tmp, "access-%s.log" % name)
            # No --kafka-group: each node has a group of its own, so both are full replicas.
            # Behind nginx every client has nginx's address: no per-address connection cap.
            node = ReadsideServer(listen="127.0.0.1:%d" % free_port(), extra_args=[
                "--kafka-brokers", cls.brokers, "--kafka-topics", "erp",
                "--kafka-config", "session.timeout.ms=6000",
                "--access-log", log, "--max-connections-per-ip", "0"])
            node.access_log = log
            cls.addClassCleanup(node.close)
            node.start()
            cls.nodes.append(node)
        for node in cls.nodes:
            node.wait_ready(timeout=60)
        cls.edge = cls.start_edge()
        cls.token = make_token()  # admin of every organization

    @classmethod
    def start_edge(cls, **limits):
        # The load test sends a few hundred requests per second from one address and token:
        # the shipped limits would (rightly) throttle it, so they are raised here.
        limits.setdefault("rate_per_ip", "10000r/s")
        limits.setdefault("burst_per_ip", 10000)
        limits.setdefault("rate_per_token", "10000r/s")
        limits.setdefault("burst_per_token", 10000)
        edge = Edge(["127.0.0.1:%d" % n.port for n in cls.nodes], **limits)
        cls.addClassCleanup(edge.close)
        return edge

    # -- helpers ---------------------------------------------------------------------------

    def access_count(self, node, path):
        try:
            with open(node.access_log, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except FileNotFoundError:
            return 0
        n = 0
        for line in lines:
            try:
                if json.loads(line).get("path") == path:
                    n += 1
            except ValueError:
                pass
        return n

    def served(self, path, before, total):
        """Requests of `path` each node logged since `before` (their counts then), once they add
        up to `total` or after 5 s (readside writes its access log every 10 ms)."""
        deadline = time.monotonic() + 5
        while True:
            served = [self.access_count(n, path) - b for n, b in zip(self.nodes, before)]
            if sum(served) >= total or time.monotonic() > deadline:
                return served
            time.sleep(0.05)

    def post(self, events):
        body = "".join(json.dumps(e) + "\n" for e in events).encode()
        r = self.edge.request("POST", "/events", body, token=self.token,
                              headers={"Content-Type": "application/x-ndjson"})
        self.assertEqual(r.status, 200, r.describe() + self.edge.error_log())
        offsets = r.headers.get("x-readside-offsets")
        self.assertTrue(offsets, r.headers)
        return offsets

    def leads_new(self, org, offsets, period="2024-02"):
        r = self.edge.get("/analytics/crm/pipeline/%s?period=%s&min_offsets=%s&wait_ms=20000"
                          % (org, period, offsets), token=self.token)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json["organization_id"], org)
        # Never cached: a read-your-writes request always reaches a node.
        self.assertEqual(r.headers.get("x-cache-status"), "BYPASS", r.headers)
        return r.json["leads_new"]

    # -- tests -----------------------------------------------------------------------------

    def test_1_gets_are_balanced_over_both_nodes(self):
        path = "/events/%s" % ORG
        before = [self.access_count(n, path) for n in self.nodes]
        total = 20
        for _ in range(total):
            r = self.edge.get(path + "?limit=1", token=self.token)
            self.assertEqual(r.status, 200, r.describe())
        counts = self.served(path, before, total)
        self.assertEqual(sum(counts), total, counts)
        for c in counts:
            self.assertGreaterEqual(c, total // 4, "round robin over both nodes: %s" % counts)

    def test_2_read_your_writes_across_nodes_through_nginx(self):
        org = new_org("ryw")
        pipeline = "/analytics/crm/pipeline/%s" % org
        before = [self.access_count(n, pipeline) for n in self.nodes]
        entity = None
        for i in range(1, 5):
            entity = "lead-%d-%s" % (i, os.urandom(3).hex())
            offsets = self.post([lead(org, entity_id=entity)])
            # The POST reached one node (produced to Kafka); each of these GETs may reach
            # either (round robin: two in a row reach both), and each sees the new lead.
            self.assertEqual(self.leads_new(org, offsets), i, offsets)
            self.assertEqual(self.leads_new(org, offsets), i, offsets)
        # Both nodes answered some of those GETs (each node's access log): read-your-writes held
        # on the node the POST did not reach too, not only on the one that produced it.
        served = self.served(pipeline, before, 8)
        self.assertEqual(sum(served), 8, served)
        self.assertTrue(all(c >= 1 for c in served), "each node answered a read: %s" % served)
        # The stored event itself, through nginx (both nodes consumed it by now).
        for _ in range(2):
            r = self.edge.get("/events/%s?aggregate_id=%s" % (org, entity), token=self.token)
            self.assertEqual(r.status, 200, r.describe())
            self.assertEqual([e["data"]["entity_id"] for e in r.json["events"]], [entity])

    def test_2b_search_reads_its_writes_across_nodes_with_min_offsets(self):
        # The index follows the store: the offsets become the answering node's own position,
        # which its index is then waited for. Without the wait, a search right after the POST
        # on the node that did not produce would often miss the new lead.
        org = new_org("ryws")
        search = "/search/%s" % org
        before = [self.access_count(n, search) for n in self.nodes]
        for i in range(1, 5):
            word = "zq%s" % os.urandom(4).hex()
            offsets = self.post([lead(org, entity_id="lead-%d" % i, name="Lead %s" % word)])
            for _ in range(2):  # round robin: both nodes
                r = self.edge.get("%s?q=%s&min_offsets=%s&wait_ms=20000" % (search, word, offsets),
                                  token=self.token)
                self.assertEqual(r.status, 200, r.describe())
                self.assertEqual([h["id"] for h in r.json["hits"]], ["lead-%d" % i], r.json)
            r = self.edge.get("/search/suggestions/%s?q=%s&min_offsets=%s&wait_ms=20000"
                              % (org, word[:6], offsets), token=self.token)
            self.assertEqual(r.status, 200, r.describe())
            self.assertIn(word, [t.lower() for x in r.json["suggestions"] for t in x["text"].split()],
                          r.json)
        served = self.served(search, before, 8)
        self.assertTrue(all(c >= 1 for c in served), "each node answered a search: %s" % served)
        # Offsets the topic cannot have are refused by search too, naming the field (once the
        # node has read the topic's metadata: it has, it consumed the POSTs above; wait_ms=0 so
        # that a node without it would answer 503 at once, not hang).
        r = self.edge.get("%s?q=x&min_offsets=9:0&wait_ms=0" % search, token=self.token)
        self.assertEqual(r.status, 400, r.describe())
        self.assertEqual(r.json["errors"][0]["field"], "min_offsets")

    def test_3_micro_cache_is_per_token_short_and_skips_read_your_writes(self):
        tok_a = make_token(orgs=(ORG,), roles=("admin",), sub="a-user")
        tok_b = make_token(orgs=(OTHER,), roles=("admin",), sub="b-user")
        operator = make_token(sub="operator")
        url = "/analytics/dashboard/%s?period=2024-01" % ORG

        def get(path, token):
            r = self.edge.get(path, token=token)
            return r, r.headers.get("x-cache-status")

        def miss_then_hit(path, token):
            """The first GET of a key is a MISS and the next, within ~1 s, a HIT. nginx keeps
            validity in whole seconds, so a pair that straddles a second boundary on a busy
            machine may find the entry expired: then the pair is tried again (EXPIRED first)."""
            for attempt in range(3):
                a, sa = get(path, token)
                b, sb = get(path, token)
                if attempt == 0:
                    self.assertEqual(sa, "MISS", a.describe())
                else:
                    self.assertIn(sa, ("EXPIRED", "MISS"), a.describe())
                if sb == "HIT":
                    return a, sa, b, sb
                self.assertIn(sb, ("EXPIRED", "MISS"), b.describe())
            self.fail("no HIT within three pairs of GETs of %s" % path)

        r1, s1, r2, s2 = miss_then_hit(url, tok_a)
        self.assertEqual(r1.status, 200, r1.describe())
        self.assertEqual(r2.status, 200, r2.describe())
        self.assertEqual(r2.raw, r1.raw)
        self.assertEqual(r1.json["organization_id"], ORG)
        # Readside's "no-store" for browsers is passed on unchanged.
        self.assertEqual(r2.headers.get("cache-control"), "no-store")
        # The query is part of the key: the same path for another period, right after, is not
        # the cached answer of the first.
        other = "/analytics/dashboard/%s?period=2024-02" % ORG
        r_other, s_other = get(other, tok_a)
        self.assertEqual(r_other.status, 200, r_other.describe())
        self.assertEqual(s_other, "MISS", r_other.describe())
        self.assertEqual(r_other.json["period"], "2024-02", r_other.json)

        # Another tenant's token on the same URL: not from the cache, and refused by the node
        # (404, "not yours"), never the first tenant's answer.
        r3, s3 = get(url, tok_b)
        self.assertEqual(r3.status, 404, r3.describe())
        self.assertNotEqual(s3, "HIT")
        self.assertNotEqual(r3.raw, r1.raw)
        self.assertNotIn("organization_id", r3.json or {})
        # Even a token that may read it (an operator's) has its own entry.
        r4, s4 = get(url, operator)
        self.assertEqual((r4.status, s4), (200, "MISS"), r4.describe())
        self.assertEqual(r4.json["organization_id"], ORG)
        # The other tenant's own dashboard is cached for that tenant, with its own org id.
        other = "/analytics/dashboard/%s?period=2024-01" % OTHER
        r5, s5, r6, s6 = miss_then_hit(other, tok_b)
        self.assertEqual((r5.status, r6.status), (200, 200))
        self.assertEqual(r5.json["organization_id"], OTHER)
        self.assertEqual(r6.json["organization_id"], OTHER)
        self.assertNotIn(b'"%s"' % ORG.encode(), r6.raw)
        # /dashboards/ too.
        d1, t1, d2, t2 = miss_then_hit("/dashboards/%s" % ORG, tok_a)
        self.assertEqual((d1.status, d2.status), (200, 200), d1.describe())
        self.assertEqual(d2.json["organization_id"], ORG)

        # Read-your-writes requests are never cached (nor served from the cache).
        offsets = self.post([lead(ORG, ts="2024-01-20T09:00:00Z")])
        for q in ("&min_offsets=%s" % offsets, "&min_position=0"):
            for _ in range(2):
                r, s = get(url + q, tok_a)
                self.assertEqual((r.status, s), (200, "BYPASS"), r.describe())

        # ~1 s: after it, the entry is fetched again. nginx keeps validity in whole seconds
        # (an entry made at 10.9 s with "valid 1s" may serve until 12.0 s): wait past that.
        time.sleep(2.2)
        r7, s7 = get(url, tok_a)
        self.assertEqual(r7.status, 200)
        self.assertIn(s7, ("EXPIRED", "MISS"))

    def test_4_websocket_through_nginx(self):
        org = new_org("ws")
        token = self.token
        offsets = self.post([lead(org, ts="2024-01-10T09:00:00Z")])
        self.assertEqual(self.leads_new(org, offsets, period="2024-01"), 1)
        ws = WebSocket.connect(self.edge.host, self.edge.port, "/analytics/real-time/" + org,
                               protocols=["bearer", token])
        self.addCleanup(ws.abort)
        self.assertEqual(ws.subprotocol, "bearer")
        ready = ws.recv_json(10)
        self.assertEqual(ready["type"], "ready", ready)
        self.assertEqual(ready["organization_id"], org)
        ws.send_json({"type": "subscribe", "domain": "crm", "period": "2024-01"})
        # The WebSocket may be on the other node, which may not have consumed the lead yet
        # when it answers the subscription: the lead arrives in an update soon after.
        first = ws.recv_json_until(lambda m: m.get("type") == "update" and
                                   m.get("metrics", {}).get("leads_new") == 1, 20)
        self.assertEqual(first["metrics"]["leads_new"], 1, first)
        # Posted through nginx (either node, then Kafka); the update comes from the node that
        # holds the WebSocket, through nginx.
        for expected in (2, 3):
            self.post([lead(org, ts="2024-01-11T09:00:00Z")])
            m = ws.recv_json_until(lambda m: m.get("type") == "update" and
                                   "leads_new" in m.get("metrics", {}), 20)
            self.assertEqual(m["metrics"]["leads_new"], expected, m)
        ws.send_json({"type": "ping"})
        self.assertEqual(ws.recv_json_until(lambda m: m.get("type") == "pong", 5)["type"],
                         "pong")

        # nginx passes the client's Host: a browser on nginx's origin (the web app served
        # through nginx) is accepted, a foreign origin refused, as without nginx.
        own = WebSocket.connect(self.edge.host, self.edge.port, "/analytics/real-time/" + org,
                                protocols=["bearer", token],
                                origin="http://%s:%d" % (self.edge.host, self.edge.port))
        self.addCleanup(own.abort)
        self.assertEqual(own.recv_json(10)["type"], "ready")
        with self.assertRaises(HandshakeRefused) as refused:
            WebSocket.connect(self.edge.host, self.edge.port, "/analytics/real-time/" + org,
                              protocols=["bearer", token], origin="https://evil.example")
        self.assertEqual(refused.exception.status, 403)

    def assertEdge429(self, r):
        self.assertEqual(r.status, 429, r.describe())
        self.assertEqual(r.headers.get("retry-after"), "1")
        self.assertTrue(r.headers.get("content-type", "").startswith(
            "application/problem+json"), r.headers)
        self.assertEqual(r.json["status"], 429)
        self.assertIn("nginx", r.json["detail"])

    def test_5_edge_rate_limits_per_address_and_per_token(self):
        # Per address: 2/s with a burst of 5; no token (so no per-token bucket).
        edge = self.start_edge(rate_per_ip="2r/s", burst_per_ip=5)
        statuses = []
        for _ in range(20):
            r = edge.get("/health/live")
            statuses.append(r.status)
            if r.status == 429:
                self.assertEdge429(r)
        ok = statuses.count(200)
        self.assertEqual(statuses.count(200) + statuses.count(429), 20, statuses)
        self.assertGreaterEqual(ok, 6, statuses)   # 1 + burst
        self.assertLessEqual(ok, 9, statuses)      # plus what refilled meanwhile
        self.assertEqual(statuses[:6], [200] * 6, statuses)

        # Per token: token A over its budget is refused; token B from the same address is not.
        edge = self.start_edge(rate_per_token="1r/s", burst_per_token=2)
        tok_a, tok_b = make_token(sub="a"), make_token(sub="b")
        statuses = [edge.get("/events/%s?limit=1" % ORG, token=tok_a).status
                    for _ in range(10)]
        self.assertEqual(statuses[:3], [200] * 3, statuses)
        self.assertGreaterEqual(statuses.count(429), 6, statuses)
        r = edge.get("/events/%s?limit=1" % ORG, token=tok_a)
        self.assertEdge429(r)
        r = edge.get("/events/%s?limit=1" % ORG, token=tok_b)
        self.assertEqual(r.status, 200, r.describe())

    def test_5b_a_nodes_503s_about_a_request_never_take_nodes_out(self):
        # "Read model behind" for offsets nobody will reach within wait_ms: an answer about the
        # request, passed to the caller, neither retried nor counted against the node. (Counted
        # as failures, six of these within 10 s took both nodes out: every tenant then got 502.)
        for _ in range(20):
            r = self.edge.get("/analytics/dashboard/%s?min_offsets=0:999999999&wait_ms=0" % ORG,
                              token=self.token)
            self.assertEqual(r.status, 503, r.describe())
            self.assertEqual(r.json["title"], "Read model behind", r.describe())
            self.assertTrue(r.headers.get("retry-after"), r.headers)
        path = "/events/%s" % ORG
        before = [self.access_count(n, path) for n in self.nodes]
        for _ in range(10):
            r = self.edge.get(path + "?limit=2", token=self.token)
            self.assertEqual(r.status, 200, r.describe() + self.edge.error_log()[-2000:])
        deadline = time.monotonic() + 5
        while True:  # readside writes its access log every 10 ms
            counts = [self.access_count(n, path) - b for n, b in zip(self.nodes, before)]
            if sum(counts) >= 10 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertTrue(all(c > 0 for c in counts), "both nodes still in rotation: %s" % counts)
        self.assertNotIn("temporarily disabled", self.edge.error_log())

    def test_6_kill_one_node_under_load_no_get_fails(self):
        # The last test: it leaves node b dead.
        victim = self.nodes[1]
        path = "/events/%s?limit=5" % ORG
        stop = threading.Event()
        killed_at = []
        results = []  # (monotonic time, status or exception text)
        posts = []  # (monotonic time, status or exception text, the batch's events)
        lock = threading.Lock()
        org = new_org("kill")

        def client_loop(next_request, record):
            # Sends next_request()'s (method, body, headers, note) through nginx on a keep-alive
            # connection until stop, a new connection after a failure; records (time, status or
            # exception text, note) of each.
            conn = None
            while not stop.is_set():
                method, body, headers, note = next_request()
                headers = dict(headers, Authorization="Bearer " + self.token)
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection(self.edge.host, self.edge.port,
                                                          timeout=30)
                    conn.request(method, path if method == "GET" else "/events", body=body,
                                 headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    outcome = resp.status
                except Exception as e:  # a failed request, counted
                    outcome = "%s: %s" % (type(e).__name__, e)
                    if conn is not None:
                        conn.close()
                    conn = None
                with lock:
                    record(time.monotonic(), outcome, note)
            if conn is not None:
                conn.close()

        def poster():
            # POSTs are never retried by nginx once sent (not idempotent for it): one in flight
            # to the victim at the kill fails, and the client sends it again (event ids make
            # that safe). Once nginx has taken the node out, none fails.
            n = [0]

            def next_batch():
                n[0] += 1
                batch = [lead(org, entity_id="kill-%d-%d" % (n[0], i)) for i in range(5)]
                body = "".join(json.dumps(e) + "\n" for e in batch).encode()
                return "POST", body, {"Content-Type": "application/x-ndjson"}, batch
            client_loop(next_batch, lambda t, outcome, batch: posts.append((t, outcome, batch)))

        def worker():
            client_loop(lambda: ("GET", None, {}, None),
                        lambda t, outcome, _: results.append((t, outcome)))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        threads.append(threading.Thread(target=poster))
        start = time.monotonic()
        for t in threads:
            t.start()
        try:
            time.sleep(1.5)
            kill_begun = time.monotonic()
            victim.kill9()
            killed_at.append(time.monotonic())
            time.sleep(3.0)
        finally:
            stop_at = time.monotonic()
            stop.set()
            for t in threads:
                t.join(timeout=40)
        before = [o for t, o in results if t < killed_at[0]]
        after = [o for t, o in results if t >= killed_at[0]]
        failures = [o for _, o in results if o != 200]
        if os.environ.get("NODES_DEBUG"):
            print("\nkill test: %d GETs before the kill, %d after, failures %r\n%s"
                  % (len(before), len(after), failures[:5], self.edge.error_log()[-1500:]),
                  file=sys.stderr)
        self.assertEqual(failures, [], "failed GETs through nginx (of %d)" % len(results))
        self.assertGreater(len(before), 20, "load before the kill")
        self.assertGreater(len(after), 50, "load after the kill")
        # nginx noticed the dead node, retried on the other one, and took it out (passive
        # check: max_fails within fail_timeout).
        log = self.edge.error_log()
        self.assertIn(":%d" % victim.port, log, log[-3000:])
        self.assertIn("upstream server temporarily disabled", log, log[-3000:])
        self.assertTrue(time.monotonic() - start < 60)
        # POSTs: all answered 200 before the kill; after it, only those in flight to the victim
        # may fail (nginx never re-sends a POST), none once the node is out (the last second).
        ok_posts = [p for p in posts if p[1] == 200]
        failed_posts = [p for p in posts if p[1] != 200]
        self.assertGreater(len([p for p in ok_posts if p[0] < killed_at[0]]), 5, "posts before")
        self.assertGreater(len([p for p in ok_posts if p[0] >= killed_at[0]]), 5, "posts after")
        self.assertEqual([p[1] for p in failed_posts if p[0] < kill_begun], [])  # (answer times)
        self.assertLessEqual(len(failed_posts), 2, [p[1] for p in failed_posts])
        self.assertEqual([p[1] for p in failed_posts if p[0] > stop_at - 1.0], [])
        # The client re-sends what failed; then the surviving node holds every event of every
        # batch exactly once (Kafka took what was acknowledged; a re-sent copy is a duplicate).
        for _, _, batch in failed_posts:
            r = self.edge.request("POST", "/events",
                                  "".join(json.dumps(e) + "\n" for e in batch).encode(),
                                  token=self.token, headers={"Content-Type": "application/x-ndjson"})
            self.assertEqual(r.status, 200, r.describe())
        survivor = self.nodes[0]
        sent = sorted(e["event_id"] for _, _, batch in posts for e in batch)
        deadline = time.monotonic() + 30
        while True:
            stored, after = [], 0
            while after is not None:
                r = survivor.get("/events/%s?limit=1000&after_position=%d" % (org, after),
                                 token=self.token)
                self.assertEqual(r.status, 200, r.describe())
                stored += [e["event_id"] for e in r.json["events"]]
                after = r.json["next"]
            stored.sort()
            if stored == sent or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(len(stored), len(set(stored)), "an event stored twice")
        self.assertEqual(stored, sent)


class FakeNode:
    """A TCP server that records each request (method, path) and either answers 200 or closes
    the connection without answering, as a node killed mid-request would."""

    def __init__(self, answer, response=b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                          b"Content-Length: 2\r\n\r\n{}"):
        self.answer = answer
        self.response = response
        self.requests = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            buf = b""
            while True:
                while b"\r\n\r\n" not in buf:
                    part = conn.recv(65536)
                    if not part:
                        return
                    buf += part
                head, buf = buf.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, path = lines[0].split()[:2]
                length = 0
                for line in lines[1:]:
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                while len(buf) < length:
                    part = conn.recv(65536)
                    if not part:
                        return
                    buf += part
                buf = buf[length:]
                self.requests.append((method, path))
                if not self.answer:
                    return  # closes without an answer
                conn.sendall(self.response)

    def close(self):
        self.sock.close()


@needs(NGINX, "nginx is not installed (apt-get install nginx-light)")
class RetryPolicyTest(unittest.TestCase):
    def test_gets_are_retried_on_the_next_node_posts_never_once_sent(self):
        dropper, good = FakeNode(answer=False), FakeNode(answer=True)
        self.addCleanup(dropper.close)
        self.addCleanup(good.close)
        # max_fails high: the dropping node stays in rotation for the whole test.
        edge = Edge(["127.0.0.1:%d" % dropper.port, "127.0.0.1:%d" % good.port],
                    max_fails=1000)
        self.addCleanup(edge.close)
        for i in range(6):
            r = edge.get("/events/x?n=%d" % i)
            self.assertEqual(r.status, 200, r.describe() + edge.error_log())
        self.assertTrue(any(m == "GET" for m, _ in dropper.requests), dropper.requests)
        gets_good = [p for m, p in good.requests if m == "GET"]
        self.assertEqual(len(gets_good), 6, "every GET answered by the good node")

        statuses = []
        for i in range(6):
            r = edge.request("POST", "/events?n=%d" % i, b'{"x":1}',
                             headers={"Content-Type": "application/json"})
            statuses.append(r.status)
        posts_dropper = [p for m, p in dropper.requests if m == "POST"]
        posts_good = [p for m, p in good.requests if m == "POST"]
        self.assertGreaterEqual(len(posts_dropper), 1, statuses)
        # A POST that reached the dropping node is answered 502 and never sent again.
        self.assertEqual(statuses.count(502), len(posts_dropper), statuses)
        self.assertEqual(statuses.count(200), len(posts_good), statuses)
        self.assertEqual(set(posts_dropper) & set(posts_good), set())
        self.assertEqual(len(posts_dropper) + len(posts_good), 6)
        if os.environ.get("NODES_DEBUG"):
            print("\nretry test: POST statuses %s; GETs reaching the dropping node %d"
                  % (statuses, sum(m == "GET" for m, _ in dropper.requests)), file=sys.stderr)

    def test_a_nodes_own_429_passes_unchanged(self):
        # The edge's 429 page is for nginx's own limits only (no proxy_intercept_errors): a
        # node's 429 keeps its Retry-After and body.
        body = b'{"status":429,"title":"Too Many Requests","detail":"tenant budget"}'
        node = FakeNode(answer=True, response=(
            b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/problem+json\r\n"
            b"Retry-After: 7\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)))
        self.addCleanup(node.close)
        edge = Edge(["127.0.0.1:%d" % node.port])
        self.addCleanup(edge.close)
        r = edge.get("/analytics/dashboard/%s" % ORG, token=make_token())
        self.assertEqual(r.status, 429, r.describe())
        self.assertEqual(r.headers.get("retry-after"), "7")
        self.assertEqual(r.raw, body)


if __name__ == "__main__":
    unittest.main()
