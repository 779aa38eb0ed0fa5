#!/usr/bin/env python3
"""A minimal live-update client (Python 3 stdlib, RFC 6455): connects to a readside WebSocket
endpoint with the token in Sec-WebSocket-Protocol, sends each MESSAGE, and prints every
message the server sends, one JSON per line, until the server closes (its code and reason go
to stderr; the exit status is 0 for 1000/1001, else 1).

  TOKEN=... tools/live.py ws://127.0.0.1:8080/analytics/real-time/acme-corp \\
      '{"type":"subscribe","domain":"crm","period":"2026-12"}'

Options: --token T (default $TOKEN), --count N (exit after N messages), --origin O.
See docs/live.md for the protocol."""

import argparse
import base64
import os
import socket
import struct
import sys
import urllib.parse


def _recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def send_frame(sock, payload, opcode=1):
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def read_message(sock):
    """(opcode, payload) of the next whole message; pings are answered on the way."""
    parts, first = [], None
    while True:
        b0, b1 = _recv_exact(sock, 2)
        opcode, n = b0 & 0x0F, b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", _recv_exact(sock, 2))[0]
        elif n == 127:
            n = struct.unpack(">Q", _recv_exact(sock, 8))[0]
        payload = _recv_exact(sock, n)
        if opcode == 9:
            send_frame(sock, payload, 10)
            continue
        if opcode >= 8:
            return opcode, payload
        first = opcode if first is None else first
        parts.append(payload)
        if b0 & 0x80:
            return first, b"".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("messages", nargs="*")
    ap.add_argument("--token", default=os.environ.get("TOKEN", ""))
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--origin")
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    if u.scheme != "ws":
        sys.exit("only ws:// URLs (put nginx in front for wss://)")
    sock = socket.create_connection((u.hostname, u.port or 80))
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET %s HTTP/1.1" % (u.path or "/"), "Host: %s" % u.netloc, "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
    if a.token:
        lines.append("Sec-WebSocket-Protocol: bearer, " + a.token)
    if a.origin:
        lines.append("Origin: " + a.origin)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += _recv_exact(sock, 1)
    status = head.split(b"\r\n", 1)[0].decode()
    if " 101 " not in status:
        rest = sock.recv(65536).decode(errors="replace")
        sys.exit("%s\n%s" % (status, rest))
    for m in a.messages:
        send_frame(sock, m.encode())
    seen = 0
    while True:
        opcode, payload = read_message(sock)
        if opcode == 8:
            code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
            print("closed %d %s" % (code, payload[2:].decode(errors="replace")), file=sys.stderr)
            send_frame(sock, payload[:2], 8)
            sys.exit(0 if code in (1000, 1001) else 1)
        print(payload.decode(errors="replace"), flush=True)
        seen += 1
        if a.count and seen >= a.count:
            send_frame(sock, struct.pack(">H", 1000), 8)
            return


if __name__ == "__main__":
    main()
