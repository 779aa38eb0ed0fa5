#!/usr/bin/env python3
"""Kafka ingestion and several nodes, measured on this machine (issue 15; bench/RESULTS.md).

  bench/kafka/kafka_bench.py [--events 400000] [--reps 3] [--parts consume,visible,nginx]
                             [--serve-args "…"] [--json out.json]

1. consume → durable store → applied: a `readside kafka-dev` topic of 64 partitions pre-filled
   with N simulated events of 128 tenants, then a node started on it; events/s from the first
   stored event to the last one applied (and to the last one stored); 400,000 by default, so
   that a catch-up lasts seconds, not its first fetches' ramp. kafka-dev keeps a bounded
   log per partition (~5 MB, like a short retention), so the oldest events of the busiest
   partitions may be gone: the rate is taken over what was stored, and the count is reported.
   Beside it, in interleaved rounds, HTTP ingest of the same file (`ingest_load`, 4 clients ×
   1000) into a fresh node, timed the same way: from the first event stored to the last applied.
2. produce → visible: POST /events (one event) through a node with Kafka on, then a GET with the
   answer's min_offsets, which returns once the event is consumed and applied: p50/p99 of 500;
   the peer, in the same run: the same through a node without Kafka, with min_position.
3. two nodes behind nginx (deploy/nginx/readside.conf as shipped, its ~1 s micro-cache included;
   rate limits raised), and the same without the micro-cache (every request reaches a node),
   against one node direct: wrk on GET /analytics/dashboard/tenant-000.
Every server is started here on loopback and stopped at the end.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(REPO, "build"))
BIN = os.path.join(BUILD, "readside")
sys.path.insert(0, os.path.join(REPO, "deploy", "nginx"))

procs = []
dirs = []  # removed at the end


def start(cmd, **kw):
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, **kw)
    procs.append(p)
    return p


def stop_all():
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def get(url, token=None, timeout=60):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token} if token else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, dict(r.headers), r.read()


def post(url, body, token):
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/x-ndjson"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, dict(r.headers), r.read()


def kafka_dev():
    p = start([BIN, "kafka-dev", "--topic", "erp:64"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline().decode()
    return line.split()[-1]


def serve(secret, extra=(), log=None):
    d = tempfile.mkdtemp(prefix="readside-kbench-")
    dirs.append(d)
    logf = open(log or os.path.join(d, "serve.log"), "w")
    p = start([BIN, "serve", "--data-dir", os.path.join(d, "data"), "--listen", "127.0.0.1:0",
               "--jwt-secret-file", secret, "--access-log", "off", "--rate-limit-per-tenant", "0",
               "--rate-limit-per-token", "0"] + list(extra), stdout=subprocess.PIPE, stderr=logf)
    for raw in iter(p.stdout.readline, b""):
        m = re.search(rb"listening on (http://[0-9.:]+)", raw)
        if m:
            return p, m.group(1).decode(), d
    raise RuntimeError("server did not start")


def health(url):
    return json.loads(get(url + "/health/ready")[2]) if True else None


def health_any(url):
    try:
        return json.loads(get(url + "/health/ready")[2])
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


def wait_applied(url, n, timeout=600, messages=None):
    """Times of n events: (first stored, last stored, last applied, events), polling
    /health/ready every 20 ms. With `messages` (Kafka): until every partition is read to its end
    (`messages` in all) and what was stored is applied; then n is what was stored (kafka-dev's
    bounded log may have dropped the oldest messages of a big partition)."""
    first = None
    samples = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        h = health_any(url)
        now = time.monotonic()
        samples.append((now, h["stored_position"]))
        if first is None and h["stored_position"] > 0:
            first = now
        done = False
        if messages is not None:
            k = h["kafka"]
            read = sum(p["next_offset"] for p in k["partitions"] if p["topic"] == "erp")
            if read >= messages and h["applied_position"] == h["stored_position"]:
                n, done = h["stored_position"], True
        elif h["applied_position"] >= n:
            done = True
        if done:
            stored_at = next(t for t, s in samples if s >= n)
            return first, stored_at, now, n
        time.sleep(0.02)
    raise RuntimeError("not applied in time: %s" % h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=400_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json")
    ap.add_argument("--serve-args", default="", help="more flags for the consuming node")
    ap.add_argument("--parts", default="consume,visible,nginx",
                    help="which measurements, comma-separated: consume, visible, nginx")
    a = ap.parse_args()
    out = {"events": a.events, "reps": a.reps}
    tmp = tempfile.mkdtemp(prefix="readside-kbench-")
    dirs.append(tmp)
    secret = os.path.join(tmp, "secret")
    with open(secret, "w") as f:
        f.write(os.urandom(32).hex())
    token = subprocess.run([BIN, "token", "--secret-file", secret, "--org", "*", "--roles", "admin",
                            "--ttl", "1d"], capture_output=True, text=True, check=True).stdout.strip()
    events = os.path.join(tmp, "events.ndjson")
    tenants = ",".join("tenant-%03d" % i for i in range(128))
    subprocess.run([BIN, "generate", "--seed", "1", "--count", str(a.events), "--tenants", tenants,
                    "--out", events], check=True)
    try:
        parts = set(a.parts.split(","))
        # 1. consume vs HTTP ingest, interleaved.
        kafka_rates, http_rates, produce_rates = [], [], []
        kafka_store_rates, http_store_rates = [], []
        for r in range(a.reps if "consume" in parts else 0):
            brokers = kafka_dev()
            t0 = time.monotonic()
            subprocess.run([BIN, "produce", events, "--kafka-brokers", brokers, "--topic", "erp"],
                           check=True, capture_output=True)
            produce_rates.append(a.events / (time.monotonic() - t0))
            p, url, d = serve(secret, ["--kafka-brokers", brokers, "--kafka-topics", "erp"]
                              + a.serve_args.split())
            first, stored_at, last, stored = wait_applied(url, a.events, messages=a.events)
            out.setdefault("kafka_stored", []).append(stored)
            kafka_rates.append(stored / (last - first))
            kafka_store_rates.append(stored / (stored_at - first))
            p.terminate(); p.wait()
            shutil.rmtree(d, ignore_errors=True)
            procs[-2].terminate()  # the kafka-dev of this round
            p, url, d = serve(secret)
            # Timed like the Kafka node: from the first event stored (watched while the load
            # runs), so neither side counts its start (a group join; reading the file).
            load = subprocess.Popen([os.path.join(BUILD, "bench", "ingest_load"), url, events,
                                     "--clients", "4", "--batch", "1000"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    env=dict(os.environ, READSIDE_TOKEN=token))
            first_http, stored_at, last, _ = wait_applied(url, a.events)
            if load.wait() != 0:
                raise RuntimeError("ingest_load failed")
            http_rates.append(a.events / (last - first_http))
            http_store_rates.append(a.events / (stored_at - first_http))
            p.terminate(); p.wait()
            shutil.rmtree(d, ignore_errors=True)
            print("round %d: applied: kafka %.0f events/s (%d stored), http %.0f events/s; "
                  "durable: kafka %.0f, http %.0f; produce %.0f msgs/s"
                  % (r + 1, kafka_rates[-1], stored, http_rates[-1], kafka_store_rates[-1],
                     http_store_rates[-1], produce_rates[-1]), flush=True)
        if kafka_rates:
            out.update(kafka_consume_eps=statistics.median(kafka_rates), kafka_runs=kafka_rates,
                       http_ingest_eps=statistics.median(http_rates), http_runs=http_rates,
                       produce_mps=statistics.median(produce_rates),
                       kafka_durable_eps=statistics.median(kafka_store_rates),
                       http_durable_eps=statistics.median(http_store_rates),
                       kafka_durable_runs=kafka_store_rates, http_durable_runs=http_store_rates)
        if not parts & {"visible", "nginx"}:
            return finish(out, a)

        # 2. produce → visible through POST /events and min_offsets.
        brokers = kafka_dev()
        p, url, d = serve(secret, ["--kafka-brokers", brokers, "--kafka-topics", "erp"])
        while health_any(url)["status"] != "ready":  # joined the group, caught up
            time.sleep(0.1)
        with open(events) as f:
            lines = [next(f) for _ in range(600)]

        def visible(url, tag):
            """POST one event, then GET the dashboard waiting for it (Kafka: min_offsets from
            X-Readside-Offsets; direct: min_position from the answer): sorted ms after 100."""
            lat = []
            for i, line in enumerate(lines):
                ev = json.loads(line)
                ev["event_id"] = "kbench-%s-%d-%d" % (tag, os.getpid(), i)
                t0 = time.perf_counter()
                _, h, body = post(url + "/events", json.dumps(ev).encode(), token)
                offsets = h.get("X-Readside-Offsets")
                wait = ("min_offsets=%s" % offsets if offsets
                        else "min_position=%d" % json.loads(body)["position"])
                status, _, _ = get(url + "/analytics/dashboard/%s?%s&wait_ms=10000"
                                   % (ev["organization_id"], wait), token)
                assert status == 200
                lat.append((time.perf_counter() - t0) * 1000)
            return sorted(lat[100:])  # after warm-up

        lat = visible(url, "k")
        out.update(visible_p50_ms=lat[len(lat) // 2], visible_p99_ms=lat[int(len(lat) * 0.99) - 1],
                   visible_samples=len(lat))
        # The peer in the same run: the same through a node without Kafka (POST /events stores
        # and answers once durable; min_position waits for the read models).
        pd, urld, dd = serve(secret)
        lat = visible(urld, "d")
        out.update(direct_visible_p50_ms=lat[len(lat) // 2],
                   direct_visible_p99_ms=lat[int(len(lat) * 0.99) - 1])
        pd.terminate(); pd.wait()
        shutil.rmtree(dd, ignore_errors=True)
        print("produce → visible: p50 %.1f ms, p99 %.1f ms; direct (no Kafka) p50 %.1f ms, p99 "
              "%.1f ms" % (out["visible_p50_ms"], out["visible_p99_ms"],
                           out["direct_visible_p50_ms"], out["direct_visible_p99_ms"]), flush=True)

        if "nginx" not in parts:
            return finish(out, a)

        # 3. two nodes behind nginx against one node direct (the same data on both).
        q = subprocess.run([BIN, "produce", events, "--kafka-brokers", brokers, "--topic", "erp"],
                           check=True, capture_output=True, text=True).stdout.strip()
        p2, url2, d2 = serve(secret, ["--kafka-brokers", brokers, "--kafka-topics", "erp"])
        for u in (url, url2):
            get(u + "/analytics/dashboard/tenant-000?min_offsets=%s&wait_ms=30000" % q, token, timeout=120)
        import render  # deploy/nginx/render.py
        ports = [int(u.rsplit(":", 1)[1]) for u in (url, url2)]
        edges = {}
        for name, cache in (("nginx", True), ("nginx_no_cache", False)):
            ndir = os.path.join(tmp, name)
            conf = render_conf(render, ndir, ports)
            if not cache:  # every request reaches a node: what two nodes serve through nginx
                with open(conf) as f:
                    text = f.read()
                assert "proxy_cache readside_micro;" in text
                with open(conf, "w") as f:
                    f.write(text.replace("proxy_cache readside_micro;", "proxy_cache off;"))
            start(["nginx", "-p", ndir, "-c", conf, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL)
            edges[name] = "http://127.0.0.1:%d" % NGINX_PORT
            for _ in range(100):
                try:
                    get(edges[name] + "/health/live")
                    break
                except Exception:
                    time.sleep(0.1)
        # A tenant with data (the simulator's tenant-000), answered 200 by every route below.
        path = "/analytics/dashboard/tenant-000"
        for base in [url] + list(edges.values()):
            status, _, body = get(base + path, token)
            assert status == 200 and b'"tenant-000"' in body, body[:200]
        res = {}
        for name, base in (("direct", url), ("nginx", edges["nginx"]),
                           ("nginx_no_cache", edges["nginx_no_cache"])) * 2:
            w = subprocess.run(["wrk", "-t2", "-c64", "-d8s", "-H", "Authorization: Bearer " + token,
                                base + path], capture_output=True, text=True).stdout
            rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", w).group(1))
            non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", w)
            assert non2xx is None, "%s answered errors: %s" % (name, w)
            res.setdefault(name, []).append(rps)
            print("%s: %.0f req/s" % (name, rps), flush=True)
        out.update(direct_rps=max(res["direct"]), nginx_two_nodes_rps=max(res["nginx"]),
                   nginx_two_nodes_no_cache_rps=max(res["nginx_no_cache"]),
                   direct_runs=res["direct"], nginx_runs=res["nginx"],
                   nginx_no_cache_runs=res["nginx_no_cache"])
    finally:
        stop_all()
    finish(out, a)


def finish(out, a):
    stop_all()
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    print(json.dumps(out, indent=1))
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


NGINX_PORT = 0


def render_conf(render, ndir, ports):
    global NGINX_PORT
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        NGINX_PORT = s.getsockname()[1]
    # The shipped configuration (its ~1 s micro-cache included), with the edge's rate limits
    # raised out of the way.
    return render.write(ndir, "127.0.0.1:%d" % NGINX_PORT, ["127.0.0.1:%d" % p for p in ports],
                        rate_per_ip="1000000r/s", rate_per_token="1000000r/s",
                        burst_per_ip="100000", burst_per_token="100000")


if __name__ == "__main__":
    main()
