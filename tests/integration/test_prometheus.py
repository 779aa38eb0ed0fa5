"""A real Prometheus (Debian's `prometheus`) on loopback scraping a real readside, configured by
deploy/prometheus/prometheus.yml itself with deploy/prometheus/readside-rules.yml loaded: only
the scrape and evaluation intervals are shortened (15 s → 1 s, exact substitutions that must
match) and the targets file names the node this test started.

- the readside target is up, and its series reach Prometheus (readside_store_position follows
  an event posted to the node);
- every rule group and every alert of readside-rules.yml is loaded (GET /api/v1/rules) and
  evaluates without error on live data; so does every query of the Grafana dashboard;
- the node stopped: `up` goes to 0 and ReadsideTargetDown becomes pending for that instance
  (it fires after its `for:`; promtool's unit tests cover firing).

Skipped when Prometheus is not installed (scripts/deps.txt installs it).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from server import REPO, ServerTestCase, _track, _untrack, http_request, make_event
from deps import needs

PROMETHEUS = shutil.which("prometheus")


def _all_panels(panels):
    for p in panels:
        yield p
        yield from _all_panels(p.get("panels", []) or [])

PROM_DIR = os.path.join(REPO, "deploy", "prometheus")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alert_names(rules_text):
    return re.findall(r"^\s*- alert:\s*(\S+)\s*$", rules_text, re.M)


def render_config(directory, targets):
    """Copies the shipped configuration and rules into `directory` with 1 s intervals and a
    targets file for `targets` ("host:port"). Returns the configuration's path."""
    with open(os.path.join(PROM_DIR, "prometheus.yml")) as f:
        text = f.read()
    for key in ("scrape_interval", "evaluation_interval"):
        old = "  %s: 15s\n" % key
        if text.count(old) != 1:
            raise AssertionError("prometheus.yml no longer has %r once: update this test" % old)
        text = text.replace(old, "  %s: 1s\n" % key)
    text = text.replace("  scrape_timeout: 10s\n", "  scrape_timeout: 1s\n")
    path = os.path.join(directory, "prometheus.yml")
    with open(path, "w") as f:
        f.write(text)
    shutil.copy(os.path.join(PROM_DIR, "readside-rules.yml"), directory)
    os.makedirs(os.path.join(directory, "targets"))
    with open(os.path.join(directory, "targets", "test.json"), "w") as f:
        json.dump([{"targets": list(targets), "labels": {"deployment": "test"}}], f)
    return path


