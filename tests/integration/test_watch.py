"""Whole-server tests of `readside watch` (the terminal view of a tenant's live metrics):
the full-screen view inside a detached tmux session (read with capture-pane) changing a value
in place to the value GET /analytics/... answers after an ingest; Ctrl-C restoring the
terminal; a reconnect after the server restarted; the server's close code (4401 token
expired) shown on exit; the plain snapshot of --once (or of a non-terminal stdout); a bad
token."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import unittest
import urllib.parse

from server import ANALYTICS_HEADER, ANALYTICS_ROUTES, ServerTestCase, make_event, make_token
from deps import needs

PERIOD = "2024-01"
ROUTES = ANALYTICS_ROUTES
HEADER = set(ANALYTICS_HEADER)
HAVE_TMUX = shutil.which("tmux") is not None


def lead(org, ts="2024-01-10T09:00:00Z"):
    return make_event(org, event_type="crm.lead.created", timestamp=ts,
                      payload={"source": "web", "owner_id": "u-1"})


def invoice(org, amount, ts="2024-01-12T09:00:00Z"):
    return make_event(org, event_type="finance.invoice.created", timestamp=ts,
                      payload={"customer_id": "c-1", "amount": amount,
                               "due_date": "2024-02-15"})


def raw_tokens(raw):
    """The body with every number kept as the text the server wrote (what watch shows)."""
    return json.loads(raw.decode("utf-8"), parse_float=str, parse_int=str)


def scalar_text(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else None  # objects and arrays are shown compactly


def header(text):
    return (text.splitlines() or [""])[0]


def metric_value(text, name):
    """The value shown next to `name` (first occurrence), or None."""
    m = re.search(r"(?:^|\s)%s\s+(\S+)" % re.escape(name), text, re.M)
    return m.group(1) if m else None


class Tmux:
    """A private tmux server (its own socket) running one command in a detached session."""

    def __init__(self, test, command, env, cols=160, rows=50):
        self.socket = "readside-watch-test-%d-%s" % (os.getpid(), os.urandom(3).hex())
        self.session = "watch"
        args = ["tmux", "-L", self.socket, "-f", "/dev/null", "new-session", "-d",
                "-s", self.session, "-x", str(cols), "-y", str(rows)]
        for k, v in env.items():
            args += ["-e", "%s=%s" % (k, v)]
        # The shell ignores SIGINT so that Ctrl-C reaches only readside (which installs its
        # own handler), then reports the exit code and keeps the pane open.
        script = "trap '' INT; %s; echo EXIT=$?; sleep 600" % " ".join(
            _sh_quote(a) for a in command)
        args += ["sh", "-c", script]
        subprocess.run(args, check=True, timeout=10)
        test.addCleanup(self.kill)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket] + list(args), check=True,
                              capture_output=True, timeout=10).stdout.decode("utf-8", "replace")

    def capture(self):
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def alternate_on(self):
        return self.tmux("display-message", "-p", "-t", self.session,
                         "#{alternate_on}").strip() == "1"

    def wait_for(self, predicate, timeout=15, what="the expected screen"):
        """Polls capture-pane until predicate(text) is truthy; returns (value, text)."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.capture()
            value = predicate(text)
            if value:
                return value, text
            time.sleep(0.05)
        raise AssertionError("%s did not appear within %ss; the pane shows:\n%s"
                             % (what, timeout, text))

    def kill(self):
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=10)


def _sh_quote(s):
    return "'" + s.replace("'", "'\"'\"'") + "'"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WatchTestCase(ServerTestCase):
    def post(self, srv, events):
        """Ingests and waits until the read models applied the events (the answer comes once
        they are stored), so that what watch shows first is known."""
        r = srv.post_events(events)
        self.assertEqual(r.status, 200, r.describe())
        srv.wait_ready(caught_up_to=r.json["position"])
        return r.json["position"]

    def route(self, srv, domain, position, period=PERIOD, org="acme-corp"):
        q = urllib.parse.urlencode({"period": period, "min_position": position})
        r = srv.get(ROUTES[domain] % org + "?" + q)
        self.assertEqual(r.status, 200, r.describe())
        return raw_tokens(r.raw)

    def watch_command(self, srv, *args):
        return [srv.binary, "watch", "acme-corp", "--url", srv.base_url] + list(args)


