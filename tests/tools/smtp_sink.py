#!/usr/bin/python3
"""A loopback SMTP server for readside's tests (Debian's python3-aiosmtpd; run it with
/usr/bin/python3, not a pyenv python).

It binds 127.0.0.1 on the given port (0: any free one) and prints "PORT <n>" on stdout once
it accepts connections. Every accepted message is written to OUT_DIR as NNNN.eml (the bytes
received after DATA) and NNNN.json ({"mail_from", "rcpt_tos", "auth_login",
"auth_mechanism", "tls", "parsed"}, where "parsed" is the message as Python's email package
reads it: decoded subject, Message-ID, addresses, body, defects, and each attachment's name,
type and decoded bytes, written to NNNN.attN); all exist before the server answers 250. It exits on SIGTERM or
when its stdin closes (so it dies with the test that started it).

Modes: --tls-cert/--tls-key offer STARTTLS (--require-starttls refuses mail without it),
--implicit-tls speaks TLS from the first byte (smtps), --auth USER:PASSWORD requires AUTH
(--auth-mechanisms PLAIN restricts the mechanisms offered), --reject-rcpt PREFIX answers
550 to recipients starting with PREFIX, --data-reply "451 …" answers DATA with that reply,
--silent accepts connections and never says a word.
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult


class Handler:
    def __init__(self, out_dir, reject_rcpt, data_reply):
        self.out_dir = out_dir
        self.reject_rcpt = reject_rcpt
        self.data_reply = data_reply
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt and address.startswith(self.reject_rcpt):
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.count += 1
        base = os.path.join(self.out_dir, f"{self.count:04d}")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_login": session.auth_data.login.decode() if session.auth_data else None,
            "auth_mechanism": getattr(session, "readside_mechanism", None),
            "tls": session.ssl is not None,
        }
        meta["parsed"] = parse(envelope.original_content, base)
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Message accepted for delivery"


def parse(raw, base):
    """The message as Python's own MIME parser reads it: headers decoded, parts listed, each
    attachment's bytes written to BASE.attN."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = {
        "subject": str(msg["subject"]),
        "message_id": str(msg["message-id"]),
        "from": str(msg["from"]),
        "to": [str(a.addr_spec) for a in msg["to"].addresses],
        "date": str(msg["date"]),
        "content_type": msg.get_content_type(),
        "defects": [repr(d) for d in msg.defects],
        "body": None,
        "attachments": [],
    }
    for part in msg.iter_parts():
        out["defects"] += [repr(d) for d in part.defects]
        if part.is_attachment():
            name = f"{base}.att{len(out['attachments'])}"
            with open(name, "wb") as f:
                f.write(part.get_payload(decode=True))
            out["attachments"].append({"filename": part.get_filename(),
                                       "content_type": part.get_content_type(), "file": name})
        elif part.get_content_type() == "text/plain":
            out["body"] = part.get_content()
    return out


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        session.readside_mechanism = mechanism
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return authenticate


class Silent(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport  # keep it open, say nothing


async def main(args):
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    handler = Handler(args.out_dir, args.reject_rcpt, args.data_reply)

    def factory():
        if args.silent:
            return Silent()
        options = {}
        if args.auth:
            user, password = args.auth.split(":", 1)
            builtin = {"PLAIN", "LOGIN"}
            keep = set(args.auth_mechanisms.split(",")) if args.auth_mechanisms else builtin
            options.update(auth_required=True, authenticator=make_authenticator(user, password),
                           auth_exclude_mechanism=sorted(builtin - keep))
        if args.implicit_tls:
            options.update(auth_require_tls=False)
        else:
            options.update(tls_context=tls, require_starttls=args.require_starttls)
        return SMTP(handler, hostname="sink.readside.test", **options)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", args.port,
                                      ssl=tls if args.implicit_tls else None)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)

    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not os.read(0, 4096) else None)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    # aiosmtpd warns about its own deprecated attributes and logs session errors the tests
    # cause on purpose; the tests read outcomes from files, not from this process's stderr.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--auth-mechanisms")
    p.add_argument("--reject-rcpt")
    p.add_argument("--data-reply")
    p.add_argument("--silent", action="store_true")
    asyncio.run(main(p.parse_args()))
