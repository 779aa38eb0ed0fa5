"""Helpers for whole-server tests of readside (Python 3 stdlib only).

ReadsideServer starts `readside serve` on 127.0.0.1:0 in a fresh temporary data directory
(or a given one), parses the port from the `listening on http://127.0.0.1:PORT` line, and
offers small HTTP helpers. Every started process is tracked and killed at interpreter exit,
so a failing test never leaves a server behind; tests should still register
`self.addCleanup(server.close)`.

The binary is taken from $READSIDE_BIN, default <repo>/build/readside, where <repo> is two
directories above this file (tests/integration/server.py).
"""

import atexit
import base64
import hashlib
import hmac
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BIN = os.path.join(REPO, "build", "readside")
START_TIMEOUT = 20.0
HTTP_TIMEOUT = 60.0
_LISTEN_RE = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")

# The analytics route of each domain ("%s": the organization), and the members of its body
# that describe the answer rather than being metrics.
ANALYTICS_ROUTES = {
    "crm": "/analytics/crm/pipeline/%s",
    "hrm": "/analytics/hrm/headcount/%s",
    "finance": "/analytics/finance/revenue/%s",
    "inventory": "/analytics/inventory/turnover/%s",
    "projects": "/analytics/projects/utilization/%s",
    "cross": "/analytics/cross/%s",
}
ANALYTICS_HEADER = ("organization_id", "period", "period_start", "period_end", "last_updated",
                    "data_sources", "stale")

_LIVE = set()          # Popen objects still running
_LIVE_LOCK = threading.Lock()


def readside_bin():
    path = os.environ.get("READSIDE_BIN") or DEFAULT_BIN
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise FileNotFoundError(
            "readside binary not found or not executable: %s (set READSIDE_BIN)" % path)
    return path


def _kill_all_live():
    with _LIVE_LOCK:
        procs = list(_LIVE)
        _LIVE.clear()
    for p in procs:
        try:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        except Exception:
            pass


atexit.register(_kill_all_live)


def _track(proc):
    with _LIVE_LOCK:
        _LIVE.add(proc)


def _untrack(proc):
    with _LIVE_LOCK:
        _LIVE.discard(proc)


class Response(tuple):
    """(status, headers, parsed_json) with extra attribute .raw (bytes).

    headers is a dict with lower-cased names. parsed_json is None when the body is empty or
    not JSON."""

    def __new__(cls, status, headers, body, raw):
        self = super().__new__(cls, (status, headers, body))
        self.raw = raw
        return self

    @property
    def status(self):
        return self[0]

    @property
    def headers(self):
        return self[1]

    @property
    def json(self):
        return self[2]

    def describe(self):
        text = self.raw[:2000].decode("utf-8", "replace") if self.raw else ""
        return "HTTP %s %s: %s" % (self.status, self.headers.get("content-type"), text)


def _parse_body(raw):
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def encode_body(body):
    """bytes pass through; str is UTF-8 encoded; anything else is json.dumps'ed."""
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


# -- tokens ------------------------------------------------------------------------------

_SECRET = "integration-test-secret-0123456789abcdef"  # ≥ 32 bytes for HS256


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_token(orgs=("*",), roles=("admin",), ttl=3600, secret=_SECRET, sub="it-user",
               header=None, claims=None, drop=()):
    """An HS256 JWT as the server expects (api.md "Auth"). `orgs`: one → `org`, else `orgs`.
    `header`/`claims` override or add fields; `drop` removes claims (e.g. ("exp",))."""
    now = int(time.time())
    body = {"sub": sub, "roles": list(roles), "iat": now, "exp": now + ttl}
    orgs = list(orgs)
    if len(orgs) == 1 and orgs[0] != "*":
        body["org"] = orgs[0]
    else:
        body["orgs"] = orgs
    body.update(claims or {})
    for k in drop:
        body.pop(k, None)
    head = {"alg": "HS256", "typ": "JWT"}
    head.update(header or {})
    signing_input = (_b64url(json.dumps(head, separators=(",", ":")).encode()) + "." +
                     _b64url(json.dumps(body, separators=(",", ":")).encode()))
    key = secret.encode() if isinstance(secret, str) else secret
    sig = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + _b64url(sig)