@needs(HAVE_TMUX, "tmux is not installed (scripts/deps.txt lists it)")
class WatchScreen(WatchTestCase):
    def test_value_changes_in_place_to_the_routes_value(self):
        srv = self.start_server()
        pos = self.post(srv, [lead("acme-corp") for _ in range(3)])
        expected = self.route(srv, "crm", pos)["leads_new"]
        self.assertEqual(expected, "3")
        tm = Tmux(self, self.watch_command(srv, "--period", PERIOD),
                  {"READSIDE_TOKEN": srv.token})
        _, before = tm.wait_for(lambda t: metric_value(t, "leads_new") == "3",
                                what="leads_new 3")
        self.assertTrue(tm.alternate_on(), "the view should use the alternate screen")
        top = header(before)
        self.assertIn("acme-corp", top)
        self.assertIn("period %s" % PERIOD, top)
        self.assertIn(" live ", top)
        row_before = [i for i, l in enumerate(before.splitlines()) if " leads_new " in l]
        self.assertEqual(len(row_before), 1, before)
        # Every domain the admin token sees is on screen.
        for domain in ROUTES:
            self.assertRegex(before, r"(?m)(^|\s)%s  %s  position" % (domain, PERIOD))

        pos = self.post(srv, [lead("acme-corp") for _ in range(4)] +
                        [invoice("acme-corp", "1500.25")])
        crm = self.route(srv, "crm", pos)
        fin = self.route(srv, "finance", pos)
        self.assertEqual(crm["leads_new"], "7")
        _, after = tm.wait_for(
            lambda t: metric_value(t, "leads_new") == crm["leads_new"] and
            metric_value(t, "total_revenue") == fin["total_revenue"],
            what="leads_new %s and total_revenue %s" % (crm["leads_new"], fin["total_revenue"]))
        row_after = [i for i, l in enumerate(after.splitlines()) if " leads_new " in l]
        self.assertEqual(row_after, row_before, "the value moved instead of changing in place")
        m = re.search(r"position (\d+)", header(after))
        self.assertGreaterEqual(int(m.group(1)), pos)
        # Every scalar metric on screen equals the route's body at that position.
        for domain in ("crm", "finance"):
            body = crm if domain == "crm" else fin
            for name, value in body.items():
                if name in HEADER or scalar_text(value) is None or name == "cost_of_goods_sold":
                    continue  # cost_of_goods_sold exists in finance and inventory
                self.assertEqual(metric_value(after, name), scalar_text(value),
                                 "%s.%s\n%s" % (domain, name, after))

    def test_ctrl_c_restores_the_terminal(self):
        srv = self.start_server()
        self.post(srv, [lead("acme-corp")])
        tm = Tmux(self, self.watch_command(srv, "--period", PERIOD),
                  {"READSIDE_TOKEN": srv.token})
        tm.wait_for(lambda t: metric_value(t, "leads_new") == "1", what="leads_new 1")
        self.assertTrue(tm.alternate_on())
        tm.tmux("send-keys", "-t", tm.session, "C-c")
        _, text = tm.wait_for(lambda t: "EXIT=" in t, what="the exit")
        self.assertIn("EXIT=0", text)
        self.assertFalse(tm.alternate_on(), "the alternate screen was not left")
        self.assertNotIn("leads_new", text, "the view leaked onto the normal screen")

    def test_token_expiry_shows_the_close_code_and_exits_non_zero(self):
        srv = self.start_server()
        token = make_token(orgs=("acme-corp",), roles=("admin",), ttl=3)
        tm = Tmux(self, self.watch_command(srv, "--period", PERIOD),
                  {"READSIDE_TOKEN": token})
        tm.wait_for(lambda t: metric_value(t, "leads_new") == "0", what="leads_new 0")
        _, text = tm.wait_for(lambda t: "EXIT=" in t, timeout=20, what="the exit")
        self.assertIn("EXIT=1", text)
        self.assertIn("closed by the server: 4401 token expired", text)
        self.assertFalse(tm.alternate_on())

    def test_reconnects_after_the_server_restarts(self):
        port = free_port()
        srv = self.start_server(listen="127.0.0.1:%d" % port)
        self.assertEqual(srv.port, port)
        self.post(srv, [lead("acme-corp")])
        tm = Tmux(self, self.watch_command(srv, "--period", PERIOD),
                  {"READSIDE_TOKEN": srv.token})
        tm.wait_for(lambda t: metric_value(t, "leads_new") == "1", what="leads_new 1")
        srv.stop()
        tm.wait_for(lambda t: "reconnecting" in header(t), what="reconnecting")
        srv.start()
        pos = self.post(srv, [lead("acme-corp"), lead("acme-corp")])
        self.assertEqual(self.route(srv, "crm", pos)["leads_new"], "3")
        _, text = tm.wait_for(lambda t: metric_value(t, "leads_new") == "3" and
                              " live " in header(t), timeout=30,
                              what="leads_new 3 after the reconnect")
        self.assertNotIn("EXIT=", text)

    def test_no_reconnect_exits_with_the_close_code_when_the_server_stops(self):
        srv = self.start_server()
        self.post(srv, [lead("acme-corp")])
        tm = Tmux(self, self.watch_command(srv, "--period", PERIOD, "--no-reconnect"),
                  {"READSIDE_TOKEN": srv.token})
        tm.wait_for(lambda t: metric_value(t, "leads_new") == "1", what="leads_new 1")
        srv.stop()
        _, text = tm.wait_for(lambda t: "EXIT=" in t, what="the exit")
        self.assertIn("EXIT=1", text)
        self.assertIn("closed by the server: 1001 server shutting down", text)
        self.assertFalse(tm.alternate_on())


