"""Kafka ingestion end to end (operations.md "Kafka ingestion"), against `readside kafka-dev`
(librdkafka's mock cluster, started by the test on loopback):

- a node consuming a topic ends with the same stored events and the same read models as a
  node given the same stream over HTTP;
- kill -9 at random moments while a producer writes: after each restart nothing acknowledged
  by Kafka is lost and nothing is stored twice (the stored offsets travel in the same durable
  write as the events);
- POST /events through Kafka answers offsets that min_offsets waits for on another node.
"""

import base64
import json
import os
import random
import re
import subprocess
import tempfile
import threading
import time
import unittest

from server import ANALYTICS_ROUTES, ReadsideServer, _track, encode_body, make_token, readside_bin
from test_report_schedules import SmtpSink

ORGS = ("acme-corp", "beta-inc", "gamma-llc")


def start_kafka_dev(test, topic="erp:4"):
    proc = subprocess.Popen([readside_bin(), "kafka-dev", "--topic", topic],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    _track(proc)
    test.addCleanup(lambda: (proc.kill(), proc.wait()))
    line = proc.stdout.readline().decode()
    test.assertTrue(line.startswith("kafka-dev: bootstrap "), line)
    return line.split()[-1]


def generate(path, count, seed, malformed=0.01, duplicates=0.01):
    subprocess.run([readside_bin(), "generate", "--count", str(count), "--seed", str(seed),
                    "--malformed", str(malformed), "--duplicates", str(duplicates),
                    "--out", path], check=True)


def produce(brokers, path, topic="erp"):
    out = subprocess.run([readside_bin(), "produce", path, "--kafka-brokers", brokers,
                          "--topic", topic], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def all_events(node, org):
    events, after = [], 0
    while True:
        r = node.get("/events/%s?limit=1000&after_position=%d" % (org, after))
        assert r.status == 200, r.describe()
        body = r.json
        events.extend(body["events"])
        if body["next"] is None:
            return events
        after = body["next"]


def durable_duplicates(node):
    """The store's durable count of duplicates over the tenants (survives restarts): a message
    consumed twice would be stored once but counted here."""
    total = 0
    for org in ORGS:
        r = node.get("/analytics/data-quality/%s" % org)
        assert r.status == 200, r.describe()
        total += r.json["duplicates"] if "duplicates" in r.json else r.json["counts"]["duplicates"]
    return total


def read_models(node, org):
    out = {}
    for domain, route in sorted(ANALYTICS_ROUTES.items()):
        r = node.get(route % org + "?period=2024-01")  # generate's stream starts 2024-01-01
        assert r.status == 200, r.describe()
        body = r.json
        body.pop("last_updated", None)
        out[domain] = body
    return out


class KafkaTest(unittest.TestCase):
    def setUp(self):
        self.brokers = start_kafka_dev(self)
        self.tmp = tempfile.mkdtemp(prefix="readside-it-kafka-")

    def kafka_node(self, group, extra=()):
        node = ReadsideServer(extra_args=["--kafka-brokers", self.brokers, "--kafka-topics", "erp",
                                          "--kafka-group", group, "--access-log", "off",
                                          "--kafka-config", "session.timeout.ms=6000"] + list(extra))
        self.addCleanup(node.close)
        node.start()
        return node

    def assert_equals_a_clean_replay(self, node, files):
        """Counts and read models equal those of a fresh node that ingested the same files once,
        over HTTP, with no crash and no rebalance (the read models do not depend on arrival
        order)."""
        clean = ReadsideServer(extra_args=["--access-log", "off"])
        self.addCleanup(clean.close)
        clean.start()
        for path in files:
            subprocess.run([readside_bin(), "ingest", path, "--url", clean.base_url, "--token",
                            clean.token, "--no-progress"], check=True, capture_output=True)
        clean.wait_ready()
        node.wait_ready()  # caught up with its partitions: its answers are no longer stale
        for org in ORGS:
            self.assertEqual(read_models(node, org), read_models(clean, org), org)
            quality = [n.get("/analytics/data-quality/%s" % org).json for n in (node, clean)]
            for q in quality:
                q.pop("last_updated", None)
            self.assertEqual(quality[0], quality[1], org)
        clean.close()

    def wait_offsets(self, node, offsets, timeout=60):
        r = node.get("/analytics/dashboard/%s?min_offsets=%s&wait_ms=30000" % (ORGS[0], offsets),
                     timeout=timeout)
        self.assertEqual(r.status, 200, r.describe())

    def test_consumed_stream_equals_http_ingest_of_the_same_stream(self):
        path = os.path.join(self.tmp, "events.ndjson")
        generate(path, 5000, seed=3)
        kafka = self.kafka_node("equal")
        offsets = produce(self.brokers, path)
        http = ReadsideServer(extra_args=["--access-log", "off"])
        self.addCleanup(http.close)
        http.start()
        subprocess.run([readside_bin(), "ingest", path, "--url", http.base_url, "--token", http.token,
                        "--no-progress"], check=True, capture_output=True)
        self.wait_offsets(kafka, offsets)
        kafka.wait_ready()  # caught up with its partitions: its answers are no longer stale
        http.wait_ready()
        for org in ORGS:
            # Whole events, but for the position (each node numbers its own store).
            a = [{k: v for k, v in e.items() if k != "position"} for e in all_events(http, org)]
            b = [{k: v for k, v in e.items() if k != "position"} for e in all_events(kafka, org)]
            self.assertGreater(len(a), 100)
            self.assertEqual(a, b, org)
            models = read_models(http, org)
            self.assertEqual(models, read_models(kafka, org), org)
            numbers = [v for body in models.values() for v in body.values()
                       if isinstance(v, (int, float)) and not isinstance(v, bool)]
            self.assertTrue(any(numbers), "the compared read models hold numbers")
        dead = kafka.get("/admin/dead-letters?limit=1000").json
        letters = dead["dead_letters"]
        self.assertTrue(letters, dead)
        with open(path, "rb") as f:
            lines = {line.rstrip(b"\n") for line in f if line.strip()}
        for d in letters:
            # The message's raw bytes, as produced (one line of the file), and why it failed.
            self.assertIn(base64.b64decode(d["raw_base64"]), lines, d)
            self.assertTrue(d["reason"], d)
            self.assertTrue(d["source"].startswith("kafka:erp/"), d)
            at = d["kafka"]  # the coordinates as fields, too
            self.assertEqual("kafka:%s/%d/%d" % (at["topic"], at["partition"], at["offset"]),
                             d["source"], d)
            self.assertEqual(at["topic"], "erp", d)

    def test_kill_9_under_load_loses_nothing_and_stores_nothing_twice(self):
        node = self.kafka_node("crash", extra=["--kafka-max-batch", "200"])
        rnd = random.Random(7)
        files = []
        for i in range(6):
            path = os.path.join(self.tmp, "part-%d.ndjson" % i)
            generate(path, 1500, seed=100 + i, malformed=0, duplicates=0)
            files.append(path)
        last = {}
        done = threading.Event()

        def producer():
            for path in files:
                for item in produce(self.brokers, path).split(","):
                    p, o = item.split(":")
                    last[p] = max(last.get(p, -1), int(o))
                time.sleep(0.2)
            done.set()

        t = threading.Thread(target=producer)
        t.start()
        kills = 0
        while not done.is_set() or kills < 3:
            time.sleep(rnd.uniform(0.2, 1.2))
            node.kill9()
            kills += 1
            node.start()
        t.join()
        self.assertGreaterEqual(kills, 3)
        offsets = ",".join("%s:%d" % (p, o) for p, o in sorted(last.items()))
        self.wait_offsets(node, offsets)
        ids = []
        for org in ORGS:
            ids.extend(e["event_id"] for e in all_events(node, org))
        expected = set()
        for path in files:
            with open(path) as f:
                expected.update(json.loads(line)["event_id"] for line in f if line.strip())
        self.assertEqual(len(ids), len(set(ids)), "an event stored twice")
        self.assertEqual(set(ids), expected, "an event lost")
        # The streams hold no duplicates: any counted here was a message consumed twice.
        self.assertEqual(durable_duplicates(node), 0, "a message consumed twice")
        self.assert_equals_a_clean_replay(node, files)
        metrics = node.get("/metrics").raw.decode()
        ready_kafka = node.get("/health/ready").json["kafka"]
        # A restart on the same store gives the same read models.
        replay = ReadsideServer(data_dir=node.data_dir, extra_args=["--access-log", "off"])
        before = {org: read_models(node, org) for org in ORGS}
        node.stop()
        self.addCleanup(replay.close)
        replay.start()
        replay.wait_ready()
        for org in ORGS:
            self.assertEqual(read_models(replay, org), before[org], org)
        # Per-partition lag, read back: one gauge per partition of the topic, each 0 once every
        # produced message is stored, and each partition's stored next offset past the last
        # offset this test produced to it.
        lags = {int(m.group(1)): float(m.group(2)) for m in re.finditer(
            r'^readside_kafka_consumer_lag\{topic="erp",partition="(\d+)"\} (\S+)$', metrics, re.M)}
        self.assertEqual(sorted(lags), list(range(4)), metrics[-2000:])
        self.assertEqual(set(lags.values()), {0.0}, lags)
        stored_next = {p["partition"]: p["next_offset"] for p in ready_kafka["partitions"]
                       if p["topic"] == "erp"}
        for part, offset in last.items():
            self.assertGreater(stored_next[int(part)], offset, (part, stored_next))

    def test_a_rebalance_between_two_nodes_of_one_group_loses_nothing_and_stores_nothing_twice(self):
        parts = []
        for i in range(3):
            path = os.path.join(self.tmp, "reb-%d.ndjson" % i)
            generate(path, 2000, seed=200 + i, malformed=0, duplicates=0)
            parts.append(path)
        a = self.kafka_node("shared", extra=["--kafka-max-batch", "100"])
        offsets = produce(self.brokers, parts[0])
        self.wait_offsets(a, offsets)
        # b joins the group: the partitions are split between a and b, while events flow.
        b = self.kafka_node("shared", extra=["--kafka-max-batch", "100"])
        t = threading.Thread(target=lambda: produce(self.brokers, parts[1]))
        t.start()
        deadline = time.monotonic() + 60
        while not b.get("/health/ready").json["kafka"]["partitions"]:
            self.assertLess(time.monotonic(), deadline, "b never got a partition")
            time.sleep(0.2)
        t.join()
        time.sleep(1)
        held_by_b = {p["partition"] for p in b.get("/health/ready").json["kafka"]["partitions"]}
        self.assertTrue(held_by_b)
        b_ids = [e["event_id"] for org in ORGS for e in all_events(b, org)]
        self.assertGreater(len(b_ids), 0, "b stored nothing from the partitions it was given")
        self.assertEqual(len(b_ids), len(set(b_ids)), "b stored an event twice")
        self.assertEqual(durable_duplicates(b), 0, "b consumed a message twice")
        # b leaves: a takes every partition back and goes on from what its own store holds.
        b.stop()
        offsets = produce(self.brokers, parts[2])
        self.wait_offsets(a, offsets)
        a_ids = [e["event_id"] for org in ORGS for e in all_events(a, org)]
        expected = set()
        for path in parts:
            with open(path) as f:
                expected.update(json.loads(line)["event_id"] for line in f if line.strip())
        self.assertEqual(len(a_ids), len(set(a_ids)), "a stored an event twice")
        self.assertEqual(set(a_ids), expected, "a lost an event")
        self.assertEqual(durable_duplicates(a), 0, "a consumed a message twice")
        self.assertTrue(set(b_ids) <= expected)
        rebalances = re.search(r"^readside_kafka_rebalances_total (\d+)$", a.get("/metrics").raw.decode(), re.M)
        self.assertGreater(int(rebalances.group(1)), 2, "a's partitions moved and came back")
        self.assert_equals_a_clean_replay(a, parts)
        before = {org: read_models(a, org) for org in ORGS}
        replay = ReadsideServer(data_dir=a.data_dir, extra_args=["--access-log", "off"])
        a.stop()
        self.addCleanup(replay.close)
        replay.start()
        replay.wait_ready()
        for org in ORGS:
            self.assertEqual(read_models(replay, org), before[org], org)

    def test_post_events_through_kafka_and_read_your_writes_on_another_node(self):
        a = self.kafka_node("node-a")
        b = self.kafka_node("node-b")
        path = os.path.join(self.tmp, "few.ndjson")
        generate(path, 300, seed=9, malformed=0, duplicates=0)
        with open(path, "rb") as f:
            r = a.post_events(f.read(), content_type="application/x-ndjson")
        self.assertEqual(r.status, 200, r.describe())
        offsets = r.headers.get("x-readside-offsets")
        self.assertTrue(offsets, r.headers)
        self.assertEqual(r.json["accepted"], 300)
        got = b.get("/analytics/dashboard/%s?min_offsets=%s&wait_ms=20000" % (ORGS[0], offsets))
        self.assertEqual(got.status, 200, got.describe())
        self.assertEqual(sum(len(all_events(b, org)) for org in ORGS), 300)
        bad = b.get("/analytics/dashboard/%s?min_offsets=1:x" % ORGS[0])
        self.assertEqual(bad.status, 400)
        self.assertEqual(bad.json["errors"][0]["field"], "min_offsets")
        # A partition "erp" does not have (it has 4) is refused at once, not waited for.
        started = time.monotonic()
        none = b.get("/analytics/dashboard/%s?min_offsets=9:0&wait_ms=20000" % ORGS[0])
        self.assertEqual(none.status, 400, none.describe())
        self.assertEqual(none.json["errors"][0]["field"], "min_offsets")
        self.assertIn("partition 9", none.json["errors"][0]["message"])
        self.assertLess(time.monotonic() - started, 10)
        ready = b.get("/health/ready").json
        self.assertEqual(ready["kafka"]["state"], "up")
        self.assertEqual(ready["kafka"]["lag"], 0)


class OwnStateAcrossNodesTest(unittest.TestCase):
    """Dashboards, tenant settings and schedules are events on Kafka's own-state topic: every
    node agrees, and a schedule's run is sent by exactly one node (the lease)."""

    def setUp(self):
        self.brokers = start_kafka_dev(self)
        self.sink = SmtpSink()
        self.addCleanup(self.sink.close)
        self.nodes = []
        for name in ("a", "b"):
            node = ReadsideServer(extra_args=[
                "--kafka-brokers", self.brokers, "--kafka-topics", "erp", "--access-log", "off",
                "--kafka-group", "own-" + name, "--smtp-url", "smtp://127.0.0.1:%d" % self.sink.port,
                "--smtp-from", "reports@example.com"])
            self.addCleanup(node.close)
            node.start()
            node.wait_ready()
            self.nodes.append(node)

    def call(self, node, method, path, body, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        return node.request(method, path, encode_body(body), headers=headers)

    def test_dashboards_and_settings_agree_and_a_schedule_runs_once(self):
        a, b = self.nodes
        ann = make_token(orgs=("acme-corp",), roles=("analyst",), sub="ann")
        w = self.call(a, "POST", "/dashboards/acme-corp/widgets",
                      {"widget_type": "metric", "title": "New contacts", "data_source": "crm",
                       "query_params": {"metric": "contacts_new", "period": "2024-01"}}, token=ann)
        self.assertEqual(w.status, 201, w.describe())
        deadline = time.monotonic() + 20
        while w.json["widget_id"] not in json.dumps(b.get("/dashboards/acme-corp", token=ann).json):
            self.assertLess(time.monotonic(), deadline, "b never saw a's widget")
            time.sleep(0.1)
        moved = self.call(b, "PUT", "/dashboards/acme-corp/layout",
                          {"positions": [{"widget_id": w.json["widget_id"], "x": 6, "y": 20, "w": 6, "h": 2}]},
                          token=ann)
        self.assertEqual(moved.status, 200, moved.describe())  # b saw a's widget
        s = self.call(a, "PUT", "/admin/tenants/acme-corp", {"timezone": "Europe/Berlin", "currency": "EUR"})
        self.assertEqual(s.status, 200, s.describe())
        deadline = time.monotonic() + 20
        while True:
            da = a.get("/dashboards/acme-corp", token=ann).json
            db = b.get("/dashboards/acme-corp", token=ann).json
            ta = a.get("/admin/tenants/acme-corp").json
            tb = b.get("/admin/tenants/acme-corp").json
            strip = lambda d: {k: v for k, v in d.items()
                               if k in ("widget_id", "title", "widget_type", "query_params", "position",
                                        "layout", "x", "y", "w", "h")}
            # Until both hold every change: the widget (a), its move (b) and the settings (a).
            if [strip(x) for x in da["widgets"]] == [strip(x) for x in db["widgets"]] and \
                    json.dumps(da.get("layout")) == json.dumps(db.get("layout")) and \
                    ta.get("timezone") == tb.get("timezone") == "Europe/Berlin":
                break
            self.assertLess(time.monotonic(), deadline, (da, db, ta, tb))
            time.sleep(0.2)
        wa = [x for x in da["widgets"] if x["widget_id"] == w.json["widget_id"]][0]
        wb = [x for x in db["widgets"] if x["widget_id"] == w.json["widget_id"]][0]
        self.assertEqual(strip(wa), strip(wb))
        # The layout b stored is a's too (x 6, y 20, w 6, h 2, wherever the body keeps it).
        place = lambda d: json.dumps({k: v for k, v in d.items() if k in ("x", "y", "w", "h", "layout", "grid")},
                                     sort_keys=True)
        self.assertEqual(place(wa), place(wb))
        self.assertIn("20", place(wa) + json.dumps(da.get("layout", "")), (wa, da.keys()))

        # A schedule created on a, due every minute: both nodes hold it, one sends each run.
        created = self.call(a, "POST", "/reports/schedule", {
            "organization_id": "acme-corp", "report": "financial", "type": "trial_balance",
            "period": "current_month", "format": "csv", "cron": "* * * * *", "timezone": "UTC",
            "recipients": ["cfo@example.com"]})
        self.assertEqual(created.status, 201, created.describe())
        sid = created.json["id"]
        listed = b.get("/reports/scheduled/acme-corp?min_position=0").json
        deadline = time.monotonic() + 20
        while sid not in json.dumps(listed):
            self.assertLess(time.monotonic(), deadline, listed)
            time.sleep(0.2)
            listed = b.get("/reports/scheduled/acme-corp").json
        deadline = time.monotonic() + 100
        while not self.sink.messages():
            self.assertLess(time.monotonic(), deadline, "no run sent")
            time.sleep(0.5)
        time.sleep(3)  # a second copy from the other node would come within this
        runs = {}
        for raw, msg in self.sink.messages():
            runs.setdefault(msg["Message-ID"], 0)
            runs[msg["Message-ID"]] += 1
        self.assertTrue(runs)
        for message_id, copies in runs.items():
            self.assertEqual(copies, 1, runs)
        history_a = a.get("/reports/history/acme-corp?schedule_id=" + sid).json["runs"]
        deadline = time.monotonic() + 20
        while True:
            history_b = b.get("/reports/history/acme-corp?schedule_id=" + sid).json["runs"]
            sent_a = sorted(r["id"] for r in history_a if r["status"] == "sent")
            sent_b = sorted(r["id"] for r in history_b if r["status"] == "sent")
            if sent_a and sent_a == sent_b:
                break
            self.assertLess(time.monotonic(), deadline, (history_a, history_b))
            time.sleep(0.5)
            history_a = a.get("/reports/history/acme-corp?schedule_id=" + sid).json["runs"]
        # One message per run: had both nodes sent a run, its two copies would carry two node
        # ids ("<run>~<node>@…") and outnumber the runs.
        self.assertEqual(len(sent_a), len(runs), (sent_a, runs))
        for message_id in runs:
            self.assertIn("~", message_id)


if __name__ == "__main__":
    unittest.main()
