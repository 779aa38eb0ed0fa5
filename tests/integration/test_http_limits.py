"""Connection pressure and protocol strictness (issue: 10,000 idle connections from one client
locked everyone out, /health/live included; SIGTERM cut off a pending min_position wait).

- A per-address connection cap: one client holding its whole quota does not lock out others.
- A short timeout for a connection that has not sent a complete header.
- Health checks answered while every slot is taken (a reserve of health-only connections).
- SIGTERM answers a pending min_position wait at once with 503 and Retry-After.
- HTTP/1.1 without Host, and a repeated query parameter, are 400 problem+json.
"""

import signal
import socket
import threading
import time
import unittest

from server import ServerTestCase, raw_request


def _hold(srv, n):
    socks = []
    for _ in range(n):
        socks.append(socket.create_connection((srv.host, srv.port), timeout=10))
    return socks


def _status_of(sock, request=b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"):
    sock.sendall(request)
    data = sock.recv(4096)
    return int(data.split(b" ")[1]) if data else None


class HttpLimitsTest(ServerTestCase):
    def test_one_address_cannot_take_every_connection(self):
        srv = self.start_server(extra_args=["--max-connections-per-ip", "20",
                                            "--max-connections", "1000"])
        held = _hold(srv, 20)
        self.addCleanup(lambda: [s.close() for s in held])
        for s in held[:3]:
            self.assertEqual(_status_of(s), 200)
        # The 21st connection from 127.0.0.1 is over its address's cap: health only.
        extra = socket.create_connection((srv.host, srv.port), timeout=10)
        self.addCleanup(extra.close)
        self.assertEqual(_status_of(extra, b"GET /events/acme-corp HTTP/1.1\r\nHost: x\r\n\r\n"),
                         503)
        # Another address (127.0.0.2 is loopback too) is served as usual.
        other = socket.create_connection((srv.host, srv.port), timeout=10,
                                         source_address=("127.0.0.2", 0))
        self.addCleanup(other.close)
        token = srv.token.encode()
        self.assertEqual(_status_of(other, b"GET /events/acme-corp HTTP/1.1\r\nHost: x\r\n"
                                           b"Authorization: Bearer " + token + b"\r\n\r\n"), 200)
        # Closing held connections frees the address's slots.
        for s in held:
            s.close()
        deadline = time.monotonic() + 10
        while srv.get("/events/acme-corp").status != 200:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)

    def test_health_is_answered_while_every_slot_is_taken(self):
        srv = self.start_server(extra_args=["--max-connections", "30",
                                            "--max-connections-per-ip", "0"])
        held = _hold(srv, 30)
        self.addCleanup(lambda: [s.close() for s in held])
        for s in held:
            self.assertEqual(_status_of(s), 200)  # every slot is a live keep-alive connection
        for path in ("/health/live", "/health/ready"):
            r = srv.get(path, token=None, timeout=5)
            self.assertEqual(r.status, 200, r.describe())

    def test_a_connection_without_a_complete_header_is_cut_off_early(self):
        srv = self.start_server(extra_args=["--header-timeout-ms", "300",
                                            "--request-timeout-ms", "30000"])
        s = socket.create_connection((srv.host, srv.port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")  # never finished
        start = time.monotonic()
        self.assertEqual(s.recv(4096), b"")  # closed by the server
        self.assertLess(time.monotonic() - start, 5, "the header timeout did not apply")
        self.assertEqual(srv.get("/health/live").status, 200)

    def test_sigterm_answers_a_pending_min_position_wait_at_once(self):
        srv = self.start_server()
        result = {}

        def wait():
            result["r"] = srv.get("/analytics/dashboard/acme-corp?min_position=999999&wait_ms=20000")

        t = threading.Thread(target=wait)
        t.start()
        time.sleep(0.3)  # let the request reach its wait (no evidence to poll from outside)
        start = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        t.join(15)
        self.assertFalse(t.is_alive(), "the waiting request got no answer")
        r = result["r"]
        self.assertProblem(r, 503)
        self.assertEqual(r.headers.get("retry-after"), "1")
        self.assertIn("shutting down", r.json["detail"])
        self.assertEqual(srv.proc.wait(15), 0)
        self.assertLess(time.monotonic() - start, 3, "shutdown waited for the min_position wait")

    def test_http11_without_host_is_400(self):
        srv = self.start_server()
        s = socket.create_connection((srv.host, srv.port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(b"GET /health/live HTTP/1.1\r\n\r\n")
        data = s.recv(4096)
        self.assertIn(b" 400 ", data.split(b"\r\n")[0])
        self.assertIn(b"Host", data)
        # HTTP/1.0 has no such rule.
        s2 = socket.create_connection((srv.host, srv.port), timeout=10)
        self.addCleanup(s2.close)
        s2.sendall(b"GET /health/live HTTP/1.0\r\n\r\n")
        self.assertIn(b" 200 ", s2.recv(4096).split(b"\r\n")[0])

    def test_a_repeated_query_parameter_is_400(self):
        srv = self.start_server()
        r = srv.get("/analytics/dashboard/acme-corp?period=2024-01&period=2024-02")
        self.assertProblem(r, 400)
        self.assertEqual(r.json["errors"][0]["field"], "period", r.describe())
        self.assertEqual(srv.get("/analytics/dashboard/acme-corp?period=2024-01").status, 200)


if __name__ == "__main__":
    unittest.main()
