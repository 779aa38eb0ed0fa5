"""A minimal RFC 6455 WebSocket client for whole-server tests (Python 3 stdlib only).

    ws = WebSocket.connect(host, port, "/analytics/real-time/acme-corp",
                           protocols=["bearer", token], origin="http://x.example")
    ws.send_json({"type": "subscribe", "domain": "crm", "period": "2024-01"})
    msg = ws.recv_json(timeout=5)          # the next text message, parsed (pings answered)
    code, reason = ws.wait_close(timeout=5)

A refused handshake raises HandshakeRefused with the HTTP status, headers and body. Client
frames are masked; `send_frame` sends any opcode/payload (also invalid ones, for tests of bad
input). Every received message carries the monotonic time it arrived (`Message.at`), to check
message rates. To play a stalled client, pass `rcvbuf=` (SO_RCVBUF, set before connecting so
the TCP window is small) and simply stop calling recv.
"""

import base64
import collections
import hashlib
import json
import os
import socket
import struct
import threading
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

Message = collections.namedtuple("Message", "opcode data at")  # data: bytes; at: monotonic


class HandshakeRefused(Exception):
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            self.json = None
        super().__init__("handshake refused: HTTP %d %r" % (status, body[:300]))


class ConnectionClosed(Exception):
    """Raised by recv once the connection is over; .code/.reason as received (1006: dropped
    without a close frame)."""

    def __init__(self, code, reason):
        self.code, self.reason = code, reason
        super().__init__("connection closed: %s %s" % (code, reason))