@needs(PROMETHEUS, "prometheus not installed (Debian package prometheus)")
class PrometheusTest(ServerTestCase):

    def start_prometheus(self, targets):
        d = tempfile.mkdtemp(prefix="readside-it-prom-")
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        config = render_config(d, targets)
        self.prom_port = free_port()
        log = open(os.path.join(d, "prometheus.log"), "w+b")
        self.addCleanup(log.close)
        proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + config, "--storage.tsdb.path=" + os.path.join(d, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.prom_port, "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=d)
        _track(proc)

        def stop():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            _untrack(proc)
        self.addCleanup(stop)
        self.prom_proc, self.prom_log = proc, log

    def api(self, path, **params):
        if params:
            path += "?" + urllib.parse.urlencode(params)
        r = http_request("127.0.0.1", self.prom_port, "GET", "/api/v1/" + path, timeout=10)
        if r.status != 200 or not isinstance(r.json, dict) or r.json.get("status") != "success":
            raise AssertionError("Prometheus %s: %s" % (path, r.describe()))
        return r.json["data"]

    def eventually(self, what, check, timeout=30):
        """Polls check() (None: not yet) until it answers; fails with Prometheus's log."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.prom_proc.poll() is not None:
                break
            try:
                got = check()
                if got is not None:
                    return got
            except (OSError, AssertionError) as e:
                last = e
            time.sleep(0.25)
        self.prom_log.seek(0)
        self.fail("%s: not within %ss (last error %s)\n%s" % (
            what, timeout, last, self.prom_log.read().decode("utf-8", "replace")[-3000:]))

    def query(self, expr):
        return self.api("query", query=expr)["result"]

    def test_scrapes_readside_and_loads_the_rules(self):
        srv = self.start_server()
        target = "127.0.0.1:%d" % srv.port
        self.start_prometheus([target])

        # The target is up and its series are there.
        def up():
            res = self.query('up{job="readside"}')
            return res if res and res[0]["value"][1] == "1" else None
        res = self.eventually("readside target up", up)
        self.assertEqual(res[0]["metric"]["instance"], target)
        self.assertEqual(res[0]["metric"]["deployment"], "test")

        def store_position(want):
            def check():
                res = self.query("readside_store_position")
                return res if res and float(res[0]["value"][1]) == want else None
            return check
        res = self.eventually("readside_store_position scraped", store_position(0))
        self.assertEqual(res[0]["metric"]["instance"], target)
        r = srv.post_events(make_event())
        self.assertEqual(r.status, 200, r.describe())
        self.eventually("readside_store_position after one event", store_position(1))

        # Every group and alert of the shipped rules file, loaded and evaluated without error.
        with open(os.path.join(PROM_DIR, "readside-rules.yml")) as f:
            expected = set(alert_names(f.read()))
        self.assertGreaterEqual(len(expected), 9)

        def rules_evaluated():
            groups = self.api("rules")["groups"]
            rules = [r for g in groups for r in g["rules"]]
            if not rules or any(r.get("lastEvaluation", "").startswith("0001") for r in rules):
                return None
            return groups
        groups = self.eventually("rules loaded and evaluated", rules_evaluated)
        self.assertEqual({g["name"] for g in groups}, {"readside.recording", "readside.alerts"})
        rules = [r for g in groups for r in g["rules"]]
        self.assertEqual({r["name"] for r in rules if r["type"] == "alerting"}, expected)
        for r in rules:
            self.assertEqual(r["health"], "ok", "rule %s: %s" % (r["name"], r.get("lastError")))
        for r in rules:
            if r["type"] == "alerting":
                self.assertTrue(r["annotations"]["runbook_url"].startswith(
                    "docs/operations.md#alert-"), r["name"])
        # Every query of the Grafana dashboard evaluates on this Prometheus (the dashboard's
        # variables given values; series readside does not export yet answer empty).
        with open(os.path.join(REPO, "deploy", "grafana", "readside-dashboard.json")) as f:
            dashboard = json.load(f)
        exprs = [t["expr"] for p in _all_panels(dashboard["panels"]) for t in p.get("targets", [])]
        self.assertGreater(len(exprs), 20)
        for expr in exprs:
            expr = expr.replace("$__rate_interval", "1m").replace("$instance", ".*")
            self.api("query", query=expr)  # raises on a PromQL error
        res = self.query('max(readside_store_position{instance=~".*"})')
        self.assertEqual(float(res[0]["value"][1]), 1)
        # ... and every metric they read is one this readside exports (a renamed metric
        # would leave a panel or an alert silently empty), except those of dependencies
        # this node was not started with.
        with open(os.path.join(PROM_DIR, "readside-rules.yml")) as f:
            rules_text = f.read()
        used = set(re.findall(r"(?<![:\w])((?:readside|process)_[a-z_]+)", rules_text + "\n".join(exprs)))
        only_when_configured = {"readside_dependency_up", "readside_dependency_breaker_state",
                                "readside_kafka_consumer_lag"}
        exported = set(self.api("label/__name__/values"))
        for name in sorted(used - only_when_configured):
            self.assertIn(name, exported, "the dashboard or the rules read %s, which readside "
                          "does not export" % name)

        firing = [a for a in self.api("alerts")["alerts"]
                  if a["labels"]["alertname"] == "ReadsideTargetDown"]
        self.assertEqual(firing, [], "target down while up")

        # The node stops: up drops to 0 and ReadsideTargetDown is pending for it.
        srv.stop()

        def target_down_pending():
            alerts = [a for a in self.api("alerts")["alerts"]
                      if a["labels"]["alertname"] == "ReadsideTargetDown"]
            return alerts or None
        alerts = self.eventually("ReadsideTargetDown pending", target_down_pending)
        self.assertEqual(len(alerts), 1, alerts)
        self.assertEqual(alerts[0]["labels"]["instance"], target)
        self.assertEqual(alerts[0]["labels"]["severity"], "critical")
        self.assertEqual(alerts[0]["state"], "pending")


if __name__ == "__main__":
    unittest.main()
