"""The deployment artifacts of deploy/ (operations.md "Deployment"), checked with what this
machine has (deploy/README.md says what cannot be run here):

- Prometheus: `promtool check config`, `check rules`, `test rules` (the unit tests fire and
  hold back every alert); the unit tests fail on a broken rule (mutations); every alert has
  `for:`, a severity, a summary, a description and a runbook anchor; the rules and the
  dashboard name only contract metrics; every dashboard query parses as PromQL (promtool);
- Grafana: tests/deploy/check_grafana.py passes the dashboard and fails broken copies;
- systemd: `systemd-analyze verify` (ExecStart pointed at the built binary), `systemd-analyze
  security --offline` exposure at most 2.0, the hardening directives present;
- readside.toml (and the Kubernetes ConfigMap's, and the chart's config keys): every key,
  commented examples included, is a flag of `readside serve --help`; the built binary starts
  on deploy/readside.toml; every health path the deployments probe answers 200;
- Docker: `docker-compose config` (the Compose client's schema check), every file the compose
  file mounts or the Dockerfile copies exists, the HEALTHCHECK and EXPOSE agree with the
  server, the nginx entrypoint renders the shipped nginx config for the compose nodes and
  nginx accepts the result (`nginx -t`);
- Kubernetes and Helm: tests/deploy/check_k8s.py (and `kubectl kustomize` when kubectl is
  there); yamllint over deploy/ and .github/;
- CI: .github/workflows/ci.yml runs .ci/run, and on tags `make package` with the .deb uploaded;
  `make -n package` runs cpack.

Each tool missing here skips only its own test, saying which package brings it.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import unittest

from deps import needs, skip_exception, skip_or_fail
from server import REPO, ServerTestCase, readside_bin

sys.path.insert(0, os.path.join(REPO, "tests", "deploy"))
import check_grafana  # noqa: E402  (tests/deploy/check_grafana.py)

sys.path.insert(0, os.path.join(REPO, "deploy", "nginx"))
import render  # noqa: E402  (deploy/nginx/render.py)

DEPLOY = os.path.join(REPO, "deploy")
PROM = os.path.join(DEPLOY, "prometheus")
RULES = os.path.join(PROM, "readside-rules.yml")
RULES_TEST = os.path.join(PROM, "readside-rules.test.yml")
DASHBOARD = os.path.join(DEPLOY, "grafana", "readside-dashboard.json")
UNIT = os.path.join(DEPLOY, "systemd", "readside.service")
CONFIG = os.path.join(DEPLOY, "readside.toml")
COMPOSE = os.path.join(DEPLOY, "docker", "compose.yml")
DOCKERFILE = os.path.join(DEPLOY, "docker", "Dockerfile")
PROMTOOL = shutil.which("promtool")
DEBIAN_PYTHON = "/usr/bin/python3"


def run(cmd, timeout=60, **kw):
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, **kw)


def load_yaml(path):
    """Every document of a YAML file, through PyYAML: this interpreter's, else Debian's
    (python3-yaml, scripts/deps.txt)."""
    try:
        import yaml
        with open(path) as f:
            return [d for d in yaml.safe_load_all(f) if d is not None]
    except ImportError:
        pass
    if not os.path.exists(DEBIAN_PYTHON):
        raise skip_exception("no PyYAML (Debian package python3-yaml)")
    code = ("import json,sys,yaml; print(json.dumps([d for d in yaml.safe_load_all("
            "open(sys.argv[1])) if d is not None]))")
    r = run([DEBIAN_PYTHON, "-c", code, path])
    if r.returncode != 0:
        if "No module named 'yaml'" in r.stdout:
            raise skip_exception("no PyYAML (Debian package python3-yaml)")
        raise AssertionError("YAML of %s: %s" % (path, r.stdout))
    return json.loads(r.stdout)


def serve_flags():
    r = run([readside_bin(), "serve", "--help"])
    flags = set(re.findall(r"^\s+(?:-\w,)?--([a-z0-9-]+)", r.stdout, re.M)) - {"help"}
    assert len(flags) > 20, r.stdout
    return flags


def toml_keys(text):
    """The [serve] keys of a readside.toml, its commented examples (`# key = value`) too."""
    serve = tomllib.loads(text).get("serve", {})
    commented = set(re.findall(r"^#\s*([a-z][a-z0-9-]*)\s*=", text, re.M))
    return set(serve) | commented


def alert_blocks(text):
    """{alert name: its text} of a rules file."""
    parts = re.split(r"^(?=\s*- (?:alert|record):)", text, flags=re.M)
    out = {}
    for p in parts:
        m = re.match(r"\s*- alert:\s*(\S+)", p)
        if m:
            out[m.group(1)] = p
    return out


@needs(PROMTOOL, "promtool not installed (Debian package prometheus)")
class PrometheusRulesTest(unittest.TestCase):

    def promtool(self, *args, cwd=PROM):
        return run([PROMTOOL] + list(args), cwd=cwd)

    def test_config_and_rules_are_valid(self):
        r = self.promtool("check", "config", "prometheus.yml")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("SUCCESS", r.stdout)
        r = self.promtool("check", "rules", "readside-rules.yml")
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_unit_tests_pass(self):
        r = self.promtool("test", "rules", "readside-rules.test.yml")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("SUCCESS", r.stdout)

    def test_unit_tests_fail_on_broken_rules(self):
        with open(RULES) as f:
            rules = f.read()
        with open(RULES_TEST) as f:
            tests = f.read()
        mutations = {
            "threshold reached counts as above": ("readside_projection_lag_events > 10000",
                                                  "readside_projection_lag_events >= 10000"),
            "for: dropped": ("expr: readside_dependency_up == 0\n        for: 5m",
                             "expr: readside_dependency_up == 0\n        for: 0m"),
            "runbook anchor changed": ("#alert-readsidedatadiskspacelow",
                                       "#alert-readside-data-disk-space-low"),
            "4xx counted as errors": ('{status_class="5xx"}', '{status_class=~"[45]xx"}'),
            "severity changed": ("expr: up{job=\"readside\"} == 0\n        for: 2m\n"
                                 "        labels:\n          severity: critical",
                                 "expr: up{job=\"readside\"} == 0\n        for: 2m\n"
                                 "        labels:\n          severity: warning"),
        }
        for what, (old, new) in mutations.items():
            with self.subTest(what):
                self.assertEqual(rules.count(old), 1, "mutation %r no longer applies" % what)
                with tempfile.TemporaryDirectory() as d:
                    with open(os.path.join(d, "readside-rules.yml"), "w") as f:
                        f.write(rules.replace(old, new))
                    with open(os.path.join(d, "readside-rules.test.yml"), "w") as f:
                        f.write(tests)
                    r = self.promtool("test", "rules", "readside-rules.test.yml", cwd=d)
                    self.assertNotEqual(r.returncode, 0,
                                        "promtool test rules passed with %s" % what)

    def test_every_alert_is_tested_firing_and_not_firing(self):
        with open(RULES) as f:
            alerts = alert_blocks(f.read())
        with open(RULES_TEST) as f:
            tests = f.read()
        cases = re.split(r"^\s*- eval_time:", tests, flags=re.M)[1:]
        for name in alerts:
            mine = [c for c in cases if re.search(r"alertname:\s*%s\s*$" % name, c, re.M)]
            firing = [c for c in mine if "exp_labels" in c]
            quiet = [c for c in mine if re.search(r"exp_alerts:\s*\[\]", c)]
            self.assertTrue(firing, "%s never tested firing" % name)
            self.assertTrue(quiet, "%s never tested not firing" % name)

    def test_alerts_have_for_severity_and_runbook(self):
        with open(RULES) as f:
            text = f.read()
        alerts = alert_blocks(text)
        self.assertGreaterEqual(len(alerts), 9)
        for name, block in alerts.items():
            with self.subTest(name):
                self.assertRegex(block, r"\n\s+for: \d+[smh]\n")
                self.assertRegex(block, r"\n\s+severity: (warning|critical)\n")
                for key in ("summary", "description"):
                    self.assertRegex(block, r"\n\s+%s: " % key)
                m = re.search(r'runbook_url: "docs/operations\.md#([a-z0-9-]+)"', block)
                self.assertTrue(m, "no runbook_url")
                self.assertEqual(m.group(1), "alert-" + name.lower())
        topics = {"lag_events": "readside_projection_lag_events",
                  "lag_seconds": "readside_projection_lag_seconds",
                  "drift": "readside_consistency_drift_total",
                  "dead letters": "readside_dead_letters_total",
                  "5xx": "instance:readside_http_errors_5xx:rate5m", "dependency": "readside_dependency_up",
                  "disk": "readside_data_dir_free_bytes", "target down": 'up{job="readside"}'}
        for what, needle in topics.items():
            self.assertTrue(any(needle in b for b in alerts.values()), "no alert on " + what)

    def test_rules_use_contract_metrics_only(self):
        groups = load_yaml(RULES)[0]["groups"]
        exprs = [r["expr"] for g in groups for r in g["rules"]]
        self.assertGreaterEqual(len(exprs), 11)
        allowed = check_grafana.allowed_metrics()
        for expr in exprs:
            for name in check_grafana.metric_names(expr):
                self.assertTrue(name in allowed or name.startswith("instance:readside_"),
                                "unknown metric %r in %r" % (name, expr))

    def test_dashboard_queries_parse_as_promql(self):
        """Each dashboard expression, its Grafana variables given values, as a recording rule
        that promtool parses with Prometheus's own parser."""
        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        exprs = [t["expr"] for p in check_grafana._all_panels(dashboard["panels"])
                 for t in p.get("targets", [])]
        self.assertGreater(len(exprs), 20)
        lines = ["groups:", "  - name: dashboard", "    rules:"]
        for i, expr in enumerate(exprs):
            expr = expr.replace("$__rate_interval", "1m").replace("$instance", ".*")
            lines += ["      - record: dashboard:query%d" % i, "        expr: %s" % json.dumps(expr)]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "dashboard-rules.yml")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            r = self.promtool("check", "rules", path, cwd=d)
            self.assertEqual(r.returncode, 0, r.stdout)


