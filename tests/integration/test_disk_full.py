"""A full disk, for real: the server's data directory on a 64 MiB tmpfs (issue: a full disk
aborted the process). Ingest until the disk is full: the next batch gets 503 problem+json with
Retry-After and nothing of it is stored, reads and health keep answering, /health/ready says
why, and ingest resumes by itself once space is freed. A kill -9 on the full disk and a
restart with the disk filled to the last byte work too, and no acknowledged event is lost.

Mounting a tmpfs needs root (CI runs as root); elsewhere the test is skipped. The same paths
run through the store's fault-injecting Env in store_test (DiskFaultTest) on any machine.
"""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

from deps import skip_or_fail
from server import ReadsideServer, ServerTestCase, make_event


def _mount_tmpfs(size_mb):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return None
    path = tempfile.mkdtemp(prefix="readside-tmpfs-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm" % size_mb, "tmpfs", path],
                       capture_output=True)
    if r.returncode != 0:
        os.rmdir(path)
        return None
    return path


def _fill(path, leave_bytes=0):
    """Writes a filler file until at most `leave_bytes` are free; returns its path."""
    filler = os.path.join(path, "filler-%d" % time.monotonic_ns())
    with open(filler, "wb") as f:
        chunk = b"\0" * (256 << 10)
        try:
            while True:
                st = os.statvfs(path)
                free = st.f_bavail * st.f_frsize
                if free <= leave_bytes:
                    break
                f.write(chunk[:min(len(chunk), free - leave_bytes)])
                f.flush()
        except OSError:
            pass  # the disk is full
    return filler


class DiskFullTest(ServerTestCase):
    def setUp(self):
        self.mount = _mount_tmpfs(64)
        if self.mount is None:
            # DiskFaultTest covers the store's paths, not the HTTP answer (503, Retry-After,
            # problem+json) nor the resumption without a restart: under make test, not being
            # able to mount is a failure, not a silent skip.
            skip_or_fail(self, "needs root (CAP_SYS_ADMIN) to mount a tmpfs")
        self.addCleanup(self._unmount)

    def _unmount(self):
        subprocess.run(["umount", "-l", self.mount], capture_output=True)
        shutil.rmtree(self.mount, ignore_errors=True)

    def _ingest_until_refused(self, srv, acked, prefix):
        for b in range(2000):
            events = [make_event("disk-org", event_id="%s-%d-%d" % (prefix, b, i),
                                 entity_id="c-%d" % i,
                                 # Random text: tables compress, a disk fills with what
                                 # does not compress.
                                 payload={"name": os.urandom(300).hex(),
                                          "email": "a@example.com"}) for i in range(200)]
            r = srv.post_events(events)
            if r.status != 200:
                return r
            self.assertEqual(r.json["accepted"], 200, r.describe())
            acked.extend(e["event_id"] for e in events)
        self.fail("the disk never filled")

    def _stored_ids(self, srv):
        ids, after = [], 0
        while True:
            r = srv.get("/events/disk-org?limit=1000&after_position=%d" % after)
            self.assertEqual(r.status, 200, r.describe())
            ids.extend(e["event_id"] for e in r.json["events"])
            if r.json["next"] is None:
                return ids
            after = r.json["next"]

    def _wait_ready_status(self, srv, status, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            r = srv.get("/health/ready", token=None)
            if r.json and r.json.get("status") == status:
                return r
            self.assertLess(time.monotonic(), deadline, "ready never said %s: %s" %
                            (status, r.describe()))
            time.sleep(0.05)

    def test_full_disk_refuses_cleanly_keeps_reading_and_resumes(self):
        data = os.path.join(self.mount, "data")
        # Space the test frees later, as an operator would.
        spare = _fill(self.mount, leave_bytes=44 << 20)
        srv = self.start_server(data_dir=data,
                                extra_args=["--min-free-disk-mb", "6", "--disk-reserve-mb", "4",
                                            "--access-log", "off"])
        self.assertTrue(os.path.exists(os.path.join(data, "events", "readside.reserve")))
        acked = []
        refused = self._ingest_until_refused(srv, acked, "a")
        self.assertProblem(refused, 503)
        self.assertEqual(refused.json["title"], "Insufficient storage", refused.describe())
        self.assertIn("full", refused.json["detail"])
        self.assertGreater(int(refused.headers["retry-after"]), 0)
        self.assertGreater(len(acked), 0)
        # Reads and health keep answering; ready says why appends are refused.
        self.assertEqual(srv.get("/health/live", token=None).status, 200)
        ready = srv.get("/health/ready", token=None)
        self.assertEqual(ready.status, 200, ready.describe())
        self.assertEqual(ready.json["status"], "read_only", ready.describe())
        self.assertFalse(ready.json["writable"])
        self.assertIn("full", ready.json["reason"])
        self.assertEqual(srv.get("/analytics/dashboard/disk-org").status, 200)
        self.assertEqual(sorted(self._stored_ids(srv)), sorted(acked))
        # Space returns: ingest resumes by itself, without a restart.
        os.remove(spare)
        self._wait_ready_status(srv, "ready")
        more = [make_event("disk-org", event_id="b-%d" % i) for i in range(50)]
        r = srv.post_events(more)
        self.assertEqual(r.status, 200, r.describe())
        acked.extend(e["event_id"] for e in more)
        self.assertEqual(sorted(self._stored_ids(srv)), sorted(acked))

    def test_restart_on_a_disk_full_to_the_last_byte(self):
        data = os.path.join(self.mount, "data")
        args = ["--min-free-disk-mb", "6", "--disk-reserve-mb", "4", "--access-log", "off"]
        srv = self.start_server(data_dir=data, extra_args=args)
        acked = []
        self.assertProblem(self._ingest_until_refused(srv, acked, "a"), 503)
        srv.kill9()
        filler = _fill(self.mount)  # not one byte left
        srv.start()  # releases the reserve and recovers the log without flushing it
        self.assertEqual(sorted(self._stored_ids(srv)), sorted(acked))
        # Recovery frees what RocksDB had preallocated: the server may take a few more events
        # before it refuses again, cleanly.
        self.assertProblem(self._ingest_until_refused(srv, acked, "c"), 503)
        ready = self._wait_ready_status(srv, "read_only")
        self.assertIn("full", ready.json["reason"])
        self.assertEqual(sorted(self._stored_ids(srv)), sorted(acked))
        os.remove(filler)
        self._wait_ready_status(srv, "ready")
        r = srv.post_events([make_event("disk-org", event_id="after-restart")])
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(len(self._stored_ids(srv)), len(acked) + 1)


if __name__ == "__main__":
    unittest.main()
