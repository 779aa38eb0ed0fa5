"""Tracing against a collector on loopback: W3C traceparent in and out, spans for the request,
ingest, the store's group commit and a query, linked to the event's correlation_id, exported
as OTLP/HTTP JSON; and none of it when tracing is off."""

import http.server
import json
import threading
import time
import unittest

from server import ServerTestCase, make_event, ndjson

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
PRODUCER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class Collector:
    """An OTLP/HTTP JSON receiver: keeps every span posted to /v1/traces."""

    def __init__(self):
        self.spans = []
        self.requests = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                doc = json.loads(body)
                with outer.lock:
                    outer.requests += 1
                    for rs in doc["resourceSpans"]:
                        for ss in rs["scopeSpans"]:
                            outer.spans.extend(ss["spans"])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_for(self, check, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                spans = list(self.spans)
            found = check(spans)
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError("spans never arrived; got %s" % [s["name"] for s in spans])


def attrs(span):
    out = {}
    for a in span.get("attributes", []):
        v = a["value"]
        out[a["key"]] = next(iter(v.values()))
    return out


class TracingTest(ServerTestCase):
    def test_spans_of_an_ingest_and_a_query_reach_the_collector_linked_and_propagated(self):
        collector = Collector()
        self.addCleanup(collector.close)
        srv = self.start_server(extra_args=[
            "--otlp-endpoint", "http://127.0.0.1:%d/v1/traces" % collector.port])
        event = make_event(org="trace-org")
        event["correlation_id"] = PRODUCER
        caller = "00-%s-%s-01" % (CALLER_TRACE, CALLER_SPAN)
        r = srv.request("POST", "/events", body=ndjson([event]),
                        headers={"Content-Type": "application/x-ndjson", "traceparent": caller})
        self.assertEqual(r.status, 200, r.describe())
        # Out: the answer names the server span, in the caller's trace.
        out = r.headers["traceparent"].split("-")
        self.assertEqual(out[0], "00")
        self.assertEqual(out[1], CALLER_TRACE)
        self.assertNotEqual(out[2], CALLER_SPAN)
        self.assertEqual(out[3], "01")
        server_span_id = out[2]

        def ingest_spans(spans):
            names = {s["name"] for s in spans if s["traceId"] == CALLER_TRACE}
            return spans if {"POST /events", "ingest", "store.commit"} <= names else None
        spans = [s for s in collector.wait_for(ingest_spans) if s["traceId"] == CALLER_TRACE]
        by_name = {s["name"]: s for s in spans}
        server = by_name["POST /events"]
        self.assertEqual(server["spanId"], server_span_id)
        self.assertEqual(server["parentSpanId"], CALLER_SPAN)
        self.assertEqual(server["kind"], 2)  # SERVER
        self.assertEqual(attrs(server)["http.route"], "/events")
        self.assertEqual(int(attrs(server)["http.response.status_code"]), 200)
        ingest = by_name["ingest"]
        self.assertEqual(ingest["parentSpanId"], server_span_id)
        self.assertEqual(int(attrs(ingest)["readside.events.accepted"]), 1)
        # The event's correlation_id names the producer's span: the ingest span links to it.
        links = [(l["traceId"], l["spanId"]) for l in ingest.get("links", [])]
        self.assertIn(("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"), links)
        commit = by_name["store.commit"]
        self.assertEqual(commit["parentSpanId"], ingest["spanId"])
        self.assertEqual(int(attrs(commit)["readside.events"]), 1)
        self.assertEqual(commit["status"]["code"], 1)  # OK
        for s in (server, ingest, commit):
            self.assertLessEqual(int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"]))
        # The projector's span applying that event is the child of the commit that stored it
        # (the first recorded commit of its batch; later ones are links), in the caller's trace.

        def apply_span(spans):
            for s in spans:
                if s["name"] == "projector.apply" and s.get("parentSpanId") == commit["spanId"]:
                    return s
            return None
        applied = collector.wait_for(apply_span)
        self.assertEqual(applied["traceId"], CALLER_TRACE)
        self.assertEqual(int(attrs(applied)["readside.position.last"]),
                         int(attrs(commit)["readside.position.last"]))

        # A query without a traceparent starts its own trace; its span is the server span, which
        # carries the query's tenant, period and position (no child span of its own).
        q = srv.get("/analytics/dashboard/trace-org?period=2024-03")
        self.assertEqual(q.status, 200, q.describe())
        q_trace, q_span = q.headers["traceparent"].split("-")[1:3]
        self.assertNotEqual(q_trace, CALLER_TRACE)

        def query_spans(spans):
            mine = [s for s in spans if s["traceId"] == q_trace]
            return mine if any(s["name"] == "GET /analytics/dashboard/{org}" for s in mine) else None
        mine = collector.wait_for(query_spans)
        self.assertEqual([s["name"] for s in mine], ["GET /analytics/dashboard/{org}"])
        query = mine[0]
        self.assertEqual(query["spanId"], q_span)
        self.assertNotIn("parentSpanId", query)
        a = attrs(query)
        self.assertEqual(a["readside.organization_id"], "trace-org")
        self.assertEqual(a["readside.period"], "2024-03")
        self.assertEqual(int(a["readside.position"]), int(q.headers["x-readside-position"]))
        self.assertEqual(a["http.route"], "/analytics/dashboard/{org}")
        self.assertEqual(int(a["http.response.status_code"]), 200)

        # A malformed traceparent is ignored (a new trace), never an error.
        bad = srv.request("GET", "/analytics/dashboard/trace-org",
                          headers={"traceparent": "00-XYZ-01"})
        self.assertEqual(bad.status, 200)
        self.assertNotIn(CALLER_TRACE, bad.headers["traceparent"])

        # A correlation_id that is not a traceparent (a business transaction's id) cannot be a
        # link: the ingest span records it, one id, or the distinct ones with their number.
        # A data member of the same name is not the event's.
        one = [make_event(org="trace-org", correlation_id="order-4711",
                          payload={"name": "A", "email": "a@example.com",
                                   "correlation_id": "not-this"}) for _ in range(2)]
        two = [make_event(org="trace-org", correlation_id=c) for c in ("inv-1", "inv-2", "inv-1")]
        tags = []
        for body in (one, two):
            r = srv.request("POST", "/events", body=ndjson(body),
                            headers={"Content-Type": "application/x-ndjson"})
            self.assertEqual(r.status, 200, r.describe())
            tags.append(r.headers["traceparent"].split("-")[1])

        def ingests(spans):
            got = {s["traceId"]: s for s in spans if s["name"] == "ingest" and s["traceId"] in tags}
            return got if len(got) == 2 else None
        got = collector.wait_for(ingests)
        a = attrs(got[tags[0]])
        self.assertEqual(a["readside.correlation_id"], "order-4711")
        self.assertNotIn("readside.correlation_ids", a)
        b = attrs(got[tags[1]])
        self.assertEqual(b["readside.correlation_ids"], "inv-1,inv-2")
        self.assertEqual(int(b["readside.correlation_ids_count"]), 2)
        self.assertNotIn("readside.correlation_id", b)

        # Probes and scrapes are traced only when the caller asks (a sampled traceparent).
        self.assertNotIn("traceparent", srv.get("/health/live").headers)
        self.assertNotIn("traceparent", srv.get("/metrics").headers)
        asked = srv.request("GET", "/health/ready", headers={"traceparent": caller})
        self.assertEqual(asked.headers["traceparent"].split("-")[1], CALLER_TRACE)
        collector.wait_for(lambda spans: [s for s in spans if s["name"] == "GET /health/ready"])
        self.assertFalse([s for s in collector.spans if s["name"] in ("GET /health/live",
                                                                        "GET /metrics")])

        samples = srv.get("/metrics").raw.decode()
        exported = [l for l in samples.splitlines()
                    if l.startswith("readside_trace_spans_exported_total ")]
        self.assertTrue(exported and float(exported[0].split()[1]) >= 5, exported)

    def test_below_ratio_one_every_sampled_ingest_gets_its_commit_and_apply(self):
        """Sampling 0.5, concurrent POSTs, half from sampled callers (flags 01) and half from
        unsampled ones (00), so that group commits mix them. Every sampled caller's trace must
        get its commit (a child of its ingest span, or linked to it when another request of
        the group was the parent) and the apply span of that commit; nothing of an unsampled
        caller is exported."""
        collector = Collector()
        self.addCleanup(collector.close)
        srv = self.start_server(extra_args=[
            "--otlp-endpoint", "http://127.0.0.1:%d/v1/traces" % collector.port,
            "--otlp-sample-ratio", "0.5"])
        callers = {}  # trace id → sampled
        lock = threading.Lock()
        failures = []

        def post(worker):
            for i in range(12):
                trace_id = "%08x%024x" % (worker + 1, i + 1)
                sampled = (worker + i) % 2 == 0
                parent = "00-%s-%016x-%s" % (trace_id, worker * 100 + i + 1, "01" if sampled else "00")
                events = [make_event(org="sample-org") for _ in range(3)]
                r = srv.request("POST", "/events", body=ndjson(events),
                                headers={"Content-Type": "application/x-ndjson",
                                         "traceparent": parent})
                with lock:
                    callers[trace_id] = sampled
                    if r.status != 200:
                        failures.append(r.describe())
        threads = [threading.Thread(target=post, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        sampled = {t for t, s in callers.items() if s}
        unsampled = {t for t, s in callers.items() if not s}

        def complete(spans):
            ingest = {s["traceId"]: s for s in spans if s["name"] == "ingest"}
            if not sampled <= set(ingest):
                return None
            commits = [s for s in spans if s["name"] == "store.commit"]
            applies = [s for s in spans if s["name"] == "projector.apply"]
            result = {}
            for t in sampled:
                mine = ingest[t]["spanId"]
                commit = next((c for c in commits if c.get("parentSpanId") == mine or any(
                    l["spanId"] == mine for l in c.get("links", []))), None)
                if commit is None:
                    return None
                apply = next((a for a in applies if a.get("parentSpanId") == commit["spanId"] or any(
                    l["spanId"] == commit["spanId"] for l in a.get("links", []))), None)
                if apply is None:
                    return None
                result[t] = (commit, apply)
            return result, spans
        found, spans = collector.wait_for(complete)
        self.assertEqual(set(found), sampled)
        exported_traces = {s["traceId"] for s in spans}
        self.assertEqual(exported_traces & unsampled, set())
        for commit, _ in found.values():  # only sampled requests are linked to
            for link in commit.get("links", []):
                self.assertNotIn(link["traceId"], unsampled)

    def test_tracing_off_makes_no_span_and_sends_no_traceparent(self):
        srv = self.start_server()
        caller = "00-%s-%s-01" % (CALLER_TRACE, CALLER_SPAN)
        r = srv.request("GET", "/health/live", headers={"traceparent": caller})
        self.assertEqual(r.status, 200)
        self.assertNotIn("traceparent", r.headers)
        self.assertNotIn("readside_trace_spans", srv.get("/metrics").raw.decode())


if __name__ == "__main__":
    unittest.main()