class GrafanaTest(unittest.TestCase):

    def checker(self, dashboard):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(dashboard, f)
        self.addCleanup(os.unlink, f.name)
        return run([sys.executable, os.path.join(REPO, "tests", "deploy", "check_grafana.py"),
                    f.name])

    def test_dashboard_passes(self):
        r = run([sys.executable, os.path.join(REPO, "tests", "deploy", "check_grafana.py"),
                 DASHBOARD])
        self.assertEqual(r.returncode, 0, r.stdout)
        with open(DASHBOARD) as f:
            d = json.load(f)
        self.assertGreaterEqual(d["schemaVersion"], 38)
        names = {v["name"]: v for v in d["templating"]["list"]}
        self.assertEqual(names["datasource"]["type"], "datasource")
        self.assertEqual(names["instance"]["type"], "query")
        exprs = " ".join(t["expr"] for p in check_grafana._all_panels(d["panels"])
                         for t in p.get("targets", []))
        for metric in ("readside_ingest_events_total", "readside_projection_lag_events",
                       "readside_projection_lag_seconds", "readside_http_request_duration_seconds_bucket",
                       'status_class="5xx"', "readside_ws_connections", "readside_report_runs_total",
                       "readside_dependency_up", "readside_consistency_drift_total",
                       "readside_dead_letters_total", "readside_kafka_consumer_lag",
                       "readside_rocksdb_", "process_resident_memory_bytes",
                       "readside_data_dir_free_bytes"):
            self.assertIn(metric, exprs)

    def test_broken_dashboards_fail(self):
        with open(DASHBOARD) as f:
            good = json.load(f)

        def broken(change):
            d = json.loads(json.dumps(good))
            change(d)
            return d

        def panel(d, i):
            return [p for p in d["panels"] if p["type"] != "row"][i]
        cases = {
            "duplicate id": lambda d: panel(d, 1).update(id=panel(d, 0)["id"]),
            "overlap": lambda d: panel(d, 1).update(gridPos=dict(panel(d, 0)["gridPos"])),
            "off the grid": lambda d: panel(d, 0)["gridPos"].update(x=20, w=8),
            "unknown metric": lambda d: panel(d, 0)["targets"][0].update(
                expr="rate(readside_made_up_total[5m])"),
            "undeclared datasource": lambda d: panel(d, 2).update(
                datasource={"type": "prometheus", "uid": "${DS_OTHER}"}),
            "undeclared variable": lambda d: panel(d, 2)["targets"][0].update(
                expr='readside_store_position{instance=~"$node"}'),
        }
        for what, change in cases.items():
            with self.subTest(what):
                r = self.checker(broken(change))
                self.assertEqual(r.returncode, 1, "%s passed:\n%s" % (what, r.stdout))

    def test_provisioning_matches_compose(self):
        ds = load_yaml(os.path.join(DEPLOY, "grafana", "provisioning", "datasources",
                                    "prometheus.yml"))[0]
        self.assertEqual(ds["datasources"][0]["type"], "prometheus")
        prov = load_yaml(os.path.join(DEPLOY, "grafana", "provisioning", "dashboards",
                                      "readside.yml"))[0]
        path = prov["providers"][0]["options"]["path"]
        compose = load_yaml(COMPOSE)[0]
        mounts = [v.split(":")[1] for v in compose["services"]["grafana"]["volumes"]]
        self.assertTrue(any(m.startswith(path + "/") and m.endswith(".json") for m in mounts),
                        "the dashboard is not mounted under %s: %s" % (path, mounts))