def ndjson(events):
    return ("".join(json.dumps(e) + "\n" for e in events)).encode("utf-8")


def http_request(host, port, method, path, body=None, headers=None, timeout=HTTP_TIMEOUT):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        return Response(resp.status, hdrs, _parse_body(raw), raw)
    finally:
        conn.close()


def raw_request(host, port, method, path, body, headers, timeout=HTTP_TIMEOUT,
                chunk=256 * 1024):
    """Sends a request over a plain socket and tolerates the server answering (and closing)
    before the whole body is sent, as a server may do for 413. Returns a Response."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        head = "%s %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n" % (
            method, path, host, port)
        for k, v in headers.items():
            head += "%s: %s\r\n" % (k, v)
        head += "Content-Length: %d\r\n\r\n" % len(body)
        try:
            sock.sendall(head.encode("latin-1"))
            view = memoryview(body)
            for off in range(0, len(body), chunk):
                sock.sendall(view[off:off + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server gave up on the body; read what it answered
        data = b""
        try:
            while True:
                part = sock.recv(65536)
                if not part:
                    break
                data += part
                resp = _try_parse_http(data)
                if resp is not None:
                    return resp
        except ConnectionResetError:
            pass
        resp = _try_parse_http(data, final=True)
        if resp is None:
            raise ConnectionError("no complete HTTP response (got %r)" % data[:200])
        return resp
    finally:
        sock.close()


def _try_parse_http(data, final=False):
    sep = data.find(b"\r\n\r\n")
    if sep < 0:
        return None
    head = data[:sep].decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", head[0])
    if not m:
        raise ConnectionError("bad status line %r" % head[0])
    hdrs = {}
    for line in head[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    body = data[sep + 4:]
    if "content-length" in hdrs:
        n = int(hdrs["content-length"])
        if len(body) < n:
            return None
        body = body[:n]
    elif "chunked" in hdrs.get("transfer-encoding", "").lower():
        decoded, done = _dechunk(body)
        if not done:
            return None
        body = decoded
    elif not final:
        return None
    return Response(int(m.group(1)), hdrs, _parse_body(body), body)


def _dechunk(body):
    out = b""
    pos = 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            return out, False
        size = int(body[pos:eol].split(b";")[0], 16)
        if size == 0:
            return out, True
        start = eol + 2
        if len(body) < start + size + 2:
            return out, False
        out += body[start:start + size]
        pos = start + size + 2


class ReadsideServer:
    """One `readside serve` process; restartable on the same data directory."""

    def __init__(self, data_dir=None, binary=None, extra_args=(), env=None, command="serve",
                 listen="127.0.0.1:0"):
        self.binary = binary or readside_bin()
        self.listen = listen  # a fixed port survives restarts (clients that reconnect)
        self.command = command
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="readside-it-data-")
        self._log_dir = tempfile.mkdtemp(prefix="readside-it-log-")
        self.extra_args = list(extra_args)
        self.env = env
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"
        self._stdout_lines = []
        self._reader = None
        self._stderr_file = None
        self._stderr_path = None
        self._starts = 0
        # Every server verifies tokens; the helpers below send an admin token for every
        # organization unless told otherwise (token=None: no Authorization header).
        self.secret_file = os.path.join(self._log_dir, "jwt-secret")
        with open(self.secret_file, "w") as f:
            f.write(_SECRET + "\n")
        self.token = make_token()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout=START_TIMEOUT):
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("server already running")
        self._starts += 1
        self._stdout_lines = []
        err_path = os.path.join(self._log_dir, "stderr-%d.log" % self._starts)
        self._stderr_path = err_path
        self._stderr_file = open(err_path, "wb")
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        cmd = [self.binary, self.command, "--data-dir", self.data_dir,
               "--listen", self.listen, "--jwt-secret-file", self.secret_file] + self.extra_args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._stderr_file, env=env)
        _track(self.proc)
        lines = queue.Queue()
        proc = self.proc
        store = self._stdout_lines

        # Each start's stdout is also kept in a file beside its stderr, so that a test failing
        # after a restart can show what an earlier start logged.
        out_path = os.path.join(self._log_dir, "stdout-%d.log" % self._starts)

        def reader():
            with open(out_path, "w") as out:
                for raw in iter(proc.stdout.readline, b""):
                    line = raw.decode("utf-8", "replace").rstrip("\n")
                    store.append(line)
                    lines.put(line)
                    out.write(line + "\n")
                    out.flush()
            lines.put(None)

        self._reader = threading.Thread(target=reader, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill9()
                raise RuntimeError("server did not print 'listening on' within %.0fs\n%s"
                                   % (timeout, self.logs()))
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                code = proc.wait()
                _untrack(proc)
                raise RuntimeError("server exited (%s) before listening\n%s"
                                   % (code, self.logs()))
            m = _LISTEN_RE.search(line)
            if m:
                self.port = int(m.group(1))
                return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Sends `sig` and waits for exit. Returns the exit code (negative: killed by signal).
        If the process does not exit in time it is SIGKILLed and RuntimeError is raised."""
        if self.proc is None:
            return None
        proc = self.proc
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                self._finish_proc()
                raise RuntimeError("server did not exit within %ss after signal %s\n%s"
                                   % (timeout, sig, self.logs()))
        self._finish_proc()
        return proc.returncode

    def kill9(self):
        if self.proc is None:
            return None
        proc = self.proc
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        self._finish_proc()
        return proc.returncode

    def restart(self, sig=signal.SIGTERM):
        """Stops (sig, or SIGKILL when sig is None/SIGKILL) and starts again on the same dir.
        Returns the exit code of the stopped process."""
        if sig in (None, signal.SIGKILL):
            code = self.kill9()
        else:
            code = self.stop(sig)
        self.start()
        return code

    def _finish_proc(self):
        _untrack(self.proc)
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self.proc.stdout:
            self.proc.stdout.close()
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def close(self):
        """Kills the process if still running and removes temp directories we created."""
        try:
            if self.running():
                self.kill9()
            elif self.proc is not None:
                self._finish_proc()
        finally:
            if self._own_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)
            shutil.rmtree(self._log_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def logs(self, tail=4000):
        out = "\n".join(self._stdout_lines)
        err = ""
        try:
            for name in sorted(os.listdir(self._log_dir)):
                with open(os.path.join(self._log_dir, name), "rb") as f:
                    err += "--- %s ---\n%s\n" % (name, f.read().decode("utf-8", "replace"))
        except OSError:
            pass
        return "--- stdout ---\n%s\n%s" % (out[-tail:], err[-tail:])

    def stderr_text(self):
        """Everything the current (or last) process wrote to stderr so far."""
        if self._stderr_path is None:
            return ""
        try:
            with open(self._stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_for_stderr(self, text, count=1, timeout=10):
        """Polls stderr until `text` occurs at least `count` times (the evidence that something
        happened, instead of a sleep); fails with the logs after `timeout` s. Returns the
        stderr text."""
        deadline = time.monotonic() + timeout
        while True:
            err = self.stderr_text()
            if err.count(text) >= count:
                return err
            if time.monotonic() >= deadline:
                raise AssertionError("%r did not appear %d time(s) on stderr within %ss\n%s"
                                     % (text, count, timeout, self.logs()))
            time.sleep(0.02)

    # -- HTTP ------------------------------------------------------------------------------

    @property
    def base_url(self):
        return "http://%s:%d" % (self.host, self.port)

    _DEFAULT = object()

    def auth_headers(self, headers=None, token=_DEFAULT):
        """headers plus `Authorization: Bearer` (the server's admin token by default; None:
        no header; a header given by the caller wins)."""
        out = dict(headers or {})
        if token is ReadsideServer._DEFAULT:
            token = self.token
        if token is not None and not any(k.lower() == "authorization" for k in out):
            out["Authorization"] = "Bearer " + token
        return out

    def request(self, method, path, body=None, headers=None, timeout=HTTP_TIMEOUT,
                token=_DEFAULT):
        return http_request(self.host, self.port, method, path, body,
                            self.auth_headers(headers, token), timeout)

    def post_events(self, body, content_type="application/json", timeout=HTTP_TIMEOUT,
                    token=_DEFAULT):
        headers = {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        return self.request("POST", "/events", encode_body(body), headers, timeout, token)

    def post_raw(self, body, content_type="application/json", timeout=HTTP_TIMEOUT,
                 token=_DEFAULT):
        """POST /events via raw socket; tolerates an early answer (413) and closed socket."""
        headers = {"Content-Type": content_type} if content_type else {}
        return raw_request(self.host, self.port, "POST", "/events", encode_body(body),
                           self.auth_headers(headers, token), timeout)

    def get(self, path, timeout=HTTP_TIMEOUT, token=_DEFAULT):
        return self.request("GET", path, None, None, timeout, token)

    def events(self, org, limit=None, after_position=None, **filters):
        """One page of GET /events/{org}; returns the Response."""
        q = dict((k, v) for k, v in filters.items() if v is not None)
        if limit is not None:
            q["limit"] = limit
        if after_position is not None:
            q["after_position"] = after_position
        path = "/events/" + urllib.parse.quote(org, safe="")
        if q:
            path += "?" + urllib.parse.urlencode(q)
        return self.get(path)

    def all_events(self, org, limit=1000, max_pages=100000, **filters):
        """Pages through GET /events/{org} with after_position until next is null."""
        out = []
        after = None
        for _ in range(max_pages):
            r = self.events(org, limit=limit, after_position=after, **filters)
            if r.status != 200 or not isinstance(r.json, dict):
                raise AssertionError("GET /events/%s failed: %s" % (org, r.describe()))
            page = r.json.get("events")
            if not isinstance(page, list):
                raise AssertionError("no events list: %s" % r.describe())
            out.extend(page)
            if len(page) > limit:
                raise AssertionError("page of %d events longer than limit %d"
                                     % (len(page), limit))
            if "next" not in r.json:
                raise AssertionError("response has no 'next' field: %s" % r.describe())
            nxt = r.json["next"]
            if nxt is None:
                return out
            if not isinstance(nxt, int) or (after is not None and nxt <= after):
                raise AssertionError("bad next %r after %r" % (nxt, after))
            after = nxt
        raise AssertionError("paging did not terminate")

    def wait_ready(self, timeout=30, caught_up_to=None):
        """Polls /health/ready until 200 (and, if given, applied_position >= caught_up_to and
        applied == stored). Returns the last Response."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.get("/health/ready", timeout=5)
            except (OSError, http.client.HTTPException):
                last = None
            if last is not None and last.status == 200 and isinstance(last.json, dict):
                j = last.json
                if caught_up_to is None:
                    return last
                if (j.get("applied_position") == j.get("stored_position")
                        and (j.get("applied_position") or 0) >= caught_up_to):
                    return last
            time.sleep(0.1)
        raise AssertionError("server not ready within %ss; last: %s"
                             % (timeout, last.describe() if last else None))


# -- event builders ---------------------------------------------------------------------

_counter = [0]
_counter_lock = threading.Lock()


def unique_id(prefix="ev"):
    with _counter_lock:
        _counter[0] += 1
        n = _counter[0]
    return "%s-%d-%d-%s" % (prefix, os.getpid(), n, os.urandom(4).hex())


def make_event(org="acme-corp", event_id="auto", event_type="crm.contact.created",
               timestamp="2024-01-15T10:00:00Z", entity_id=None, payload=None, **extra):
    """A valid event (for the default type). event_id="auto" generates a unique id;
    event_id=None leaves it out. Extra keyword arguments become extra top-level fields."""
    if payload is None:
        payload = {"name": "Ada Lovelace", "email": "ada@example.com"}
    ev = {}
    if event_id == "auto":
        event_id = unique_id()
    if event_id is not None:
        ev["event_id"] = event_id
    ev.update({
        "event_type": event_type,
        "organization_id": org,
        "timestamp": timestamp,
        "version": "1.0",
        "source_service": "erp-test-service",
        "data": {
            # 64 random bits: with 32, two of a test's thousands of invoices shared an id about
            # once in 2,000 runs, and the second creation counted as an orphan, not an invoice.
            "entity_id": entity_id or ("ent-" + os.urandom(8).hex()),
            "entity_type": event_type.split(".")[1] if event_type.count(".") >= 2 else "thing",
            "action": event_type.rsplit(".", 1)[-1],
            "payload": payload,
        },
    })
    ev.update(extra)
    return ev


def strip_position(stored):
    d = dict(stored)
    d.pop("position", None)
    return d


class ServerTestCase(unittest.TestCase):
    """Base class: start_server() registers cleanup; assertion helpers for API shapes."""

    maxDiff = 4000

    def start_server(self, data_dir=None, **kw):
        srv = ReadsideServer(data_dir=data_dir, **kw)
        self.addCleanup(srv.close)
        srv.start()
        return srv

    def assertProblem(self, resp, status, msg=""):
        ctx = "%s\n%s" % (msg, resp.describe())
        self.assertEqual(resp.status, status, ctx)
        ctype = resp.headers.get("content-type", "")
        self.assertTrue(ctype.startswith("application/problem+json"),
                        "content-type %r is not application/problem+json\n%s" % (ctype, ctx))
        body = resp.json
        self.assertIsInstance(body, dict, ctx)
        for key in ("type", "title", "status", "detail", "instance"):
            self.assertIn(key, body, "problem body lacks %r\n%s" % (key, ctx))
        for key in ("type", "title", "detail", "instance"):
            self.assertIsInstance(body[key], str, "problem %r not a string\n%s" % (key, ctx))
        self.assertEqual(body["status"], status, ctx)

    def assertBatch(self, resp, accepted, duplicates=0, conflicts=(), rejected=(),
                    position=None, msg=""):
        """conflicts: [(index, event_id)]; rejected: [index] (order as in the batch)."""
        ctx = "%s\n%s" % (msg, resp.describe())
        self.assertEqual(resp.status, 200, ctx)
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"),
                        ctx)
        body = resp.json
        self.assertIsInstance(body, dict, ctx)
        for key in ("accepted", "duplicates", "conflicts", "rejected", "position"):
            self.assertIn(key, body, "ingest result lacks %r\n%s" % (key, ctx))
        self.assertEqual(body["accepted"], accepted, "accepted\n" + ctx)
        self.assertEqual(body["duplicates"], duplicates, "duplicates\n" + ctx)
        got_conf = [(c.get("index"), c.get("event_id")) for c in body["conflicts"]]
        self.assertEqual(sorted(got_conf), sorted(conflicts), "conflicts\n" + ctx)
        got_rej = [r.get("index") for r in body["rejected"]]
        self.assertEqual(sorted(got_rej), sorted(rejected), "rejected\n" + ctx)
        for item in body["rejected"]:
            self.assertIsInstance(item.get("errors"), list, ctx)
            self.assertTrue(item["errors"], "rejection without errors\n" + ctx)
            for e in item["errors"]:
                self.assertIsInstance(e.get("field"), str, ctx)
                self.assertIsInstance(e.get("message"), str, ctx)
                self.assertTrue(e["message"], "empty error message\n" + ctx)
        if position is not None:
            self.assertEqual(body["position"], position, "position\n" + ctx)
        return body

    def all_stored(self, srv, orgs):
        """{org: [stored events]} for the given orgs, paging through everything."""
        return {org: srv.all_events(org) for org in orgs}

    def assertGapFree(self, srv, orgs, expected_total=None):
        """Union of positions over orgs is exactly 1..N (no gap, no repeat); returns N."""
        positions = []
        for org in orgs:
            evs = srv.all_events(org)
            ps = [e.get("position") for e in evs]
            self.assertEqual(ps, sorted(ps), "events of %s not oldest first" % org)
            positions.extend(ps)
        n = len(positions)
        self.assertEqual(sorted(positions), list(range(1, n + 1)),
                         "positions are not exactly 1..%d" % n)
        if expected_total is not None:
            self.assertEqual(n, expected_total)
        return n
