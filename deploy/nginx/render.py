#!/usr/bin/env python3
"""Writes a runnable copy of deploy/nginx/readside.conf for given nodes, listen address and
directory (tests, local trials). The copy is the shipped text with a few exact substitutions,
each of which must match, so the tests exercise the same configuration an operator deploys:

    deploy/nginx/render.py --dir /tmp/edge --listen 127.0.0.1:8080 \
        --node 127.0.0.1:8081 --node 127.0.0.1:8082
    nginx -p /tmp/edge -c /tmp/edge/nginx.conf -g 'daemon off;'

Substituted: the upstream's `server` lines, `listen 80;`, every path under /var and /run
(into DIR), the `user` line (the invoking user when root, else dropped), and optionally the
rate limits (--rate-per-ip 5r/s --burst-per-ip 10 ...). Python 3 stdlib only.
"""

import argparse
import os
import pwd
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "readside.conf")

NODES_BEGIN = "# -- nodes (render.py replaces the lines up to \"end of nodes\") --"
NODES_END = "# -- end of nodes --"

# Shipped values of the limits, as they appear in readside.conf.
LIMITS = {
    "rate_per_ip": ("zone=readside_per_ip:10m rate=", "100r/s"),
    "rate_per_token": ("zone=readside_per_token:20m rate=", "50r/s"),
    "burst_per_ip": ("zone=readside_per_ip burst=", "200"),
    "burst_per_token": ("zone=readside_per_token burst=", "100"),
    "max_fails": ("max_fails=", "3"),
    "fail_timeout": ("fail_timeout=", "10s"),
}


class RenderError(Exception):
    pass


def _replace(text, old, new, what):
    if old not in text:
        raise RenderError("readside.conf no longer contains %r (%s): update render.py"
                          % (old, what))
    return text.replace(old, new)


def render(directory, listen, nodes, template=TEMPLATE, **limits):
    """The configuration text for `nodes` ("host:port" list) listening on `listen`, with every
    file under `directory`. `limits`: keys of LIMITS, values as nginx writes them."""
    with open(template) as f:
        text = f.read()
    d = os.path.abspath(directory)
    unknown = set(limits) - set(LIMITS)
    if unknown:
        raise RenderError("unknown limits %s" % sorted(unknown))
    for key in ("max_fails", "fail_timeout"):
        value = limits.pop(key, None)
        if value is not None:
            prefix, shipped = LIMITS[key]
            text = _replace(text, prefix + shipped, prefix + str(value), key)
    # Node lines.
    begin = text.find(NODES_BEGIN)
    end = text.find(NODES_END)
    if begin < 0 or end < begin:
        raise RenderError("readside.conf lost its node markers: update render.py")
    block = text[begin:end]
    m = re.search(r"^\s*server \S+ (.*);$", block, re.M)
    if not m:
        raise RenderError("no server line between the node markers")
    options = m.group(1)
    indent = " " * 8
    lines = "".join("%sserver %s %s;\n" % (indent, n, options) for n in nodes)
    text = text[:begin] + NODES_BEGIN + "\n" + lines + indent + text[end:]
    # Listen address and paths.
    text = _replace(text, "listen 80;", "listen %s;" % listen, "listen")
    text = _replace(text, "/var/lib/nginx/readside/", d + "/tmp/", "temp paths")
    text = _replace(text, "/var/cache/nginx/readside", d + "/cache", "cache path")
    text = _replace(text, "/var/log/nginx/", d + "/", "log paths")
    text = _replace(text, "/run/nginx-readside.pid", d + "/nginx.pid", "pid")
    if os.geteuid() == 0:
        user = pwd.getpwuid(os.geteuid()).pw_name
        text = _replace(text, "user www-data;", "user %s;" % user, "user")
    else:
        text = _replace(text, "user www-data;\n", "", "user")
    for key, value in limits.items():
        if value is None:
            continue
        prefix, shipped = LIMITS[key]
        text = _replace(text, prefix + shipped, prefix + str(value), key)
    return text


def write(directory, listen, nodes, **limits):
    """Renders into DIR/nginx.conf (creating DIR and DIR/tmp); returns the file's path."""
    os.makedirs(os.path.join(directory, "tmp"), exist_ok=True)
    path = os.path.join(directory, "nginx.conf")
    text = render(directory, listen, nodes, **limits)
    with open(path, "w") as f:
        f.write(text)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True, help="directory for nginx.conf, logs, cache, temp")
    ap.add_argument("--listen", required=True, help="HOST:PORT nginx listens on")
    ap.add_argument("--node", action="append", required=True, help="HOST:PORT of a node")
    for key in LIMITS:
        ap.add_argument("--" + key.replace("_", "-"), dest=key,
                        help="default %s" % LIMITS[key][1])
    args = ap.parse_args(argv)
    limits = {k: getattr(args, k) for k in LIMITS if getattr(args, k) is not None}
    try:
        print(write(args.dir, args.listen, args.node, **limits))
    except RenderError as e:
        print("render.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