@needs(shutil.which("systemd-analyze"), "systemd-analyze not installed (systemd)")
class SystemdUnitTest(unittest.TestCase):

    def unit_for_here(self, d):
        """The unit with ExecStart's /usr/bin/readside replaced by the built binary (verify
        checks that the command exists)."""
        with open(UNIT) as f:
            text = f.read()
        self.assertIn("ExecStart=/usr/bin/readside serve --config /etc/readside/readside.toml\n",
                      text)
        path = os.path.join(d, "readside.service")
        with open(path, "w") as f:
            f.write(text.replace("ExecStart=/usr/bin/readside", "ExecStart=" + readside_bin()))
        return path

    def test_verify(self):
        with tempfile.TemporaryDirectory() as d:
            r = run(["systemd-analyze", "verify", self.unit_for_here(d)])
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertNotIn("readside.service", r.stdout, r.stdout)
            # A unit with a mistake is refused: verify is not a no-op here.
            path = os.path.join(d, "broken.service")
            with open(self.unit_for_here(d)) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace("ProtectSystem=strict", "ProtectSystem=very"))
            r = run(["systemd-analyze", "verify", path])
            self.assertIn("broken.service:", r.stdout)

    def test_security_exposure(self):
        with tempfile.TemporaryDirectory() as d:
            r = run(["systemd-analyze", "security", "--offline=true", self.unit_for_here(d)])
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout)
        if not m:
            self.skipTest("systemd-analyze security --offline unsupported: " + r.stdout[-300:])
        self.assertLessEqual(float(m.group(1)), 2.0, r.stdout[-3000:])

    def test_directives(self):
        with open(UNIT) as f:
            text = f.read()
        for line in ("User=readside", "StateDirectory=readside", "Restart=on-failure",
                     "ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes",
                     "PrivateTmp=yes", "PrivateDevices=yes", "CapabilityBoundingSet=\n",
                     "SystemCallFilter=@system-service", "LimitNOFILE=",
                     "RestrictAddressFamilies=", "TimeoutStopSec=", "WantedBy=multi-user.target"):
            self.assertIn(line, text)
        with open(CONFIG) as f:
            serve = tomllib.loads(f.read())["serve"]
        self.assertEqual(serve["data-dir"], "/var/lib/readside")  # StateDirectory=readside


