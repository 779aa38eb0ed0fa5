"""Backup of a running node and restore into a new data directory: the restored node answers
exactly what the original answered (events, analytics, dashboards), and restore refuses what
is not a backup or a directory that is not empty."""

import json
import os
import subprocess
import tempfile
import unittest

from server import ServerTestCase, make_token, readside_bin

ORGS = ["backup-a", "backup-b"]


# Instants of this node's work, not of the data: when it applied the events (a restored node
# applies them again on start) and when it rendered the dashboard.
VOLATILE = {"last_updated", "as_of", "cache_expires"}


def without_apply_times(body):
    """The answer without the instants of the node's own work (VOLATILE)."""
    if isinstance(body, dict):
        return {k: without_apply_times(v) for k, v in body.items() if k not in VOLATILE}
    if isinstance(body, list):
        return [without_apply_times(v) for v in body]
    return body


class BackupRestoreTest(ServerTestCase):
    def generate(self, count):
        out = os.path.join(tempfile.mkdtemp(prefix="readside-it-backup-gen-"), "events.ndjson")
        subprocess.run([readside_bin(), "generate", "--seed", "7", "--count", str(count),
                        "--tenants", ",".join(ORGS), "--out", out],
                       check=True, capture_output=True)
        with open(out, "rb") as f:
            return f.read()

    def answers(self, srv):
        out = {}
        for org in ORGS:
            out[org + " events"] = srv.all_events(org)
            for path in ("/analytics/dashboard/%s" % org,
                         "/analytics/finance/revenue/%s?period=2024-03" % org,
                         "/analytics/crm/pipeline/%s?period=2024-Q1" % org,
                         "/analytics/data-quality/%s" % org,
                         "/dashboards/%s" % org):
                r = srv.get(path)
                self.assertEqual(r.status, 200, r.describe())
                out[path] = without_apply_times(r.json)
        return out

    def test_a_backup_restored_into_a_new_directory_answers_the_same(self):
        srv = self.start_server()  # the default --backup-dir: DATA_DIR/backups
        backups = os.path.join(srv.data_dir, "backups")
        r = srv.post_events(self.generate(4000), "application/x-ndjson")
        self.assertEqual(r.status, 200, r.describe())
        # Own state is events too: a dashboard must come back with the rest.
        d = srv.request("POST", "/dashboards/backup-a/widgets", json.dumps({
            "widget_type": "metric", "title": "Revenue", "data_source": "finance",
            "query_params": {"metric": "total_revenue", "period": "2024-03"}}).encode(),
            {"Content-Type": "application/json"})
        self.assertIn(d.status, (200, 201), d.describe())
        pos = srv.get("/health/ready").json["stored_position"]
        srv.wait_ready(caught_up_to=pos)
        before = self.answers(srv)

        # Only operators may take backups.
        tenant = srv.request("POST", "/admin/backup", token=make_token(orgs=("backup-a",)))
        self.assertProblem(tenant, 403)
        b = srv.request("POST", "/admin/backup")
        self.assertEqual(b.status, 201, b.describe())
        path = b.json["path"]
        self.assertEqual(b.json["position"], pos)
        self.assertTrue(path.startswith(backups), path)
        self.assertTrue(os.path.isfile(os.path.join(path, "BACKUP.json")))

        # Restore into a new directory and start a node there.
        new_dir = os.path.join(tempfile.mkdtemp(prefix="readside-it-restored-"), "data")
        done = subprocess.run([readside_bin(), "restore", "--from", path, "--data-dir", new_dir],
                              capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("position %d" % pos, done.stdout)
        restored = self.start_server(data_dir=new_dir)
        restored.wait_ready(caught_up_to=pos)
        self.assertEqual(restored.get("/health/ready").json["stored_position"], pos)
        after = self.answers(restored)
        self.assertEqual(set(before), set(after))
        for key in before:
            self.assertEqual(before[key], after[key], key)

        # A second restore into a directory that is not empty is refused, and so is a
        # directory that is not a backup; neither touches the target.
        again = subprocess.run([readside_bin(), "restore", "--from", path, "--data-dir", new_dir],
                               capture_output=True, text=True)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("not empty", again.stderr)
        empty = tempfile.mkdtemp(prefix="readside-it-notabackup-")
        target = os.path.join(tempfile.mkdtemp(prefix="readside-it-restore2-"), "data")
        bad = subprocess.run([readside_bin(), "restore", "--from", empty, "--data-dir", target],
                             capture_output=True, text=True)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("not a readside backup", bad.stderr)
        self.assertFalse(os.path.exists(target))


if __name__ == "__main__":
    unittest.main()
