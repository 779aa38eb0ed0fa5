"""/metrics as operations.md names it (each component's own metrics, bounded labels), the
process and RocksDB metrics, and what a dependency that fails does: Kafka behind its circuit
breaker, answers that say they are stale."""

import re
import socket
import time
import unittest

from server import ServerTestCase, make_event, ndjson

# operations.md's names (alert rules and dashboards depend on them).
SPEC_METRICS = [
    "readside_ingest_events_total",
    "readside_store_position",
    "readside_applied_position",
    "readside_projection_lag_events",
    "readside_projection_lag_seconds",
    "readside_http_request_duration_seconds_bucket",
    "readside_http_request_duration_seconds_count",
    "readside_ws_connections",
    "readside_ws_dropped_messages_total",
    "readside_report_runs_total",
    "readside_dead_letters_total",
    "readside_data_dir_free_bytes",
    "readside_rocksdb_live_sst_bytes",
    "readside_rocksdb_memtable_bytes",
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "process_open_fds",
    "process_max_fds",
    "process_start_time_seconds",
]

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """[(name, {label: value}, float)] for every sample; fails on a malformed line."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "malformed exposition line: %r" % line
        labels = dict(LABEL.findall(m.group(3) or ""))
        samples.append((m.group(1), labels, float(m.group(4))))
    return samples


def value(samples, name, **labels):
    for n, l, v in samples:
        if n == name and all(l.get(k) == want for k, want in labels.items()):
            return v
    raise AssertionError("no sample %s%s" % (name, labels))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MetricsTest(ServerTestCase):
    def test_every_named_metric_is_there_with_route_templates_not_paths(self):
        srv = self.start_server()
        orgs = ["obs-org-%d" % i for i in range(3)]
        events = [make_event(org=orgs[i % 3]) for i in range(30)]
        posted = srv.post_events(ndjson(events), "application/x-ndjson")
        self.assertEqual(posted.status, 200)
        srv.wait_ready(caught_up_to=posted.json["position"])
        # Many distinct paths: tenants, unknown paths, odd methods. None may become a label.
        for i in range(40):
            srv.get("/analytics/dashboard/obs-org-%d" % (i % 3))
            srv.get("/no/such/path/%d" % i)
            srv.get("/analytics/crm/unknown-org-%d" % i)
        srv.request("BREW", "/events")
        samples = parse_metrics(srv.get("/metrics").raw.decode())
        names = {n for n, _, _ in samples}
        for name in SPEC_METRICS:
            self.assertIn(name, names)
        self.assertEqual(value(samples, "readside_ingest_events_total", outcome="accepted",
                               source="http"), 30)
        self.assertEqual(value(samples, "readside_store_position"), 30)
        self.assertEqual(value(samples, "readside_http_request_duration_seconds_count",
                               route="/events", method="POST", status_class="2xx"), 1)
        self.assertEqual(value(samples, "readside_http_request_duration_seconds_count",
                               route="unmatched", method="GET", status_class="4xx"), 40)
        self.assertGreaterEqual(value(samples, "readside_http_request_duration_seconds_count",
                                      route="/analytics/dashboard/{org}", method="GET",
                                      status_class="2xx"), 1)
        # Bounded cardinality: no label value is a path, a tenant or an unknown method.
        routes, methods = set(), set()
        for n, labels, _ in samples:
            for k, v in labels.items():
                self.assertNotIn("obs-org", v, "%s{%s} names a tenant" % (n, labels))
                self.assertNotIn("unknown-org", v, "%s{%s} names a tenant" % (n, labels))
                self.assertNotIn("/no/such", v, "%s{%s} is a path" % (n, labels))
            if "route" in labels:
                routes.add(labels["route"])
            if "method" in labels:
                methods.add(labels["method"])
        self.assertIn("other", methods)
        self.assertNotIn("BREW", methods)
        self.assertLessEqual(methods, {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
                                       "PATCH", "CONNECT", "other"})
        for r in routes:
            self.assertTrue(r == "unmatched" or r.startswith("/") or r == "web app", r)
        # Nothing behind: no tenant-labelled lag series.
        self.assertEqual(value(samples, "readside_projection_lag_events"), 0)
        self.assertNotIn("readside_projection_tenant_lag_events", names)
        # Process and disk metrics are real numbers.
        self.assertGreater(value(samples, "process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(value(samples, "process_open_fds"), 3)
        self.assertGreater(value(samples, "process_max_fds"), value(samples, "process_open_fds"))
        self.assertGreater(value(samples, "process_start_time_seconds"), time.time() - 3600)
        self.assertLessEqual(value(samples, "process_start_time_seconds"), time.time() + 1)
        self.assertGreater(value(samples, "readside_data_dir_free_bytes"), 0)
        self.assertGreaterEqual(value(samples, "readside_data_dir_size_bytes"),
                                value(samples, "readside_data_dir_free_bytes"))
        self.assertGreater(value(samples, "readside_rocksdb_memtable_bytes"), 0)
        # Every metric family is declared once (a second registration would repeat # TYPE).
        types = re.findall(r"^# TYPE (\S+) ", srv.get("/metrics").raw.decode(), re.M)
        self.assertEqual(len(types), len(set(types)), "a metric family is declared twice")


class KafkaDownTest(ServerTestCase):
    def test_an_unreachable_kafka_opens_the_breaker_and_answers_say_they_are_stale(self):
        port = free_port()  # nothing listens there
        srv = self.start_server(extra_args=[
            "--kafka-brokers", "127.0.0.1:%d" % port, "--kafka-topics", "obs-events",
            "--kafka-config", "message.timeout.ms=1000"])
        event = make_event(org="stale-org")
        # Each publication waits for its delivery timeout (1 s) and fails: 503.
        for _ in range(3):
            r = srv.post_events(ndjson([event]), "application/x-ndjson")
            self.assertProblem(r, 503)
            self.assertIn("retry-after", r.headers)
        # The breaker is open: the next one is answered at once, saying why.
        started = time.monotonic()
        r = srv.post_events(ndjson([event]), "application/x-ndjson")
        took = time.monotonic() - started
        self.assertProblem(r, 503)
        self.assertIn("circuit breaker", r.json["detail"])
        self.assertLess(took, 0.9, "an open breaker must not wait for Kafka")
        samples = parse_metrics(srv.get("/metrics").raw.decode())
        self.assertEqual(value(samples, "readside_dependency_up", dependency="kafka"), 0)
        self.assertEqual(value(samples, "readside_dependency_breaker_state", dependency="kafka",
                               state="open"), 1)
        self.assertEqual(value(samples, "readside_dependency_breaker_state", dependency="kafka",
                               state="closed"), 0)
        ready = srv.get("/health/ready").json
        self.assertEqual(ready["dependencies"]["kafka"]["breaker"], "open")
        self.assertFalse(ready["dependencies"]["kafka"]["up"])
        # The API still answers reads, and says they may be behind, and by how much.
        r = srv.get("/analytics/dashboard/stale-org")
        self.assertEqual(r.status, 200, r.describe())
        self.assertIs(r.json["stale"], True)
        self.assertGreaterEqual(r.json["stale_seconds"], 3)
        time.sleep(1.1)
        again = srv.get("/analytics/dashboard/stale-org").json
        self.assertGreater(again["stale_seconds"], r.json["stale_seconds"],
                           "a stale answer is not cached: its age grows")
        # The other analytics answers say so too.
        for path in ("/analytics/series/stale-org?domain=crm&metric=leads_new",
                     "/analytics/metrics/live/stale-org", "/analytics/data-quality/stale-org"):
            other = srv.get(path)
            self.assertEqual(other.status, 200, other.describe())
            self.assertIs(other.json["stale"], True, path)
            self.assertGreaterEqual(other.json["stale_seconds"], 3, path)


class FreshAnswersTest(ServerTestCase):
    def test_answers_of_a_caught_up_node_are_not_stale_and_carry_no_stale_seconds(self):
        srv = self.start_server()
        pos = srv.post_events(ndjson([make_event(org="fresh-org")]),
                              "application/x-ndjson").json["position"]
        srv.wait_ready(caught_up_to=pos)
        r = srv.get("/analytics/dashboard/fresh-org")
        self.assertEqual(r.status, 200, r.describe())
        self.assertIs(r.json["stale"], False)
        self.assertNotIn("stale_seconds", r.json)
        for path in ("/analytics/series/fresh-org?domain=crm&metric=leads_new",
                     "/analytics/metrics/live/fresh-org", "/analytics/data-quality/fresh-org"):
            other = srv.get(path)
            self.assertEqual(other.status, 200, other.describe())
            self.assertIs(other.json["stale"], False, path)
            self.assertNotIn("stale_seconds", other.json, path)


if __name__ == "__main__":
    unittest.main()
