#!/usr/bin/env python3
"""The cost of metrics and tracing (issue 16), and a /metrics scrape with 1,000 tenants.

Rounds interleave three servers on the same machine and input:
  before  the binary before issue 16 (--before BIN; its metrics and no tracing code),
  off     this binary, tracing off (the default),
  on      this binary, tracing on with sampling 1.0, exporting to a collector on loopback
          (a Python OTLP/HTTP sink that reads and discards).
Each round: a fresh data directory, durable HTTP ingest of the same file (ingest_load, 4
clients x 1000 events) -> events/s, then wrk on GET /analytics/dashboard/{org} -> requests/s.
Then a node holding 1,000 tenants answers GET /metrics; the scrape time is measured.

  bench/observability/observability_bench.py [--before /tmp/base/readside] [--rounds 3]
"""
import argparse
import http.server
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build", "readside")
LOAD = os.path.join(ROOT, "build", "bench", "ingest_load")


class Sink:
    def __init__(self):
        self.posts = 0
        self.spans = 0

        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts += 1
                outer.spans += body.count(b'"spanId"')
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/v1/traces" % self.httpd.server_address[1]


def start(binary, secret, extra):
    d = tempfile.mkdtemp(prefix="rs-obs-")
    log = open(os.path.join(d, "serve.log"), "w+")
    p = subprocess.Popen([binary, "serve", "--data-dir", d + "/data", "--listen", "127.0.0.1:0",
                          "--jwt-secret-file", secret, "--access-log", "off"] + extra,
                         stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        log.seek(0)
        m = re.search(r"listening on (http://[0-9.:]+)", log.read())
        if m:
            return p, m.group(1), d
        time.sleep(0.05)
    raise RuntimeError("no listening line")


def stop(p, d):
    p.terminate()
    p.wait(timeout=60)
    shutil.rmtree(d, ignore_errors=True)


def wait_applied(url, token, pos):
    for _ in range(600):
        r = json.load(urllib.request.urlopen(url + "/health/ready"))
        if r.get("applied_position", 0) >= pos:
            return
        time.sleep(0.1)


def prepare(binary, prefix, count):
    """A work directory with a random HS256 secret, an admin token for every organization and
    `count` generated events of four tenants: (work, secret file, token, events file)."""
    work = tempfile.mkdtemp(prefix=prefix)
    secret = os.path.join(work, "secret")
    with open(secret, "w") as f:
        f.write(os.urandom(32).hex())
    token = subprocess.check_output([binary, "token", "--secret-file", secret, "--org", "*",
                                     "--roles", "admin", "--ttl", "1d"], text=True).strip()
    events = os.path.join(work, "events.ndjson")
    subprocess.check_call([binary, "generate", "--seed", "1", "--count", str(count), "--tenants",
                           "acme-corp,beta-inc,gamma-llc,delta-co", "--out", events],
                          stdout=subprocess.DEVNULL)
    return work, secret, token, events


def make_variants(before, binary, sink):
    """name → (binary, extra serve flags): before (when given), off, and on (sampling 1.0)."""
    variants = {"before": (before, [])} if before else {}
    variants.update({"off": (binary, []),
                     "on": (binary, ["--otlp-endpoint", sink.url, "--otlp-sample-ratio", "1.0"])})
    return variants


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", help="readside binary before issue 16 (left out: off and on only)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--wrk-seconds", type=int, default=8)
    a = ap.parse_args()
    work, secret, token, events = prepare(BIN, "rs-obs-bench-", a.events)
    sink = Sink()
    variants = make_variants(a.before, BIN, sink)
    res = {k: {"ingest": [], "dashboard": [], "dropped": []} for k in variants}
    env = dict(os.environ, READSIDE_TOKEN=token)
    lua = os.path.join(work, "auth.lua")
    with open(lua, "w") as f:
        f.write('wrk.headers["Authorization"] = "Bearer %s"\n' % token)
    for r in range(a.rounds):
        for name, (binary, extra) in variants.items():
            p, url, d = start(binary, secret, extra)
            out = subprocess.check_output([LOAD, url, events, "--clients", "4", "--batch", "1000"],
                                          env=env, text=True)
            eps = json.loads(out)["events_per_second"]
            pos = json.load(urllib.request.urlopen(url + "/health/live"))["stored_position"]
            wait_applied(url, token, pos)
            w = subprocess.check_output(["wrk", "-t2", "-c32", "-d%ds" % a.wrk_seconds, "-s", lua,
                                         url + "/analytics/dashboard/acme-corp"], text=True)
            rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", w).group(1))
            if "Non-2xx" in w:
                raise RuntimeError("wrk saw non-2xx answers:\n" + w)
            metrics = urllib.request.urlopen(url + "/metrics").read().decode()
            m = re.search(r"^readside_trace_spans_dropped_total (\S+)$", metrics, re.M)
            res[name]["dropped"].append(float(m.group(1)) if m else 0)
            res[name]["ingest"].append(eps)
            res[name]["dashboard"].append(rps)
            print("round %d %-6s ingest %8.0f ev/s  dashboard %8.0f req/s" % (r + 1, name, eps, rps),
                  flush=True)
            stop(p, d)

    # /metrics with 1,000 tenants.
    tenants = ",".join("tenant-%04d" % i for i in range(1000))
    many = os.path.join(work, "many.ndjson")
    subprocess.check_call([BIN, "generate", "--seed", "2", "--count", "100000", "--tenants",
                           tenants, "--out", many], stdout=subprocess.DEVNULL)
    p, url, d = start(BIN, secret, [])
    subprocess.check_output([LOAD, url, many, "--clients", "4", "--batch", "1000"], env=env)
    pos = json.load(urllib.request.urlopen(url + "/health/live"))["stored_position"]
    wait_applied(url, token, pos)
    for _ in range(20):  # warm: every route and tenant the scrape will see
        urllib.request.urlopen(url + "/metrics").read()
    times = []
    size = 0
    for _ in range(200):
        t0 = time.perf_counter()
        body = urllib.request.urlopen(url + "/metrics").read()
        times.append((time.perf_counter() - t0) * 1000)
        size = len(body)
    stop(p, d)
    times.sort()
    summary = {
        name: {"ingest_median": statistics.median(v["ingest"]),
               "dashboard_median": statistics.median(v["dashboard"]),
               "ingest": v["ingest"], "dashboard": v["dashboard"], "spans_dropped": v["dropped"]}
        for name, v in res.items()}
    summary["metrics_scrape_ms"] = {"median": statistics.median(times), "p99": times[int(0.99 * len(times)) - 1],
                                    "bytes": size, "tenants": 1000}
    summary["collector_posts"] = sink.posts
    print(json.dumps(summary, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