class ConfigTest(ServerTestCase):

    def test_config_keys_are_real_flags(self):
        flags = serve_flags()
        with open(CONFIG) as f:
            keys = toml_keys(f.read())
        self.assertGreater(len(keys), 10)
        self.assertEqual(keys - flags, set(), "deploy/readside.toml keys that are not flags")
        cm = load_yaml(os.path.join(DEPLOY, "k8s", "configmap.yaml"))[0]
        keys = toml_keys(cm["data"]["readside.toml"])
        self.assertEqual(keys - flags, set(), "ConfigMap keys that are not flags")
        chart = os.path.join(DEPLOY, "helm", "readside")
        for name in ("values.yaml", "values-dev.yaml", "values-prod.yaml"):
            values = load_yaml(os.path.join(chart, name))[0]
            keys = set(values.get("config", {}))
            self.assertEqual(keys - flags, set(), "%s config keys that are not flags" % name)

    def test_server_starts_on_the_example_config(self):
        # The test's own data directory, port and secret over the file's (flags win).
        srv = self.start_server(extra_args=["--config", CONFIG])
        r = srv.wait_ready()
        self.assertEqual(r.status, 200)
        # Every path probed by the deployments answers 200.
        paths = set()
        with open(DOCKERFILE) as f:
            paths |= set(re.findall(r"http://127\.0\.0\.1:8080(/health/\w+)", f.read()))
        for name in ("k8s/statefulset.yaml", "helm/readside/templates/statefulset.yaml"):
            with open(os.path.join(DEPLOY, name)) as f:
                paths |= set(re.findall(r"path: (/health/\w+)", f.read()))
        self.assertEqual(paths, {"/health/live", "/health/ready"})
        for p in sorted(paths):
            r = srv.get(p, token=None)
            self.assertEqual(r.status, 200, "%s: %s" % (p, r.describe()))

    def test_config_alone_fails_fast_without_its_secret(self):
        """The shipped file names the package's secret; where it is missing the server says so
        and exits (no silent start without authentication). The file is copied with the path
        moved into a temporary directory: test_package.py may be installing the real one."""
        with open(CONFIG) as f:
            text = f.read()
        self.assertEqual(tomllib.loads(text)["serve"]["jwt-secret-file"],
                         "/etc/readside/jwt-secret")
        with tempfile.TemporaryDirectory() as d:
            missing = os.path.join(d, "etc", "jwt-secret")
            config = os.path.join(d, "readside.toml")
            with open(config, "w") as f:
                f.write(text.replace('"/etc/readside/jwt-secret"', json.dumps(missing)))
            r = run([readside_bin(), "serve", "--config", config, "--data-dir",
                     os.path.join(d, "data"), "--listen", "127.0.0.1:0"], timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(missing, r.stdout)


class DockerTest(unittest.TestCase):

    def test_compose_config(self):
        tool = shutil.which("docker-compose")
        if not tool:
            skip_or_fail(self, "docker-compose not installed (Debian package docker-compose)")
        r = run([tool, "-f", COMPOSE, "config", "-q"], cwd=os.path.dirname(COMPOSE))
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_mounted_and_copied_files_exist(self):
        compose = load_yaml(COMPOSE)[0]
        base = os.path.dirname(COMPOSE)
        services = compose["services"]
        for want in ("readside", "kafka", "nginx", "prometheus", "grafana"):
            self.assertIn(want, services)
        self.assertIn("apache/kafka", services["kafka"]["image"])
        self.assertIn("broker,controller", services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"])
        env = services["readside"]["environment"]
        self.assertTrue(env["READSIDE_KAFKA_BROKERS"].startswith("kafka:"))
        flags = serve_flags()
        for key in env:
            self.assertTrue(key.startswith("READSIDE_"))
            self.assertIn(key[len("READSIDE_"):].lower().replace("_", "-"), flags, key)
        binds = 0
        for name, svc in services.items():
            for v in svc.get("volumes", []):
                src = v.split(":")[0]
                if src.startswith("."):
                    binds += 1
                    self.assertTrue(os.path.exists(os.path.join(base, src)),
                                    "%s mounts missing %s" % (name, src))
        self.assertGreaterEqual(binds, 5)
        build = services["readside"]["build"]
        context = os.path.normpath(os.path.join(base, build["context"]))
        self.assertEqual(context, REPO)
        self.assertTrue(os.path.exists(os.path.join(context, build["dockerfile"])))

    def test_dockerfile(self):
        with open(DOCKERFILE) as f:
            text = f.read()
        stages = re.findall(r"^FROM \S+ AS (\w+)", text, re.M)
        self.assertEqual(stages, ["web", "build", "runtime"])
        for src in re.findall(r"^COPY --from=(\w+)", text, re.M):
            self.assertIn(src, stages)
        for line in re.findall(r"^COPY (?!--from)(.*)$", text, re.M):
            for src in line.split()[:-1]:
                self.assertTrue(os.path.exists(os.path.join(REPO, src)), "COPY %s missing" % src)
        self.assertRegex(text, r"\nUSER 10001:10001\n")
        self.assertIn('VOLUME ["/var/lib/readside"]', text)
        self.assertIn("ENV READSIDE_LISTEN=0.0.0.0:8080", text)
        self.assertIn("EXPOSE 8080", text)
        self.assertRegex(text, r"HEALTHCHECK [^\n]*\\\n\s+CMD curl -fsS [^\n]*/health/live")
        # The build's cpack output is what the runtime stage installs.
        self.assertIn("cpack -G DEB", text)
        self.assertIn("/tmp/package/readside_*.deb", text)
        with open(DOCKERFILE + ".dockerignore") as f:
            ignored = f.read().split()
        for entry in ("build", "**/node_modules", ".git"):
            self.assertIn(entry, ignored)

    def test_nginx_entrypoint_renders_the_shipped_config(self):
        script = os.path.join(DEPLOY, "docker", "nginx-entrypoint.sh")
        shipped = os.path.join(DEPLOY, "nginx", "readside.conf")
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "readside.conf")
            env = dict(os.environ, TEMPLATE=shipped, OUT=out, RENDER_ONLY="1",
                       READSIDE_NODES="node-a:8080 node-b:8080")
            r = run(["sh", script], env=env)
            self.assertEqual(r.returncode, 0, r.stdout)
            with open(shipped) as f:
                before = f.read().splitlines()
            after = r.stdout.splitlines()
            removed = [line for line in before if line not in after]
            added = [line for line in after if line not in before]
            self.assertEqual([s.split()[:2] for s in removed],
                             [["server", "127.0.0.1:8081"], ["server", "127.0.0.1:8082"]])
            self.assertEqual(added, ["        server node-a:8080 max_fails=3 fail_timeout=10s;",
                                     "        server node-b:8080 max_fails=3 fail_timeout=10s;"])
            nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists(
                "/usr/sbin/nginx") else None)
            if not nginx:
                skip_or_fail(self, "nginx is not installed (apt-get install nginx-light): the "
                             "rendered file was not checked with nginx -t")
            # nginx accepts the rendered file (its paths moved under d, nodes on loopback).
            conf = render.write(os.path.join(d, "edge"), "127.0.0.1:0", ["127.0.0.1:9"])
            with open(conf) as f:
                edge = f.read()
            self.assertIn("server 127.0.0.1:9 ", edge)
            rendered = render.render(os.path.join(d, "edge"), "127.0.0.1:1", ["127.0.0.1:9"],
                                     template=out)
            with open(conf, "w") as f:
                f.write(rendered)
            r = run([nginx, "-t", "-p", os.path.join(d, "edge"), "-c", conf])
            self.assertEqual(r.returncode, 0, r.stdout)


