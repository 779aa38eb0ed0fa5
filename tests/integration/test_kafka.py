"""Kafka ingestion end to end (operations.md "Kafka ingestion"), against `readside kafka-dev`
(librdkafka's mock cluster, started by the test on loopback):

- a node consuming a topic ends with the same stored events and the same read models as a
  node given the same stream over HTTP;
- kill -9 at random moments while a producer writes: after each restart nothing acknowledged
  by Kafka is lost and nothing is stored twice (the stored offsets travel in the same durable
  write as the events);
- POST /events through Kafka answers offsets that min_offsets waits for on another node.
"""

import json
import os
import random
import subprocess
import tempfile
import threading
import time
import unittest

from server import ANALYTICS_ROUTES, ReadsideServer, _track, readside_bin

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
        http.wait_ready()
        for org in ORGS:
            a = [(e["event_id"], e["data"]) for e in all_events(http, org)]
            b = [(e["event_id"], e["data"]) for e in all_events(kafka, org)]
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
        for d in letters:
            self.assertTrue(d["source"].startswith("kafka:erp/"), d)

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
        metrics = node.get("/metrics").raw.decode()
        # A replay of the same store gives the same read models (nothing applied twice).
        replay = ReadsideServer(data_dir=node.data_dir, extra_args=["--access-log", "off"])
        before = {org: read_models(node, org) for org in ORGS}
        node.stop()
        self.addCleanup(replay.close)
        replay.start()
        replay.wait_ready()
        for org in ORGS:
            self.assertEqual(read_models(replay, org), before[org], org)
        self.assertIn("readside_kafka_consumer_lag", metrics)

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
        ready = b.get("/health/ready").json
        self.assertEqual(ready["kafka"]["state"], "up")
        self.assertEqual(ready["kafka"]["lag"], 0)


if __name__ == "__main__":
    unittest.main()
