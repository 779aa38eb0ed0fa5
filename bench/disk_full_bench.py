#!/usr/bin/env python3
"""Disk-full recovery time of `readside serve` on a real small disk (a 256 MiB tmpfs).

Each round: ingest until the server refuses with 503 (the disk is full), then free space the
way an operator would (delete a spare file) and measure
  - ready_s: until /health/ready reports the store writable again, and
  - accept_s: until a POST /events is acknowledged, a client retrying every 10 ms;
then kill -9 the server, fill the disk to the last byte, and measure
  - restart_s: from exec until the restarted server answers reads (/health/ready 200 with
    every acknowledged event applied) on that full disk.

Needs root (mount). Prints one JSON line: medians and every round's figures.
  sudo bench/disk_full_bench.py [--build build] [--rounds 3]
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def post(port, token, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/events", body=body, headers={
            "Authorization": "Bearer " + token, "Content-Type": "application/x-ndjson"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def get_json(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


def batch(prefix, n):
    lines = []
    for i in range(n):
        lines.append(json.dumps({
            "event_id": "%s-%d" % (prefix, i), "event_type": "crm.contact.created",
            "timestamp": "2024-01-15T10:00:00Z", "organization_id": "disk-bench",
            "version": "1.0", "source_service": "erp-crm-service",
            "data": {"entity_id": "c-%d" % (i % 1000), "entity_type": "contact", "action": "created",
                     # Random text: the store compresses its tables, and a disk fills
                     # with what does not compress.
                     "payload": {"name": os.urandom(200).hex(), "email": "a@example.com"}}}))
    return ("\n".join(lines) + "\n").encode()


def fill(path, leave=0):
    filler = os.path.join(path, "filler-%d" % time.monotonic_ns())
    with open(filler, "wb") as f:
        chunk = b"\0" * (1 << 20)
        try:
            while True:
                st = os.statvfs(path)
                free = st.f_bavail * st.f_frsize
                if free <= leave:
                    break
                f.write(chunk[:min(len(chunk), free - leave)])
                f.flush()
        except OSError:
            pass
    return filler


class Server:
    def __init__(self, binary, data_dir, secret):
        self.cmd = [binary, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0",
                    "--jwt-secret-file", secret, "--access-log", "off",
                    "--min-free-disk-mb", "16", "--disk-reserve-mb", "8"]
        self.proc = None
        self.port = None

    def start(self):
        # Output to a file: a pipe nobody reads would block the server once full.
        self.log = tempfile.NamedTemporaryFile(prefix="readside-diskbench-", suffix=".log")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            with open(self.log.name) as f:
                for line in f:
                    if "listening on http://127.0.0.1:" in line:
                        self.port = int(line.rsplit(":", 1)[1].split()[0].strip("/"))
                        return
            time.sleep(0.01)
        with open(self.log.name) as f:
            raise RuntimeError("the server did not start:\n" + f.read()[-3000:])

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


def log(message):
    print(message, file=sys.stderr, flush=True)


def until(predicate, timeout=120, pause=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(pause)
    raise TimeoutError("condition not reached in %s s" % timeout)


def one_round(binary, token, secret, round_no):
    mount = tempfile.mkdtemp(prefix="readside-diskbench-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", mount], check=True)
    srv = None
    try:
        spare = fill(mount, leave=200 << 20)  # what the operator frees later
        srv = Server(binary, os.path.join(mount, "data"), secret)
        srv.start()
        acked = 0
        log("round %d: filling" % round_no)
        for b in range(100000):
            status, body = post(srv.port, token, batch("r%d-%d" % (round_no, b), 1000))
            if status == 503:
                break
            assert status == 200 and json.loads(body)["accepted"] == 1000, body[:300]
            acked += 1000
        log("round %d: full after %d events; freeing space" % (round_no, acked))
        os.remove(spare)
        t0 = time.monotonic()
        until(lambda: get_json(srv.port, "/health/ready")[1].get("writable") is True)
        ready_s = time.monotonic() - t0
        one = batch("after-%d" % round_no, 1)
        t0 = time.monotonic()
        until(lambda: post(srv.port, token, one)[0] == 200)
        accept_s = time.monotonic() - t0
        acked += 1
        # Refill, crash, fill to the last byte, restart.
        for b in range(100000):
            status, body = post(srv.port, token, batch("s%d-%d" % (round_no, b), 1000))
            if status == 503:
                break
            assert status == 200 and json.loads(body)["accepted"] == 1000, body[:300]
            acked += 1000
        log("round %d: kill -9 and restart on a full disk" % round_no)
        srv.kill9()
        fill(mount)
        t0 = time.monotonic()
        srv.start()

        def caught_up():
            code, body = get_json(srv.port, "/health/ready")
            return code == 200 and body["applied_position"] == acked
        until(caught_up)
        restart_s = time.monotonic() - t0
        return {"events": acked, "ready_s": round(ready_s, 3), "accept_s": round(accept_s, 3),
                "restart_s": round(restart_s, 3)}
    finally:
        if srv:
            srv.stop()
        subprocess.run(["umount", "-l", mount])
        shutil.rmtree(mount, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print(json.dumps({"skipped": "needs root to mount a tmpfs"}))
        return
    binary = os.path.abspath(os.path.join(args.build, "readside"))
    work = tempfile.mkdtemp(prefix="readside-diskbench-secret-")
    secret = os.path.join(work, "secret")
    with open(secret, "w") as f:
        f.write(os.urandom(32).hex())
    token = subprocess.check_output([binary, "token", "--secret-file", secret, "--org", "*",
                                     "--roles", "admin", "--ttl", "1h"], text=True).strip()
    try:
        rounds = [one_round(binary, token, secret, r) for r in range(args.rounds)]
    except (TimeoutError, RuntimeError, AssertionError) as e:  # recorded, not fatal to make bench
        print(json.dumps({"failed": str(e)[:500]}))
        return
    shutil.rmtree(work, ignore_errors=True)
    out = {k: statistics.median(r[k] for r in rounds) for k in ("ready_s", "accept_s", "restart_s")}
    out["events_per_round"] = statistics.median(r["events"] for r in rounds)
    out["rounds"] = rounds
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