class KubernetesTest(unittest.TestCase):

    def test_manifests_and_chart(self):
        r = run([sys.executable, os.path.join(REPO, "tests", "deploy", "check_k8s.py"), REPO])
        if "needs PyYAML" in r.stdout:
            self.skipTest(r.stdout.strip())
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_checker_catches_mistakes(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(os.path.join(DEPLOY, "k8s"), os.path.join(d, "deploy", "k8s"))
            shutil.copytree(os.path.join(DEPLOY, "helm"), os.path.join(d, "deploy", "helm"))
            sts = os.path.join(d, "deploy", "k8s", "statefulset.yaml")
            with open(sts) as f:
                text = f.read()
            with open(sts, "w") as f:
                f.write(text.replace("path: /health/ready", "path: /healthz")
                        .replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"))
            tpl = os.path.join(d, "deploy", "helm", "readside", "templates", "services.yaml")
            with open(tpl, "a") as f:
                f.write("# {{ .Values.service.nodePort }}\n")
            r = run([sys.executable, os.path.join(REPO, "tests", "deploy", "check_k8s.py"), d])
            if "needs PyYAML" in r.stdout:
                self.skipTest(r.stdout.strip())
            self.assertEqual(r.returncode, 1, r.stdout)
            for needle in ("/healthz", "readOnlyRootFilesystem", ".Values.service.nodePort"):
                self.assertIn(needle, r.stdout)

    def test_kustomize_builds(self):
        kubectl = shutil.which("kubectl")
        if not kubectl:
            self.skipTest("kubectl not installed")
        r = run([kubectl, "kustomize", os.path.join(DEPLOY, "k8s")])
        if r.returncode != 0 and "unknown command" in r.stdout:
            self.skipTest("this kubectl has no kustomize")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(len(re.findall(r"^kind: ", r.stdout, re.M)), 5, r.stdout)


class LintAndCiTest(unittest.TestCase):

    def test_yamllint(self):
        tool = shutil.which("yamllint")
        if not tool:
            skip_or_fail(self, "yamllint not installed (Debian package yamllint)")
        r = run([tool, "--strict", "-c", os.path.join(DEPLOY, "yamllint.yml"), "deploy",
                 ".github"], cwd=REPO)
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_ci_workflow(self):
        wf = load_yaml(os.path.join(REPO, ".github", "workflows", "ci.yml"))[0]
        jobs = wf["jobs"]
        steps = " ".join(s.get("run", "") for s in jobs["test"]["steps"])
        self.assertIn(".ci/run", steps)
        self.assertEqual(jobs["test"]["container"]["image"], "debian:bookworm")
        self.assertTrue(any("ccache" in json.dumps(s) for s in jobs["test"]["steps"]
                            if "cache" in s.get("uses", "")))
        release = jobs["release"]
        self.assertIn("refs/tags/", release["if"])
        self.assertIn("make package", " ".join(s.get("run", "") for s in release["steps"]))
        upload = [s for s in release["steps"] if "upload-artifact" in s.get("uses", "")]
        self.assertTrue(upload and upload[0]["with"]["path"].endswith(".deb"))
        self.assertTrue(os.path.exists(os.path.join(REPO, ".ci", "run")))

    def test_make_package_runs_cpack(self):
        r = run(["make", "-n", "package", "BUILD=build-none"], cwd=REPO)
        self.assertIn("cpack -G DEB", r.stdout)
        with open(os.path.join(REPO, "CMakeLists.txt")) as f:
            self.assertIn("include(cmake/Packaging.cmake)", f.read())


if __name__ == "__main__":
    unittest.main()
