"""Scheduled reports end to end (reports.md "Schedules"): a real SMTP sink (Debian's
python3-aiosmtpd, a Maildir), the server killed with SIGKILL at each point of a run and
restarted, and the promise of docs/reports.md "Exactly once": every due instant is delivered
once; only a crash after the SMTP server accepted the message and before the outcome was
stored sends it again, and then with the same Message-ID and the same bytes.

The crash seam is READSIDE_REPORT_CRASH_AT (the scheduler kills its own process at that
point of its next run). Schedules fire on whole minutes, so the four crash points run in
parallel, each with its own server, against one sink: about one minute in all.
"""

import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from server import ReadsideServer, ServerTestCase, encode_body, make_token

SINK_PYTHON = "/usr/bin/python3"  # Debian's python, which has aiosmtpd (not pyenv's)
POINTS = os.environ.get("POINTS", "before_intent,after_intent,after_send,after_outcome").split(",")
# Messages the sink holds per crash point for the first due instant.
EXPECTED_COPIES = {"before_intent": 1, "after_intent": 1, "after_send": 2, "after_outcome": 1}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="readside-it-maildir-")
        for sub in ("tmp", "new", "cur"):  # a Maildir; aiosmtpd's Mailbox does not create it
            os.makedirs(os.path.join(self.dir, sub))
        self.port = free_port()
        self.proc = subprocess.Popen(
            [SINK_PYTHON, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:%d" % self.port,
             "-c", "aiosmtpd.handlers.Mailbox", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the SMTP sink did not start")

    def messages(self):
        out = []
        new = os.path.join(self.dir, "new")
        if not os.path.isdir(new):
            return out
        for name in sorted(os.listdir(new)):
            with open(os.path.join(new, name), "rb") as f:
                raw = f.read()
            out.append((raw, email.message_from_bytes(raw, policy=email.policy.default)))
        return out

    def close(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def attachment(msg):
    for part in msg.iter_attachments():
        return part.get_filename(), part.get_content_type(), part.get_payload(decode=True)
    return None, None, None


class ReportScheduleTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink()

    @classmethod
    def tearDownClass(cls):
        cls.sink.close()

    def smtp_args(self):
        return ["--smtp-url", "smtp://127.0.0.1:%d" % self.sink.port,
                "--smtp-from", "reports@example.com", "--report-catch-up-max-age", "3600"]

    def schedule(self, srv, recipient, cron="* * * * *", **extra):
        body = {"organization_id": "acme-corp", "report": "financial", "type": "trial_balance",
                "period": "current_month", "format": "csv", "cron": cron, "timezone": "UTC",
                "recipients": [recipient], "subject": "Trial balance für Müller — 試算表"}
        body.update(extra)
        body = {k: v for k, v in body.items() if v is not None}  # None: left out
        r = srv.request("POST", "/reports/schedule", encode_body(body),
                        headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 201, r.describe())
        return r.json

    def history(self, srv, schedule_id):
        r = srv.get("/reports/history/acme-corp?schedule_id=" + schedule_id)
        self.assertEqual(r.status, 200, r.describe())
        return r.json["runs"]

    def test_crash_at_every_point_of_a_run(self):
        results = {}
        errors = []

        def one(point):
            try:
                results[point] = self.crash_and_recover(point)
            except BaseException as e:  # reported below with the point
                errors.append((point, e))

        threads = [threading.Thread(target=one, args=(p,)) for p in POINTS]
        for t in threads:
            t.start()
        for t in threads:
            t.join(240)
        if errors:
            point, e = errors[0]
            raise AssertionError("crash point %s: %r" % (point, e)) from e
        for point in POINTS:
            run, copies, file_bytes = results[point]
            with self.subTest(point=point):
                self.assertEqual(run["status"], "sent", run)
                self.assertEqual(len(copies), EXPECTED_COPIES[point], [c[0][:300] for c in copies])
                ids = {m["Message-ID"] for _, m in copies}
                self.assertEqual(ids, {"<%s@example.com>" % run["id"]})
                # A resend is the identical message (same Date, same bytes).
                bodies = {raw.split(b"\r\n\r\n", 1)[-1] if b"\r\n\r\n" in raw
                          else raw.split(b"\n\n", 1)[-1] for raw, _ in copies}
                self.assertEqual(len(bodies), 1)
                name, ctype, data = attachment(copies[0][1])
                self.assertEqual(ctype, "text/csv")
                self.assertTrue(name.startswith("acme-corp-financial-trial_balance-"), name)
                self.assertEqual(data, file_bytes)  # intact, equal to the stored run file
                self.assertEqual(copies[0][1]["Subject"], "Trial balance für Müller — 試算表")

    def crash_and_recover(self, point):
        recipient = point.replace("_", "-") + "@example.com"
        srv = ReadsideServer(extra_args=self.smtp_args(),
                             env={"READSIDE_REPORT_CRASH_AT": point})
        self.addCleanup(srv.close)
        srv.start()
        created = self.schedule(srv, recipient)
        # The scheduler kills the process at `point` of the first run (≤ 60 s away).
        deadline = time.monotonic() + 90
        while srv.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        if srv.proc.poll() is None:
            raise AssertionError("no crash at %s: %r\n%s" % (
                point, self.history(srv, created["id"]), srv.logs()))
        if srv.proc.returncode != -signal.SIGKILL:
            raise AssertionError("exit %s, not SIGKILL: %s" % (srv.proc.returncode, srv.logs()))
        srv.env = {}
        srv.start()
        srv.wait_ready()
        due = created["next_run_at"]
        run = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = [r for r in self.history(srv, created["id"]) if r["due_at"] == due]
            if len(runs) > 1:
                raise AssertionError("two runs for one due instant: %r" % runs)
            if runs and runs[0]["status"] == "sent":
                run = runs[0]
                break
            time.sleep(0.2)
        if run is None:
            raise AssertionError("the run at %s was not sent after the restart: %r\n%s"
                                 % (due, self.history(srv, created["id"]), srv.logs()))
        r = srv.request("DELETE", "/reports/scheduled/" + created["id"])
        if r.status != 204:
            raise AssertionError(r.describe())
        f = srv.get("/reports/runs/%s/file" % run["id"])
        if f.status != 200:
            raise AssertionError(f.describe())
        time.sleep(0.5)  # a resend would have reached the sink by now
        copies = [(raw, m) for raw, m in self.sink.messages()
                  if m["Message-ID"] == "<%s@example.com>" % run["id"]]
        return run, copies, f.raw

    def test_schedule_changes_right_after_a_start_wait_for_the_read_models(self):
        """Right after a restart the read models are still loading. A schedule created then
        gets the tenant's time zone (not UTC), and deleting an existing one answers 204 (not
        404): both wait until the read models hold what the store held (found by the crash
        test's start-kill rounds)."""
        srv = self.start_server(extra_args=self.smtp_args())
        path = os.path.join(tempfile.mkdtemp(prefix="rs-sched-start-"), "events.ndjson")
        self.addCleanup(shutil.rmtree, os.path.dirname(path), True)
        subprocess.run([srv.binary, "generate", "--seed", "3", "--count", "40000", "--tenants",
                        "acme-corp", "--out", path], check=True, capture_output=True)
        lines = open(path, "rb").read().splitlines()
        for i in range(0, len(lines), 5000):
            r = srv.request("POST", "/events", b"\n".join(lines[i:i + 5000]),
                            {"Content-Type": "application/x-ndjson"})
            self.assertEqual(r.status, 200, r.describe())
        r = srv.request("PUT", "/admin/tenants/acme-corp", encode_body({"timezone": "Europe/Berlin"}),
                        {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r.describe())
        kept = self.schedule(srv, "kept@example.com", cron="0 3 29 2 *", timezone=None)
        self.assertEqual(kept["timezone"], "Europe/Berlin")
        srv.kill9()
        srv.start()
        r = srv.request("DELETE", "/reports/scheduled/" + kept["id"])
        self.assertEqual(r.status, 204, r.describe())
        body = {"organization_id": "acme-corp", "report": "financial", "type": "trial_balance",
                "period": "current_month", "format": "csv", "cron": "0 3 29 2 *",
                "recipients": ["new@example.com"], "subject": "s"}
        r = srv.request("POST", "/reports/schedule", encode_body(body),
                        headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 201, r.describe())
        self.assertEqual(r.json["timezone"], "Europe/Berlin")

    def test_schedule_api(self):
        srv = self.start_server(extra_args=self.smtp_args())
        created = self.schedule(srv, "cfo@example.com", cron="0 8 * * MON",
                                timezone="Europe/Berlin", format="pdf", period="previous_month")
        self.assertEqual(created["timezone"], "Europe/Berlin")
        self.assertTrue(created["next_run_at"].endswith("Z"))
        listed = srv.get("/reports/scheduled/acme-corp").json["schedules"]
        self.assertEqual([s["id"] for s in listed], [created["id"]])
        # Bad schedules name the field.
        for extra, field in [({"cron": "61 * * * *"}, "cron"), ({"timezone": "Nowhere/X"}, "timezone"),
                             ({"format": "docx"}, "format"), ({"recipients": ["x"]}, "recipients[0]"),
                             ({"report": "nope"}, "report"), ({"period": "someday"}, "period"),
                             ({"subject": "a\nBcc: x@y.z"}, "subject")]:
            body = {"organization_id": "acme-corp", "report": "financial", "type": "pnl",
                    "period": "previous_month", "format": "pdf", "cron": "0 8 * * *",
                    "recipients": ["a@example.com"]}
            body.update(extra)
            r = srv.request("POST", "/reports/schedule", encode_body(body),
                            headers={"Content-Type": "application/json"})
            self.assertProblem(r, 400, str(extra))
            self.assertIn(field, r.raw.decode(), r.describe())
        # The report's domain role is needed; another tenant's schedule is 404.
        sales = make_token(orgs=("acme-corp",), roles=("sales",))
        r = srv.request("POST", "/reports/schedule", encode_body(
                        {"organization_id": "acme-corp", "report": "financial", "type": "pnl",
                         "period": "previous_month", "format": "pdf", "cron": "0 8 * * *",
                         "recipients": ["a@example.com"]}),
                        headers={"Content-Type": "application/json"}, token=sales)
        self.assertProblem(r, 403)
        other = make_token(orgs=("other-org",), roles=("admin",))
        r = srv.request("DELETE", "/reports/scheduled/" + created["id"], token=other)
        self.assertProblem(r, 404)
        r = srv.get("/reports/history/acme-corp", token=sales)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["runs"], [])
        r = srv.request("DELETE", "/reports/scheduled/" + created["id"])
        self.assertEqual(r.status, 204, r.describe())
        self.assertEqual(srv.get("/reports/scheduled/acme-corp").json["schedules"], [])
        self.assertProblem(srv.request("DELETE", "/reports/scheduled/" + created["id"]), 404)
        # Schedules are events: a restart (and a rebuild) sees the same.
        created = self.schedule(srv, "cfo@example.com", cron="0 8 1 * *")
        srv.restart()
        srv.wait_ready()
        listed = srv.get("/reports/scheduled/acme-corp").json["schedules"]
        self.assertEqual([s["id"] for s in listed], [created["id"]])

    def test_a_dead_smtp_server_is_retried_and_never_blocks_the_api(self):
        # A black hole: it accepts connections and never says a word, so a delivery hangs
        # until libcurl's timeouts; the API must answer as usual meanwhile.
        hole = socket.socket()
        hole.bind(("127.0.0.1", 0))
        hole.listen(16)
        held = []
        stop = threading.Event()

        def accept():
            hole.settimeout(0.2)
            while not stop.is_set():
                try:
                    held.append(hole.accept()[0])
                except OSError:
                    pass

        acceptor = threading.Thread(target=accept, daemon=True)
        acceptor.start()

        def close_hole():
            stop.set()
            acceptor.join(5)
            for c in held:
                c.close()
            hole.close()

        self.addCleanup(close_hole)
        srv = self.start_server(extra_args=[
            "--smtp-url", "smtp://127.0.0.1:%d" % hole.getsockname()[1],
            "--smtp-from", "reports@example.com"])
        created = self.schedule(srv, "cfo@example.com")
        deadline = time.monotonic() + 150
        runs = []
        stuck_calls = 0
        while time.monotonic() < deadline:
            started = time.monotonic()
            r = srv.get("/reports/financial/acme-corp?type=pnl")
            self.assertEqual(r.status, 200)
            self.assertLess(time.monotonic() - started, 2)
            runs = self.history(srv, created["id"])
            if runs and runs[0]["status"] == "running":
                stuck_calls += 1  # answered while a delivery hangs in the black hole
            if runs and runs[0]["status"] == "retrying":
                break
            time.sleep(0.5)
        self.assertTrue(runs and runs[0]["status"] == "retrying", runs)
        self.assertGreater(stuck_calls, 0)
        self.assertEqual(runs[0]["attempts"], 1)
        self.assertTrue(runs[0]["error"], runs[0])
        self.assertTrue(runs[0]["next_attempt_at"], runs[0])


if __name__ == "__main__":
    unittest.main()
