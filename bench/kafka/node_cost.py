#!/usr/bin/env python3
"""What one node costs per event (docs/scaling.md, "Cost of one node"; bench/RESULTS.md).

  bench/kafka/node_cost.py [--events 200000] [--tenants 128] [--json out.json]

A fresh node (`serve`, embedded storage, search on) takes N simulator events of T tenants by
durable HTTP ingest (`ingest_load`, 4 clients × 1000), then is left until it is idle: every
event applied and indexed for search (`/health/ready`'s applied and search positions), and its
CPU under 20 ms per second for 3 s in a row (RocksDB's compactions). The niced search indexer
finishes well after the read models. Each wait gives up after 15 minutes (an error). Reported:
- CPU of the whole process, user + system, from its start to idle, per event; and the same
  split at the moment the last event was applied (the rest is search indexing and compaction);
- disk: the data directory and each of its parts (event log, search index, snapshots);
- memory: RSS at start and when idle.
The server is started here on loopback and stopped at the end.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(REPO, "build"))
BIN = os.path.join(BUILD, "readside")
TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid):
    st = open("/proc/%d/stat" % pid).read()
    f = st[st.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / TCK


def rss_bytes(pid):
    return int(open("/proc/%d/statm" % pid).read().split()[1]) * PAGE


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def health(url):
    try:
        with urllib.request.urlopen(url + "/health/ready", timeout=10) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--tenants", type=int, default=128)
    ap.add_argument("--json")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="readside-cost-")
    proc = None
    try:
        secret = os.path.join(tmp, "secret")
        with open(secret, "w") as f:
            f.write(os.urandom(32).hex())
        token = subprocess.run([BIN, "token", "--secret-file", secret, "--org", "*", "--roles",
                                "admin", "--ttl", "1d"], capture_output=True, text=True,
                               check=True).stdout.strip()
        events = os.path.join(tmp, "events.ndjson")
        tenants = ",".join("tenant-%03d" % i for i in range(a.tenants))
        subprocess.run([BIN, "generate", "--seed", "1", "--count", str(a.events), "--tenants",
                        tenants, "--out", events], check=True)
        data = os.path.join(tmp, "data")
        proc = subprocess.Popen([BIN, "serve", "--data-dir", data, "--listen", "127.0.0.1:0",
                                 "--jwt-secret-file", secret, "--access-log", "off",
                                 "--rate-limit-per-tenant", "0", "--rate-limit-per-token", "0"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        url = None
        for raw in iter(proc.stdout.readline, b""):
            m = re.search(rb"listening on (http://[0-9.:]+)", raw)
            if m:
                url = m.group(1).decode()
                break
        if url is None:
            raise RuntimeError("server did not start")
        time.sleep(1)
        rss_start, cpu_start = rss_bytes(proc.pid), cpu_seconds(proc.pid)
        t0 = time.monotonic()
        subprocess.run([os.path.join(BUILD, "bench", "ingest_load"), url, events, "--clients", "4",
                        "--batch", "1000"], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, READSIDE_TOKEN=token))
        deadline = time.monotonic() + 900

        def waiting(what):
            if time.monotonic() > deadline:
                raise RuntimeError("no %s within 15 minutes: %s" % (what, health(url)))
            return True

        while health(url)["applied_position"] < a.events and waiting("last event applied"):
            time.sleep(0.02)
        applied_after = time.monotonic() - t0
        cpu_applied = cpu_seconds(proc.pid) - cpu_start
        while health(url).get("search_position", 0) < a.events and waiting("search index"):
            time.sleep(0.2)
        quiet, last = 0, cpu_seconds(proc.pid)
        while quiet < 3 and waiting("idle node"):
            time.sleep(1)
            now = cpu_seconds(proc.pid)
            quiet = quiet + 1 if now - last < 0.02 else 0
            last = now
        idle_after = time.monotonic() - t0 - 3
        cpu_idle = last - cpu_start
        parts = {name: du(os.path.join(data, name)) for name in sorted(os.listdir(data))
                 if os.path.isdir(os.path.join(data, name))}
        out = {
            "events": a.events, "tenants": a.tenants, "ndjson_bytes": os.path.getsize(events),
            "applied_after_s": round(applied_after, 2), "idle_after_s": round(idle_after, 1),
            "cpu_s_to_applied": round(cpu_applied, 2), "cpu_s_to_idle": round(cpu_idle, 2),
            "cpu_us_per_event_to_applied": round(cpu_applied / a.events * 1e6, 1),
            "cpu_us_per_event_to_idle": round(cpu_idle / a.events * 1e6, 1),
            "disk_bytes": sum(parts.values()), "disk_parts": parts,
            "disk_bytes_per_event": round(sum(parts.values()) / a.events),
            "rss_start_bytes": rss_start, "rss_idle_bytes": rss_bytes(proc.pid),
        }
        print("%d events of %d tenants (%.0f MB NDJSON): applied after %.1f s, idle after %.1f s"
              % (a.events, a.tenants, out["ndjson_bytes"] / 1e6, applied_after, idle_after))
        print("CPU: %.2f s to applied (%.1f µs/event), %.2f s to idle (%.1f µs/event)"
              % (cpu_applied, out["cpu_us_per_event_to_applied"], cpu_idle,
                 out["cpu_us_per_event_to_idle"]))
        print("disk: %.0f MB (%s), %d bytes/event" % (
            out["disk_bytes"] / 1e6,
            ", ".join("%s %.0f MB" % (k, v / 1e6) for k, v in parts.items()),
            out["disk_bytes_per_event"]))
        print("RSS: %.0f MB at start, %.0f MB idle" % (rss_start / 1e6, out["rss_idle_bytes"] / 1e6))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(out, f, indent=1)
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