class WatchSnapshot(WatchTestCase):
    def run_watch(self, srv, *args, token=None, timeout=30):
        env = dict(os.environ)
        env["READSIDE_TOKEN"] = token if token is not None else srv.token
        return subprocess.run(self.watch_command(srv, *args), capture_output=True, env=env,
                              timeout=timeout)

    def test_once_prints_every_domain_as_the_routes_answer(self):
        srv = self.start_server()
        pos = self.post(srv, [lead("acme-corp"), lead("acme-corp"),
                              invoice("acme-corp", "1000.10"), invoice("acme-corp", "0.0001")])
        p = self.run_watch(srv, "--once", "--period", PERIOD)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode("utf-8")
        first = out.splitlines()[0]
        self.assertEqual(first.split()[:3], ["acme-corp", "period", PERIOD], out)
        self.assertGreaterEqual(int(first.split()[-1]), pos)
        self.assertNotIn("\x1b", out, "escape sequences in a plain snapshot")
        for domain in ROUTES:
            body = self.route(srv, domain, pos)
            block = out.split("\n%s  %s  position " % (domain, PERIOD), 1)
            self.assertEqual(len(block), 2, "no %s block in\n%s" % (domain, out))
            lines = block[1].split("\n")[1:]
            shown = {}
            for line in lines:
                if not line.startswith("  "):
                    break
                name, value = line.strip().split(None, 1) if " " in line.strip() else (
                    line.strip(), "")
                shown[name] = value
            metrics = {k: v for k, v in body.items() if k not in HEADER}
            self.assertEqual(set(shown), set(metrics), domain)
            for name, value in metrics.items():
                if isinstance(value, dict):
                    self.assertTrue(shown[name].startswith("{%d}" % len(value)), shown[name])
                elif isinstance(value, list):
                    self.assertTrue(shown[name].startswith("[%d]" % len(value)), shown[name])
                else:
                    self.assertEqual(shown[name], scalar_text(value), "%s.%s" % (domain, name))
        self.assertEqual(metric_value(out, "total_revenue"), "1000.1001")

    def test_stdout_not_a_terminal_prints_one_snapshot(self):
        srv = self.start_server()
        self.post(srv, [lead("acme-corp")])
        p = self.run_watch(srv, "--period", PERIOD)  # no --once: stdout is a pipe
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(metric_value(p.stdout.decode(), "leads_new"), "1")

    def test_default_period_is_the_current_month(self):
        srv = self.start_server()
        now = time.gmtime()
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", now)
        self.post(srv, [lead("acme-corp", ts=ts)])
        p = self.run_watch(srv, "--once")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertIn("period %s" % time.strftime("%Y-%m", now), out.splitlines()[0])
        self.assertEqual(metric_value(out, "leads_new"), "1")

    def test_domains_the_token_lacks_are_hidden_quietly(self):
        srv = self.start_server()
        self.post(srv, [lead("acme-corp")])
        sales = make_token(orgs=("acme-corp",), roles=("sales",))
        p = self.run_watch(srv, "--once", "--period", PERIOD, token=sales)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertEqual(metric_value(out, "leads_new"), "1")
        hidden = [l for l in out.splitlines() if l.startswith("hidden")]
        self.assertEqual(len(hidden), 1, out)
        for domain in ("hrm", "finance", "inventory", "projects"):
            self.assertIn(domain, hidden[0])
            self.assertNotIn("\n%s  " % domain, out)
        self.assertEqual(p.stderr, b"")

    def test_bad_token_exits_1_with_the_servers_answer(self):
        srv = self.start_server()
        p = self.run_watch(srv, "--once", token=make_token(secret="another-secret-0123456789abcdef!!"))
        self.assertEqual(p.returncode, 1, p.stdout)
        err = p.stderr.decode()
        self.assertRegex(err, r"^readside watch: cannot connect: HTTP 401: .+")
        self.assertEqual(p.stdout, b"")

    def test_other_tenant_is_404(self):
        srv = self.start_server()
        p = self.run_watch(srv, "--once", token=make_token(orgs=("beta-inc",)))
        self.assertEqual(p.returncode, 1)
        self.assertIn("HTTP 404", p.stderr.decode())

    def test_missing_token_and_bad_url_are_usage_errors(self):
        srv = self.start_server()
        env = {k: v for k, v in os.environ.items() if k != "READSIDE_TOKEN"}
        p = subprocess.run(self.watch_command(srv, "--once"), capture_output=True, env=env,
                           timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("token is required", p.stderr.decode())
        p = subprocess.run([srv.binary, "watch", "acme-corp", "--url", "https://x:1",
                            "--token", "t"], capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--url", p.stderr.decode())

    def test_token_never_in_the_url(self):
        srv = self.start_server(extra_args=["--access-log", "-"])
        p = self.run_watch(srv, "--once", "--period", PERIOD)
        self.assertEqual(p.returncode, 0, p.stderr)
        log = srv.wait_for_stderr("/analytics/real-time/acme-corp")
        self.assertNotIn(srv.token, log)
        self.assertNotIn("token=", log)


if __name__ == "__main__":
    unittest.main()