class WebSocket:
    def __init__(self, sock, response_headers, leftover):
        self.sock = sock
        self.response_headers = response_headers
        self.subprotocol = response_headers.get("sec-websocket-protocol")
        self._buf = bytearray(leftover)
        self.close_code = None    # set once the peer's close frame (or a drop) was seen
        self.close_reason = None
        self._close_sent = False
        self.auto_pong = True
        self.received = []        # every data message (Message) in arrival order

    # -- connecting ------------------------------------------------------------------------

    @classmethod
    def connect(cls, host, port, path, protocols=None, origin=None, headers=None,
                rcvbuf=None, timeout=10.0):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(timeout)
        try:
            sock.connect((host, port))
            key = base64.b64encode(os.urandom(16)).decode("ascii")
            lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (host, port),
                     "Upgrade: websocket", "Connection: Upgrade",
                     "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
            if protocols:
                lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
            if origin is not None:
                lines.append("Origin: " + origin)
            for k, v in (headers or {}).items():
                lines.append("%s: %s" % (k, v))
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            status, hdrs, rest = _read_http_head(sock, time.monotonic() + timeout)
            if status != 101:
                body = _read_body(sock, hdrs, rest, time.monotonic() + timeout)
                raise HandshakeRefused(status, hdrs, body)
            accept = base64.b64encode(
                hashlib.sha1((key + GUID).encode("ascii")).digest()).decode("ascii")
            if hdrs.get("sec-websocket-accept") != accept:
                raise ConnectionError("bad Sec-WebSocket-Accept %r" %
                                      hdrs.get("sec-websocket-accept"))
            return cls(sock, hdrs, rest)
        except BaseException:
            sock.close()
            raise

    # -- sending ---------------------------------------------------------------------------

    def send_frame(self, opcode, payload=b"", fin=True, mask=True, rsv=0):
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        head = bytearray([(0x80 if fin else 0) | (rsv << 4) | opcode])
        n = len(payload)
        mbit = 0x80 if mask else 0
        if n < 126:
            head.append(mbit | n)
        elif n < 65536:
            head.append(mbit | 126)
            head += struct.pack("!H", n)
        else:
            head.append(mbit | 127)
            head += struct.pack("!Q", n)
        if mask:
            key = os.urandom(4)
            head += key
            payload = _mask(payload, key)
        self.sock.sendall(bytes(head) + payload)

    def send_text(self, text):
        self.send_frame(OP_TEXT, text.encode("utf-8") if isinstance(text, str) else text)

    def send_json(self, obj):
        self.send_text(json.dumps(obj))

    def send_binary(self, data):
        self.send_frame(OP_BINARY, data)

    def ping(self, data=b""):
        self.send_frame(OP_PING, data)

    def close(self, code=1000, reason=""):
        """Sends a close frame (once); does not wait for the answer (see wait_close)."""
        if self._close_sent:
            return
        self._close_sent = True
        try:
            self.send_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode("utf-8"))
        except OSError:
            pass

    def abort(self):
        """Closes the TCP socket without a closing handshake."""
        try:
            self.sock.close()
        except OSError:
            pass

    # -- receiving -------------------------------------------------------------------------

    def recv(self, timeout=10.0):
        """The next data message (text or binary, reassembled) as a Message. Pings are answered
        (auto_pong) and pongs skipped. Raises socket.timeout when nothing came in time and
        ConnectionClosed once the connection is over."""
        deadline = time.monotonic() + timeout
        parts, first_op = [], None
        while True:
            if self.close_code is not None:
                raise ConnectionClosed(self.close_code, self.close_reason)
            fin, opcode, payload = self._read_frame(deadline)
            if opcode == OP_CLOSE:
                self._on_close(payload)
                continue
            if opcode == OP_PING:
                if self.auto_pong and not self._close_sent:
                    self.send_frame(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                continue
            if opcode != OP_CONT:
                first_op = opcode
            parts.append(payload)
            if fin:
                msg = Message(first_op, b"".join(parts), time.monotonic())
                self.received.append(msg)
                return msg

    def recv_json(self, timeout=10.0, **loads):
        """The next text message parsed; `loads` go to json.loads (e.g. parse_float=Decimal)."""
        msg = self.recv(timeout)
        if msg.opcode != OP_TEXT:
            raise AssertionError("expected a text message, got opcode %d" % msg.opcode)
        return json.loads(msg.data.decode("utf-8"), **loads)

    def recv_json_until(self, predicate, timeout=10.0, keep=None, **loads):
        """Reads JSON messages until predicate(msg) holds and returns that one; the messages
        read before it are appended to `keep` (a list) when given. socket.timeout after
        `timeout` seconds in total."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no matching message within %.1fs" % timeout)
            msg = self.recv_json(left, **loads)
            if predicate(msg):
                return msg
            if keep is not None:
                keep.append(msg)

    def wait_close(self, timeout=10.0):
        """Reads (and drops) messages until the connection ends; returns (code, reason).
        (1006, "") when the TCP connection ended without a close frame."""
        deadline = time.monotonic() + timeout
        while self.close_code is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("connection not closed within %.1fs" % timeout)
            try:
                self.recv(left)
            except ConnectionClosed:
                break
        return self.close_code, self.close_reason

    def _on_close(self, payload):
        if len(payload) >= 2:
            self.close_code = struct.unpack("!H", payload[:2])[0]
            self.close_reason = payload[2:].decode("utf-8", "replace")
        else:
            self.close_code, self.close_reason = 1005, ""
        if not self._close_sent:
            self._close_sent = True
            try:
                self.send_frame(OP_CLOSE, payload[:2])
            except OSError:
                pass

    def _read_frame(self, deadline):
        head = self._read_exact(2, deadline)
        fin = bool(head[0] & 0x80)
        opcode = head[0] & 0x0F
        masked = bool(head[1] & 0x80)
        n = head[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read_exact(2, deadline))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read_exact(8, deadline))[0]
        key = self._read_exact(4, deadline) if masked else None
        payload = self._read_exact(n, deadline)
        if masked:
            raise AssertionError("the server sent a masked frame (RFC 6455 5.1 forbids it)")
        return fin, opcode, payload

    def _read_exact(self, n, deadline):
        while len(self._buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            if not chunk:
                self.close_code = self.close_code or 1006
                self.close_reason = self.close_reason or ""
                raise ConnectionClosed(self.close_code, self.close_reason)
            self._buf += chunk
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


class BackgroundReader:
    """Reads one WebSocket on a thread of its own, so that arrival times are not delayed by
    what the test does meanwhile (e.g. ingesting). `messages` holds (arrival time, parsed JSON)
    for every text message; `closed` is (code, reason) once the connection ended."""

    def __init__(self, ws, **loads):
        self.ws = ws
        self.loads = loads
        self.messages = []
        self.closed = None
        self.error = None
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            try:
                msg = self.ws.recv(timeout=0.2)
            except socket.timeout:
                continue
            except ConnectionClosed as e:
                with self._cond:
                    self.closed = (e.code, e.reason)
                    self._cond.notify_all()
                return
            except Exception as e:  # reported by wait_for
                with self._cond:
                    self.error = e
                    self._cond.notify_all()
                return
            parsed = json.loads(msg.data.decode("utf-8"), **self.loads) \
                if msg.opcode == OP_TEXT else None
            with self._cond:
                self.messages.append((msg.at, parsed))
                self._cond.notify_all()

    def wait_for(self, predicate, timeout=10.0):
        """Waits until predicate(messages) is truthy and returns its value; raises
        AssertionError after `timeout` seconds (or when the connection ended first)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(self.messages)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0 or self.closed is not None or self.error is not None:
                    raise AssertionError(
                        "not received within %.1fs (closed %r, error %r); last messages: %r"
                        % (timeout, self.closed, self.error, self.messages[-3:]))
                self._cond.wait(left)

    def stop(self):
        self._stop = True
        self._thread.join(timeout=5)


def _mask(payload, key):
    if not payload:
        return b""
    k = (key * (len(payload) // 4 + 1))[:len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(
        len(payload), "big")


def _read_http_head(sock, deadline):
    data = b""
    while b"\r\n\r\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("no handshake answer")
        sock.settimeout(left)
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("connection closed during the handshake (got %r)" % data)
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    hdrs = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, rest


def _read_body(sock, hdrs, rest, deadline):
    n = int(hdrs.get("content-length", "0") or 0)
    body = rest
    while len(body) < n and time.monotonic() < deadline:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return body[:n]
