"""The demo's live simulator, the dead-letter routes, and configuration by environment and file."""

import base64
import json
import os
import tempfile
import time
import unittest

from server import ServerTestCase, make_event, ndjson


class DemoAndDeadLetterTest(ServerTestCase):
    def test_demo_streams_events_and_parks_malformed_lines_as_dead_letters(self):
        srv = self.start_server(command="demo", extra_args=[
            "--history-days", "5", "--history-events", "4000", "--rate", "50", "--seed", "3"])
        deadline = time.monotonic() + 60
        letters = []
        while time.monotonic() < deadline:
            resp = srv.get("/admin/dead-letters?limit=5")
            self.assertEqual(resp.status, 200, resp.describe())
            letters = resp.json["dead_letters"]
            if letters and srv.get("/health/ready").json["stored_position"] > 1000:
                break
            time.sleep(0.2)
        self.assertTrue(letters, "the simulator's malformed lines never reached the dead letters")
        first = letters[0]
        for key in ("id", "received_at", "source", "reason", "raw_base64"):
            self.assertIn(key, first)
        self.assertTrue(first["source"].startswith("demo-simulator#"))
        self.assertTrue(first["reason"])
        raw = base64.b64decode(first["raw_base64"])
        self.assertTrue(raw)
        # The demo's tenants have live data.
        page = srv.events("acme-corp", limit=5)
        self.assertEqual(page.status, 200)
        self.assertEqual(len(page.json["events"]), 5)
        # Re-submitting an unchanged malformed line is rejected again and the letter stays.
        resp = srv.request("POST", "/admin/dead-letters/%d/resubmit" % first["id"])
        self.assertIn(resp.status, (400, 422), resp.describe())
        again = srv.get("/admin/dead-letters?limit=1000").json["dead_letters"]
        self.assertIn(first["id"], [d["id"] for d in again])
        # Paging and bad parameters.
        self.assertProblem(srv.get("/admin/dead-letters?limit=0"), 400)
        self.assertProblem(srv.get("/admin/dead-letters?after=x"), 400)
        self.assertProblem(srv.request("POST", "/admin/dead-letters/999999999/resubmit"), 404)


class DemoOnKafkaTest(ServerTestCase):
    def test_demo_kafka_produces_the_simulated_stream_and_the_node_consumes_it(self):
        """`readside demo --kafka`: a kafka-dev cluster in the process, the simulator producing
        to it, the server consuming (issue 15): events arrive through Kafka, and the node says
        so in /health/ready."""
        srv = self.start_server(command="demo", extra_args=[
            "--kafka", "--history-days", "3", "--history-events", "2000", "--rate", "50",
            "--seed", "4"])
        deadline = time.monotonic() + 90
        ready = None
        while time.monotonic() < deadline:
            r = srv.get("/health/ready")
            if r.status == 200 and r.json.get("stored_position", 0) > 1500:
                ready = r.json
                break
            time.sleep(0.3)
        self.assertIsNotNone(ready, "the demo's events never arrived: %s" % srv.logs()[-2000:])
        kafka = ready.get("kafka")
        self.assertIsInstance(kafka, dict, ready)
        self.assertEqual(kafka["state"], "up", kafka)
        self.assertTrue(kafka["partitions"], kafka)
        self.assertGreater(sum(p["next_offset"] for p in kafka["partitions"]), 1500, kafka)
        metrics = srv.get("/metrics").raw.decode()
        consumed = [line for line in metrics.splitlines()
                    if line.startswith("readside_ingest_events_total{outcome=\"accepted\","
                                       "source=\"kafka\"}")]
        self.assertTrue(consumed and int(float(consumed[0].split()[-1])) > 1500, consumed)
        before = ready["stored_position"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and \
                srv.get("/health/ready").json.get("stored_position", 0) <= before:
            time.sleep(0.3)
        self.assertGreater(srv.get("/health/ready").json["stored_position"], before,
                           "the live simulator keeps producing through Kafka")


class IngestRejectsFileTest(ServerTestCase):
    def test_rejected_lines_are_written_with_their_line_numbers(self):
        import subprocess
        from server import readside_bin
        srv = self.start_server()
        tmp = tempfile.mkdtemp(prefix="readside-it-rejects-")
        src, rej = os.path.join(tmp, "in.ndjson"), os.path.join(tmp, "rejects.ndjson")
        good = make_event(org="rejects-org")
        bad = make_event(org="rejects-org")
        bad["organization_id"] = "Not Valid"
        with open(src, "w") as f:
            f.write(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n")
        out = subprocess.run([readside_bin(), "ingest", src, "--url", srv.base_url,
                              "--token", srv.token, "--rejects", rej, "--no-progress"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("rejected 1", out.stdout)
        with open(rej) as f:
            rows = [json.loads(l) for l in f if l.strip()]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["line"], 3)  # the blank line counts
        self.assertEqual(rows[0]["errors"][0]["field"], "organization_id")
        self.assertEqual(json.loads(rows[0]["raw"])["organization_id"], "Not Valid")


class EventQueryPathTest(ServerTestCase):
    def test_an_organization_id_that_breaks_the_contract_is_a_400(self):
        srv = self.start_server()
        self.assertProblem(srv.get("/events/Not_An_Org"), 400)
        self.assertEqual(srv.get("/events/no-such-org").json, {"events": [], "next": None})


class ConfigurationTest(ServerTestCase):
    def _three_events(self):
        return ndjson([make_event(), make_event(), make_event()])

    def test_environment_variable_sets_a_limit(self):
        srv = self.start_server(env={"READSIDE_MAX_BATCH_EVENTS": "2"})
        resp = srv.post_events(self._three_events(), "application/x-ndjson")
        self.assertProblem(resp, 413)

    def test_config_file_sets_a_limit_and_flags_win(self):
        fd, path = tempfile.mkstemp(suffix=".toml")
        with os.fdopen(fd, "w") as f:
            f.write("[serve]\nmax-batch-events = 2\n")
        self.addCleanup(os.unlink, path)
        srv = self.start_server(extra_args=["--config", path])
        self.assertProblem(srv.post_events(self._three_events(), "application/x-ndjson"), 413)
        srv2 = self.start_server(extra_args=["--config", path, "--max-batch-events", "5"])
        resp = srv2.post_events(self._three_events(), "application/x-ndjson")
        self.assertEqual(resp.status, 200, resp.describe())
        self.assertEqual(resp.json["accepted"], 3)


if __name__ == "__main__":
    unittest.main()
