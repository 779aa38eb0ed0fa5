#!/usr/bin/env python3
"""Helpers of bench/dashboard_bench.sh (Python standard library only).

Subcommands (each prints to stdout):
  period FILE ORG               the month (YYYY-MM) to benchmark: the latest month whose event
                                count for ORG is at least half of the busiest month's
  bounds YYYY-MM                "START END" in the events' timestamp format
  nextday FILE                  RFC 3339 midnight after the file's last timestamp
  freeport                      a free loopback TCP port
  cpusnap PID...                JSON: CPU ticks of the processes, and the machine's busy/total
  wrkrec ...                    one JSON result line for a wrk run (see --help of the parser)
  hist BEFORE AFTER ROUTE       JSON: handling-time quantiles of ROUTE from two /metrics scrapes
  compare DASHBOARD SQL_CSV     JSON: the SQL's numbers against readside's dashboard
  pgbench OUT LOG_PREFIX        JSON: tps and latency quantiles of one pgbench run
  mkdash URL ORG PERIOD FILE     makes ORG's default dashboard the widgets of FILE (@PERIOD@ →
                                PERIOD) through the HTTP API ($READSIDE_TOKEN, an admin):
                                DELETE of every other widget, POST of each missing one; prints
                                JSON: the changes made and what GET /dashboards/ORG answers
  report RESULTS.jsonl OUT.md   renders the results file
"""

import argparse
import datetime as dt
import glob
import json
import os
import re
import socket
import statistics
import sys
from decimal import Decimal


# ---------------------------------------------------------------- small helpers

def cmd_period(a):
    counts = {}
    needle = '"organization_id":"%s"' % a.org
    with open(a.file, encoding="utf-8") as f:
        for line in f:
            if needle not in line:
                continue
            m = re.search(r'"timestamp":"(\d{4}-\d{2})', line)
            if m:
                counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    if not counts:
        sys.exit("no events of %s in %s" % (a.org, a.file))
    busiest = max(counts.values())
    print(max(m for m, c in counts.items() if c * 2 >= busiest))


def cmd_bounds(a):
    y, m = map(int, a.period.split("-"))
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    print("%04d-%02d-01T00:00:00.000Z %04d-%02d-01T00:00:00.000Z" % (y, m, ny, nm))


def cmd_nextday(a):
    last = None
    with open(a.file, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 65536))
        for line in f.read().decode("utf-8", "replace").splitlines():
            m = re.search(r'"timestamp":"(\d{4}-\d{2}-\d{2})', line)
            if m:
                last = m.group(1)
    d = dt.date.fromisoformat(last) + dt.timedelta(days=1)
    print(d.isoformat() + "T00:00:00Z")


def cmd_headcheck(a):
    """Sends HEAD and GET for PATH on one keep-alive connection; reports what came back."""
    host, port = a.url[len("http://"):].rstrip("/").rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=3)
    s.sendall(("HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n" % a.path).encode())
    data = b""
    s.settimeout(0.5)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    cl = re.search(rb"(?i)content-length:\s*(\d+)", head)
    print(json.dumps({"status_line": head.split(b"\r\n")[0].decode(errors="replace"),
                      "content_length": int(cl.group(1)) if cl else None,
                      "bytes_after_headers": len(rest),
                      "has_request_id": b"x-request-id" in head.lower()}))


def http_json(method, url, body=None):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(url, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + os.environ["READSIDE_TOKEN"],
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            data = r.read()
            return r.status, (json.loads(data) if data else None), len(data)
    except urllib.error.HTTPError as e:
        sys.exit("%s %s: %d %s" % (method, url, e.code, e.read().decode(errors="replace")))


def cmd_mkdash(a):
    """The same setup as bench/dashboards_handler_bench.cc, over HTTP."""
    wanted = json.loads(open(a.file, encoding="utf-8").read().replace("@PERIOD@", a.period))
    keys = ("widget_type", "title", "data_source", "query_params", "grid")
    same = lambda have, want: all(k in have and k in want and have[k] == want[k] for k in keys)
    base = a.url.rstrip("/") + "/dashboards/" + a.org
    _, current, _ = http_json("GET", base + "/default")
    present = [False] * len(wanted)
    changes = 0
    for w in current["widgets"]:
        i = next((i for i, x in enumerate(wanted) if not present[i] and same(w, x)), None)
        if i is not None:
            present[i] = True
            continue
        http_json("DELETE", "%s/widgets/%s?dashboard_id=default" % (base, w["widget_id"]))
        changes += 1
    for i, w in enumerate(wanted):
        if not present[i]:
            http_json("POST", base + "/widgets", dict(w, dashboard_id="default"))
            changes += 1
    status, got, size = http_json("GET", base)
    widgets = got["widgets"]
    bad = [w["title"] for w in widgets
           if w.get("forbidden") or w.get("error") or w.get("cached_data") is None]
    chart = [len(w["cached_data"]["points"]) for w in widgets if w["widget_type"] == "chart"]
    if len(widgets) != len(wanted) or bad or chart != [12]:
        sys.exit("GET %s: %d widgets, without data: %s, chart points: %s"
                 % (base, len(widgets), bad, chart))
    print(json.dumps({"kind": "dashboards_setup", "changes": changes, "widgets": len(widgets),
                      "version": got["version"], "position": got["position"], "bytes": size,
                      "types": sorted({w["widget_type"] for w in widgets}),
                      "domains": sorted({w["data_source"] for w in widgets})}))


def cmd_runcpu(a):
    """Runs a command; writes its CPU seconds (user + system, children included) to a file."""
    import resource
    import subprocess
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    rc = subprocess.call(cmd)
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(a.out, "w") as f:
        f.write(str(r.ru_utime + r.ru_stime))
    sys.exit(rc)


def cpu_sample(seconds):
    import time

    def read():
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:]]
        return sum(cpu), cpu[3] + cpu[4]

    t0, i0 = read()
    time.sleep(seconds)
    t1, i1 = read()
    return (i1 - i0) / max(1, t1 - t0)


def cmd_quiet(a):
    """Waits until the machine is mostly idle (foreign load from other users of the VM)."""
    import time
    deadline = time.time() + a.max_wait
    idle = cpu_sample(2)
    while idle < a.idle and time.time() < deadline:
        idle = cpu_sample(2)
    print("%.2f" % idle)


def cmd_freeport(a):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def cmd_cpusnap(a):
    ticks = 0
    rss_kb = 0
    for pid in a.pids:
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            with open("/proc/%s/status" % pid) as f:
                m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
                rss_kb += int(m.group(1)) if m else 0
        except (OSError, IndexError):
            pass
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    print(json.dumps({"ticks": ticks, "rss_kb": rss_kb, "busy": sum(cpu) - idle,
                      "total": sum(cpu),
                      "hz": os.sysconf("SC_CLK_TCK")}))


def to_ms(value, unit):
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def parse_wrk(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    out = {"rps": None, "p50_ms": None, "p90_ms": None, "p99_ms": None, "requests": 0,
           "non2xx": 0, "socket_errors": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        out["rps"] = float(m.group(1))
    for q in ("50", "90", "99"):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s|m)\s*$" % q, text, re.M)
        if m:
            out["p%s_ms" % q] = to_ms(m.group(1), m.group(2))
    m = re.search(r"(\d+) requests in", text)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["socket_errors"] = sum(int(x) for x in m.groups())
    return out


def parse_hist(path, route):
    """Cumulative buckets {le_seconds: count}, sum and count of one route's histogram."""
    buckets, total, ssum = {}, 0, 0.0
    pat = re.compile(r'^readside_http_handling_seconds_(bucket|sum|count)\{route="%s"'
                     r'(?:,le="([^"]+)")?\}\s+(\S+)$' % re.escape(route))
    if path and os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            m = pat.match(line.strip())
            if not m:
                continue
            kind, le, value = m.groups()
            if kind == "bucket":
                buckets[float("inf") if le == "+Inf" else float(le)] = int(float(value))
            elif kind == "sum":
                ssum = float(value)
            else:
                total = int(float(value))
    return buckets, ssum, total


def hist_delta(before, after, route):
    b0, s0, c0 = parse_hist(before, route)
    b1, s1, c1 = parse_hist(after, route)
    n = c1 - c0
    if n <= 0:
        return {"route": route, "count": 0}
    edges = sorted(b1)
    cum = [(le, b1[le] - b0.get(le, 0)) for le in edges]

    def q(p):  # upper bound of the bucket holding the p-quantile, as Histogram::Quantile
        rank = max(1, int(p * n + 0.5))
        for le, c in cum:
            if c >= rank:
                return le * 1e6 if le != float("inf") else float("inf")
        return float("inf")

    return {"route": route, "count": n, "mean_us": (s1 - s0) / n * 1e6,
            "p50_us": q(0.5), "p90_us": q(0.9), "p99_us": q(0.99)}


def cmd_hist(a):
    print(json.dumps(hist_delta(a.before, a.after, a.route)))


def cmd_wrkrec(a):
    rec = {"kind": "wrk", "target": a.target, "rep": a.rep, "url": a.url}
    rec.update(parse_wrk(a.wrk))
    c0, c1 = json.load(open(a.cpu0)), json.load(open(a.cpu1))
    secs = (c1["total"] - c0["total"]) / c0["hz"] / (os.cpu_count() or 1)
    rec["machine_busy"] = (c1["busy"] - c0["busy"]) / max(1, c1["total"] - c0["total"])
    server_cpu_s = (c1["ticks"] - c0["ticks"]) / c0["hz"]
    rec["server_cpu_cores"] = server_cpu_s / secs if secs > 0 else None
    if rec["requests"]:
        rec["server_cpu_us_per_req"] = server_cpu_s / rec["requests"] * 1e6
    if a.wrkcpu:
        wrk_s = float(open(a.wrkcpu).read())
        rec["wrk_cpu_cores"] = wrk_s / secs if secs > 0 else None
        busy_s = (c1["busy"] - c0["busy"]) / c0["hz"]
        rec["foreign_cpu_cores"] = max(0.0, busy_s - server_cpu_s - wrk_s) / secs if secs > 0 else None
    rec["idle_before"] = a.idle_before
    rec["server_rss_mb_after"] = c1.get("rss_kb", 0) / 1024
    if a.metrics0 and a.metrics1:
        rec["server_hist"] = hist_delta(a.metrics0, a.metrics1, a.route)
    print(json.dumps(rec))


# ---------------------------------------------------------------- SQL check

def cmd_compare(a):
    dash = json.load(open(a.dashboard))
    lines = [l for l in open(a.sql_csv, encoding="utf-8").read().splitlines() if l.strip()]
    header, values = lines[0].split(","), lines[1].split(",")
    section_of = {
        "leads_new": "crm", "leads_total": "crm", "contacts_new": "crm",
        "activities_total": "crm", "opportunities_new": "crm", "opportunities_won": "crm",
        "opportunities_lost": "crm", "won_value": "crm", "pipeline_value": "crm",
        "new_hires": "hrm", "total_employees": "hrm", "attendance_checkins": "hrm",
        "total_revenue": "finance", "invoices_created": "finance",
        "payments_received": "finance", "accounts_receivable": "finance",
        "units_on_hand": "inventory", "orders_created": "inventory",
        "reorders_triggered": "inventory", "hours_logged": "projects",
        "billable_hours": "projects", "tasks_created": "projects"}
    rows = []
    for name, value in zip(header, values):
        sec = section_of.get(name)
        rs = dash.get(sec, {}).get(name) if sec else None
        sql = Decimal(value)
        equal = rs is not None and Decimal(str(rs)) == sql
        rows.append({"metric": "%s.%s" % (sec, name), "readside": rs, "sql": value,
                     "equal": equal})
    print(json.dumps({"kind": "sqlcheck", "rows": rows,
                      "mismatches": sum(1 for r in rows if not r["equal"])}))


PROFILE_FUNCS = [  # (label, substring of the symbol perf reports)
    ("handler (Router::Dispatch, excl. Send)", "readside::http::Router::Dispatch"),
    ("DashboardBody (JSON)", "readside::query::DashboardBody"),
    ("tenant counts (RocksDB)", "readside::store::EventStore::GetTenantCounts"),
    ("ResponseCache::Find", "readside::http::ResponseCache::Find"),
    ("ResponseCache::Put", "readside::http::ResponseCache::Put"),
    ("Session::Send (serialize + write)", "Session::Send("),
    ("sendmsg syscall", "__libc_sendmsg"),
    ("recvmsg syscall", "__libc_recvmsg"),
    ("epoll_wait", "epoll_wait"),
]


def cmd_perfshares(a):
    """Inclusive CPU shares of a few functions from `perf report --children --sort sym`."""
    best = {}
    for line in open(a.perf, encoding="utf-8", errors="replace"):
        m = re.match(r"\s+([\d.]+)%\s+([\d.]+)%\s+\[[.k]\]\s+(.*)$", line)
        if not m:
            continue
        children, sym = float(m.group(1)), m.group(3)
        for label, needle in PROFILE_FUNCS:
            if needle in sym and "(inlined)" not in sym:
                best[label] = max(best.get(label, 0.0), children)
    disp = best.get("handler (Router::Dispatch, excl. Send)")
    send = best.get("Session::Send (serialize + write)", 0.0)
    if disp is not None:
        # Send runs inline under Dispatch (the responder dispatches to the session's strand).
        best["handler (Router::Dispatch, excl. Send)"] = max(0.0, disp - send)
    shares = {label: round(best[label], 1) for label, _ in PROFILE_FUNCS if label in best}
    print(json.dumps({"kind": "profile", "target": a.target, "shares": shares}))


def cmd_pgbench(a):
    text = open(a.out, encoding="utf-8", errors="replace").read()
    rec = {"kind": "pgbench", "clients": a.clients}
    m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", text)
    rec["tps"] = float(m.group(1)) if m else None
    m = re.search(r"latency average = ([\d.]+) ms", text)
    rec["latency_avg_ms"] = float(m.group(1)) if m else None
    m = re.search(r"number of transactions actually processed: (\d+)", text)
    rec["transactions"] = int(m.group(1)) if m else 0
    m = re.search(r"number of failed transactions: (\d+)", text)
    rec["failed"] = int(m.group(1)) if m else 0
    lat = []
    for path in glob.glob(a.log_prefix + "*"):
        for line in open(path):
            parts = line.split()
            if len(parts) >= 3:
                lat.append(int(parts[2]) / 1000.0)  # µs → ms
    lat.sort()
    if lat:
        rec["p50_ms"] = lat[int(0.5 * (len(lat) - 1))]
        rec["p99_ms"] = lat[int(0.99 * (len(lat) - 1))]
    print(json.dumps(rec))


# ---------------------------------------------------------------- report

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, digits=0, unit=""):
    if x is None:
        return "n/a"
    if x == float("inf"):
        return "> 1 s"
    if digits == 0:
        return "{:,.0f}{}".format(x, unit)
    return "{:,.{}f}{}".format(x, digits, unit)


LOG_TARGETS = ("readside-log", "nginx-log", "nginx-log-buf")


def access_log_section(w, wrk_log, by, paired, col, logcheck, rounds):
    w("### The same pair with the access log on for both servers")
    w("")
    w("After the rounds above readside restarts on the same data with `--access-log FILE` "
      "(`readside-log`); nginx serves the same bytes from two more `server` blocks that log "
      "every request to a file with a JSON `log_format` of readside's fields (`escape=json`; "
      "`$time_iso8601`, `$request_id`, `$remote_addr:$remote_port`, `$request_method`, "
      "`$uri`, `$status`, `$request_time`): `nginx-log` writes as nginx does by default (one "
      "write per request), `nginx-log-buf` with `buffer=64k flush=1s` (batched, as readside's "
      "writer thread does every 10 ms). %d interleaved rounds, same wrk command." % rounds)
    w("")
    w("| round | target | req/s | wrk p99 ms | histogram p50 / p99 µs | server CPU µs/req | server cores | other cores |")
    w("|---|---|---|---|---|---|---|---|")
    order = {t: i for i, t in enumerate(LOG_TARGETS)}
    for r in sorted(wrk_log, key=lambda r: (r["rep"], order[r["target"]])):
        h = r.get("server_hist")
        hs = ("%s / %s" % (fmt(h["p50_us"]), fmt(h["p99_us"]))) if h and h.get("count") else "—"
        w("| %s | %s | %s | %s | %s | %s | %s | %s |"
          % (r["rep"], r["target"], fmt(r.get("rps")), fmt(r.get("p99_ms"), 2), hs,
             fmt(r.get("server_cpu_us_per_req"), 1), fmt(r.get("server_cpu_cores"), 2),
             fmt(r.get("foreign_cpu_cores"), 2)))
    w("")
    w("Medians: " + "; ".join(
        "%s %s req/s (%s CPU-µs/req)" % (t, fmt(med(col(t, "rps"))),
                                         fmt(med(col(t, "server_cpu_us_per_req")), 1))
        for t in LOG_TARGETS if by.get(t)) +
      ". Median of per-round ratios: readside-log / nginx-log %s×, readside-log / "
      "nginx-log-buf %s×; without logs (above) readside / nginx %s×."
      % (fmt(paired("readside-log", "nginx-log"), 2), fmt(paired("readside-log", "nginx-log-buf"), 2),
         fmt(paired("readside", "nginx"), 2)))
    w("")
    if logcheck:
        complete = (logcheck.get("readside_dashboard_lines") == logcheck.get("readside_dashboard_requests")
                    and not logcheck.get("readside_bad_lines"))
        w("Log check after readside stopped: %s dashboard lines in its log for %s dashboard "
          "requests counted by its histogram, %s lines that are not JSON, %s dropped "
          "(`readside_access_log_dropped_total`), %s MB written%s. nginx wrote %s and %s lines."
          % (fmt(logcheck.get("readside_dashboard_lines")),
             fmt(logcheck.get("readside_dashboard_requests")), logcheck.get("readside_bad_lines"),
             logcheck.get("readside_dropped"), fmt(logcheck.get("readside_log_bytes", 0) / 1e6),
             "" if complete else " — **the log is not complete**",
             fmt(logcheck.get("nginx_lines")), fmt(logcheck.get("nginx_buf_lines"))))
        w("")


def dashboards_rows(w, by, col, hcol, paired, recs):
    """Summary rows of GET /dashboards/{org} (12 widgets) beside /analytics/dashboard."""
    setup = next((r for r in recs if r.get("kind") == "dashboards_setup"), None)
    hs = [r for r in recs if r.get("kind") == "dashboards_handler"]
    if by.get("readside-dashboards"):
        w("| `GET /dashboards/{org}`, %s widgets (%s over %s; `bench/dashboard_widgets.json`, "
          "%s bytes), in the same wrk rounds as the row above (same server, token, -t/-c), "
          "median of %d runs | %s req/s, wrk p50 / p90 / p99 %s / %s / %s ms | | "
          "`/analytics/dashboard/{org}` (response-cached): %s req/s | %s× (median of per-round "
          "ratios) |"
          % (setup and setup["widgets"], setup and ", ".join(setup["types"]),
             setup and ", ".join(setup["domains"]), setup and setup["bytes"],
             len(by["readside-dashboards"]), fmt(med(col("readside-dashboards", "rps"))),
             fmt(med(col("readside-dashboards", "p50_ms")), 2),
             fmt(med(col("readside-dashboards", "p90_ms")), 2),
             fmt(med(col("readside-dashboards", "p99_ms")), 2), fmt(med(col("readside", "rps"))),
             fmt(paired("readside-dashboards", "readside"), 2)))
        w("| `GET /dashboards/{org}` handling time under wrk (its `readside_http_handling_seconds` "
          "histogram, bucket upper bounds, median of runs): p50 / p99 | %s / %s µs | p99 ≤ 1 ms "
          "| | |" % (fmt(med(hcol("readside-dashboards", "p50_us"))),
                     fmt(med(hcol("readside-dashboards", "p99_us")))))
    for h in hs:
        d, a = h["dashboards_dispatch"], h["analytics_dashboard_uncached_dispatch"]
        c, cs = h.get("dashboards_dispatch_cpu", {}), h.get("dashboards_context_switches", {})
        w("| `GET /dashboards/{org}` handler in-process (`dashboards_handler_bench`, Gate + "
          "Router, %d thread%s, %s calls): p50 / p99 / p99.9 wall (on-CPU p99 / p99.9; the "
          "measuring threads were preempted %s times and waited %s times) | %s / %s / %s µs "
          "(%s / %s µs) | p99 ≤ 1 ms | `/analytics/dashboard/{org}` built (no cache) in the same "
          "process: p50 / p99 %s / %s µs | |"
          % (h["threads"], "" if h["threads"] == 1 else "s", d["n"], cs.get("involuntary"),
             cs.get("voluntary"), fmt(d["p50_us"], 1), fmt(d["p99_us"], 1),
             fmt(d["p999_us"], 1), fmt(c.get("p99_us"), 1), fmt(c.get("p999_us"), 1),
             fmt(a["p50_us"], 1), fmt(a["p99_us"], 1)))


def cmd_report(a):
    recs = [json.loads(l) for l in open(a.results, encoding="utf-8") if l.strip()]
    meta = {}
    for r in recs:
        if r.get("kind") == "meta":
            meta.update(r)
    wrk_all = [r for r in recs if r.get("kind") == "wrk"]
    wrk = [r for r in wrk_all if r["target"] not in LOG_TARGETS]  # section 1: logs off
    wrk_log = [r for r in wrk_all if r["target"] in LOG_TARGETS]
    logcheck = next((r for r in recs if r.get("kind") == "logcheck"), None)
    by = {}
    for r in wrk_all:
        by.setdefault(r["target"], []).append(r)

    def col(target, key):
        return [r.get(key) for r in by.get(target, [])]

    def hcol(target, key):
        return [r["server_hist"].get(key) for r in by.get(target, [])
                if r.get("server_hist", {}).get("count")]

    rs_rps, ng_rps = med(col("readside", "rps")), med(col("nginx", "rps"))
    miss_rps = med(col("readside-uncached", "rps"))
    live_rps, ng_live_rps = med(col("readside-live", "rps")), med(col("nginx-small", "rps"))
    reps = sorted({r["rep"] for r in wrk})

    def paired(x_target, y_target):
        out = []
        for rep in reps:
            x = [r for r in by.get(x_target, []) if r["rep"] == rep and r.get("rps")]
            y = [r for r in by.get(y_target, []) if r["rep"] == rep and r.get("rps")]
            if x and y:
                out.append(x[0]["rps"] / y[0]["rps"])
        return med(out)

    handler = [r for r in recs if r.get("kind") == "handler"]
    h1 = next((h for h in handler if h.get("threads") == 1), None)
    h2 = next((h for h in handler if h.get("threads") == 2), None)
    sqlcheck = next((r for r in recs if r.get("kind") == "sqlcheck"), None)
    pgb = [r for r in recs if r.get("kind") == "pgbench"]
    pg_best = max((r for r in pgb if r.get("tps")), key=lambda r: r["tps"], default=None)
    pg_explain = next((r for r in recs if r.get("kind") == "pg_explain"), None)
    fresh = [r for r in recs if r.get("kind") == "freshness"]
    bugs = [r for r in recs if r.get("kind") == "bug"]
    recorded = hcol("readside", "p99_us")

    L = []
    w = L.append
    w("# GET /analytics/dashboard — server-side comparison benchmarks")
    w("")
    w("Written by `bench/dashboard_bench.sh` on %s: %s cores (%s), %s, kernel %s. "
      "wrk, the servers, PostgreSQL and the load generators all share these cores, and the VM "
      "is shared with other work (compare ratios within this run, not absolute numbers across "
      "runs; the per-run tables show how much CPU other processes took). Load average at "
      "start: %s." % (meta.get("date"), meta.get("cores"), meta.get("cpu"), meta.get("mem"),
                      meta.get("kernel"), meta.get("loadavg")))
    w("")
    w("Data: `readside generate --seed 1 --count %s --tenants %s` (%s bytes), loaded into a "
      "fresh readside with `ingest_load --clients 1 --batch 1000` (one client keeps each "
      "entity's events in producer order, so readside and PostgreSQL see the same arrival "
      "order); organization `%s`, period `%s` (dashboard response: %s bytes)."
      % (meta.get("events"), meta.get("tenants"), meta.get("events_bytes"), meta.get("org"),
         meta.get("period"), meta.get("dashboard_bytes")))
    w("")
    w("## Summary")
    w("")
    w("| measure | result | target | peer (same run) | ratio |")
    w("|---|---|---|---|---|")
    w("| dashboard throughput, wrk %s connections, median of %d runs | %s req/s | ≥ nginx | "
      "nginx serving the same bytes as a static file: %s req/s | **%s×** (median of per-round "
      "ratios %s×) |"
      % (meta.get("wrk_conns"), len(by.get("readside", [])), fmt(rs_rps), fmt(ng_rps),
         fmt(rs_rps / ng_rps, 2) if rs_rps and ng_rps else "n/a",
         fmt(paired("readside", "nginx"), 2)))
    w("| wrk p99 latency (median of runs) | %s ms | ≤ 5 ms | nginx: %s ms | |"
      % (fmt(med(col("readside", "p99_ms")), 2), fmt(med(col("nginx", "p99_ms")), 2)))
    dashboards_rows(w, by, col, hcol, paired, recs)
    if by.get("readside-log") and by.get("nginx-log"):
        w("| the same with the access log on for both servers (readside `--access-log FILE`; "
          "nginx `access_log FILE`, one write per request as by default), median of %d runs "
          "| %s req/s | ≥ nginx | nginx logging: %s req/s; with `buffer=64k flush=1s`: %s "
          "req/s | **%s×** (against the buffered nginx log: %s×) |"
          % (len(by["readside-log"]), fmt(med(col("readside-log", "rps"))),
             fmt(med(col("nginx-log", "rps"))), fmt(med(col("nginx-log-buf", "rps"))),
             fmt(paired("readside-log", "nginx-log"), 2),
             fmt(paired("readside-log", "nginx-log-buf"), 2)))
    if recorded:
        w("| server handling time from its own histogram (`readside_http_handling_seconds`, "
          "bucket upper bounds, median of runs): p50 / p90 / p99 | %s / %s / %s µs | p99 ≤ 100 µs "
          "| | |" % (fmt(med(hcol("readside", "p50_us"))), fmt(med(hcol("readside", "p90_us"))),
                     fmt(med(recorded))))
    else:
        w("| server handling time p99 (its own histogram) | **not recorded**: the dashboard "
          "route never reaches the histogram (see the bugs below) | ≤ 100 µs | | |")
    if by.get("readside-uncached"):
        w("| the same with every request a response-cache miss (distinct `as_of` per request): "
          "throughput / wrk p99 / histogram p99 | %s req/s / %s ms / %s µs | | nginx: %s req/s "
          "| %s× |"
          % (fmt(miss_rps), fmt(med(col("readside-uncached", "p99_ms")), 2),
             fmt(med(hcol("readside-uncached", "p99_us"))), fmt(ng_rps),
             fmt(paired("readside-uncached", "nginx"), 2)))
    if h1:
        d = h1["dashboard_dispatch"]
        c = h1.get("dashboard_cached_dispatch")
        w("| handler alone, in-process (`dashboard_handler_bench`, the Gate with a bearer token "
          "and Router::Dispatch on the loaded data, 1 thread): p50 / p99 | build (miss) %s / %s µs%s | | | |"
          % (fmt(d["p50_us"], 1), fmt(d["p99_us"], 1),
             ("; cache hit %s / %s µs" % (fmt(c["p50_us"], 2), fmt(c["p99_us"], 2))) if c else ""))
    if pg_best:
        w("| direct-query baseline: PostgreSQL 15 computing the dashboard numbers by SQL over the "
          "raw events (pgbench, best of -c %s) | readside %s req/s (all misses: %s) | | %s tps "
          "at -c %d (latency avg %s ms) | **%s×** (misses: %s×) |"
          % ("/".join(str(r["clients"]) for r in pgb), fmt(rs_rps), fmt(miss_rps),
             fmt(pg_best["tps"], 2), pg_best["clients"], fmt(pg_best.get("latency_avg_ms"), 1),
             fmt(rs_rps / pg_best["tps"]) if rs_rps else "n/a",
             fmt(miss_rps / pg_best["tps"]) if miss_rps else "n/a"))
    for f in fresh:
        w("| ingest-to-visible freshness at %s events/s (batches of %s), ack → visible p50 / p99 "
          "| %s / %s ms | p99 ≤ 20 ms | | |"
          % (fmt(f.get("achieved_events_per_second")), f.get("batch"),
             fmt(f["ack_to_visible_ms"]["p50"], 2), fmt(f["ack_to_visible_ms"]["p99"], 2)))
    w("")

    w("## 1. wrk: readside against nginx (same bytes, same run)")
    w("")
    w("`wrk -t%s -c%s -d%ss --latency URL`, %d rounds, each running in turn: readside's "
      "dashboard (`readside`), nginx serving the same bytes (`nginx`), readside's dashboard "
      "with a distinct `as_of` per request so that every request misses readside's response "
      "cache and builds the JSON (`readside-uncached`, `bench/dashboard_uncached.lua`; the "
      "answer is the same bytes), readside `/health/live` (`readside-live`: the HTTP layer "
      "with a trivial handler) and nginx serving a file of that size (`nginx-small`). nginx "
      "1.22: `worker_processes 2`, `access_log off`, sendfile, the dashboard bytes saved from "
      "readside in this run, same Content-Type (plus X-Content-Type-Options and "
      "X-Readside-Position headers, `etag off`). The histogram columns are the deltas of "
      "readside's `readside_http_handling_seconds{route=\"/analytics/dashboard/{org}\"}` "
      "between scrapes of `/metrics` before and after each run (bucket upper bounds; the "
      "buckets are powers of two in µs). CPU columns come from /proc and getrusage: the "
      "server's CPU time per request, and how many of the %s cores the server, wrk and "
      "everything else (other processes on the VM, kernel threads) used. Before every round "
      "the script waits (up to %s s) for the VM to be at least 80 %% idle."
      % (meta.get("wrk_threads"), meta.get("wrk_conns"), meta.get("wrk_seconds"), len(reps),
         meta.get("cores"), meta.get("quiet_wait")))
    w("")
    w("| round | target | req/s | wrk p50 ms | wrk p99 ms | histogram p50 / p99 µs | server CPU µs/req | server cores | wrk cores | other cores | server RSS after, MB |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    order = {"readside": 0, "readside-dashboards": 1, "nginx": 2, "readside-uncached": 3,
             "readside-live": 4, "nginx-small": 5}
    for r in sorted(wrk, key=lambda r: (r["rep"], order.get(r["target"], 9))):
        h = r.get("server_hist")
        hs = "—"
        if h is not None:
            hs = ("%s / %s" % (fmt(h["p50_us"]), fmt(h["p99_us"]))) if h.get("count") else \
                "not recorded"
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
          % (r["rep"], r["target"], fmt(r.get("rps")), fmt(r.get("p50_ms"), 2),
             fmt(r.get("p99_ms"), 2), hs, fmt(r.get("server_cpu_us_per_req"), 1),
             fmt(r.get("server_cpu_cores"), 2), fmt(r.get("wrk_cpu_cores"), 2),
             fmt(r.get("foreign_cpu_cores"), 2), fmt(r.get("server_rss_mb_after"))))
    w("")
    w("Medians:")
    w("")
    w("| target | req/s | wrk p99 ms | server CPU µs/req |")
    w("|---|---|---|---|")
    for t in ("readside", "readside-dashboards", "nginx", "readside-uncached", "readside-live",
              "nginx-small"):
        if by.get(t):
            w("| %s | %s | %s | %s |" % (t, fmt(med(col(t, "rps"))), fmt(med(col(t, "p99_ms")), 2),
                                         fmt(med(col(t, "server_cpu_us_per_req")), 1)))
    w("")
    if wrk_log:
        access_log_section(w, wrk_log, by, paired, col, logcheck, len(reps))
    if handler:
        w("### The handler alone (in-process, `dashboard_handler_bench`)")
        w("")
        w("The server's own routes, called through its `Gate` (bearer-token check, as served) "
          "and `Router::Dispatch` on the loaded data directory after the server stopped (same code, same data, no sockets), each call "
          "timed like the server's histogram times it (parsed request → response ready; exact "
          "values, not buckets). `build` has no response cache (every call computes the "
          "dashboard), `hit` is wired like `readside serve` (ResponseCache; every call after "
          "the first is a hit).")
        w("")
        w("| threads | build p50 / p90 / p99 / p99.9 µs | builds/s | hit p50 / p99 µs | hits/s | tenant counts (3 RocksDB reads) p50 µs | /health/live p50 µs |")
        w("|---|---|---|---|---|---|---|")
        for h in handler:
            d = h["dashboard_dispatch"]
            c = h.get("dashboard_cached_dispatch") or {}
            w("| %s | %s / %s / %s / %s | %s | %s / %s | %s | %s | %s |"
              % (h["threads"], fmt(d["p50_us"], 1), fmt(d["p90_us"], 1), fmt(d["p99_us"], 1),
                 fmt(d["p999_us"], 1), fmt(h["dashboard_calls_per_second"]),
                 fmt(c.get("p50_us"), 2), fmt(c.get("p99_us"), 2),
                 fmt(h.get("cached_calls_per_second")),
                 fmt(h["tenant_counts_3_rocksdb_gets"]["p50_us"], 2),
                 fmt(h["health_live_dispatch"]["p50_us"], 2)))
        w("")
    profiles = [r for r in recs if r.get("kind") == "profile"]
    if profiles:
        w("### Where readside's CPU goes under wrk (perf)")
        w("")
        w("`perf record --call-graph dwarf` on readside for 4 s during a wrk run; inclusive "
          "share of readside's CPU samples per function (the handler row excludes the response "
          "write, which runs inline under it).")
        w("")
        labels = [l for l, _ in PROFILE_FUNCS if any(l in p["shares"] for p in profiles)]
        w("| function | " + " | ".join(p["target"] for p in profiles) + " |")
        w("|---|" + "---|" * len(profiles))
        for l in labels:
            w("| %s | %s |" % (l, " | ".join(
                ("%.0f %%" % p["shares"][l]) if l in p["shares"] else "—" for p in profiles)))
        w("")
    cpu = {t: med(col(t, "server_cpu_us_per_req")) for t in order}
    if cpu["readside"] and cpu["nginx"]:
        parts = []
        parts.append(
            "**What limits readside.** Both cores are saturated in every run (server + wrk "
            "+ others ≈ %s cores), so requests/s ≈ CPU the server gets ÷ CPU it spends per "
            "request. Per dashboard request readside spends %s CPU-µs, nginx %s for the same "
            "bytes (%s×)." % (meta.get("cores"), fmt(cpu["readside"], 1), fmt(cpu["nginx"], 1),
                              fmt(cpu["readside"] / cpu["nginx"], 2)))
        if cpu.get("readside-live") and cpu.get("nginx-small"):
            parts.append(
                "With a trivial handler (`/health/live`) readside spends %s CPU-µs/req against "
                "nginx's %s for a file of that size (%s req/s vs %s): that is the cost of the "
                "HTTP layer (Beast parse and serialize, Asio, one socket read and write, the "
                "Request maps, the metrics probe)."
                % (fmt(cpu["readside-live"], 1), fmt(cpu["nginx-small"], 1), fmt(live_rps),
                   fmt(ng_live_rps)))
        if cpu.get("readside-uncached") and h1:
            prof_miss = next((p for p in profiles if p["target"] == "readside-uncached"), None)
            prof_hit = next((p for p in profiles if p["target"] == "readside"), None)
            miss_sh = (prof_miss or {}).get("shares", {})
            handler_share = miss_sh.get("handler (Router::Dispatch, excl. Send)")
            parts.append(
                "When every request has to build the dashboard (`readside-uncached`), the cost "
                "rises to %s CPU-µs/req and throughput falls to %s req/s (%s× nginx). The build "
                "alone is %s µs in a hot in-process loop%s; the rest of the difference to the "
                "cached case is the miss's cache insert and the colder caches of a build "
                "interleaved with networking."
                % (fmt(cpu["readside-uncached"], 1), fmt(miss_rps),
                   fmt(paired("readside-uncached", "nginx"), 2),
                   fmt(h1["dashboard_dispatch"]["mean_us"], 1),
                   ("; under wrk, perf puts %s%% of readside's CPU in the handler (≈ %s µs/req; "
                    "DashboardBody itself ≥ %s%%, dwarf unwinding loses some of its deep "
                    "frames) and %s%% in writing the response"
                    % (fmt(handler_share), fmt(handler_share / 100 * cpu["readside-uncached"]),
                       fmt(miss_sh.get("DashboardBody (JSON)")),
                       fmt(miss_sh.get("Session::Send (serialize + write)"))))
                   if handler_share else ""))
            parts.append(
                "With the response cache a hit costs %s µs in-process, so the cached dashboard "
                "costs what the HTTP layer costs%s: readside is then limited by the HTTP layer "
                "(and by sharing the cores with wrk), not by JSON building."
                % (fmt((h1.get("dashboard_cached_dispatch") or {}).get("mean_us"), 2),
                   ("; perf: %s%% of its CPU in writing the response, %s%% in the handler"
                    % (fmt(prof_hit["shares"].get("Session::Send (serialize + write)")),
                       fmt(prof_hit["shares"].get("handler (Router::Dispatch, excl. Send)"))))
                   if prof_hit else ""))
        rss = [(r["rep"], r["target"], r.get("server_rss_mb_after")) for r in wrk
               if r["target"].startswith("readside") and r.get("server_rss_mb_after")]
        if rss:
            low = min(x[2] for x in rss)
            high = max(x[2] for x in rss)
            if high > 2 * low:
                parts.append(
                    "Memory: readside's RSS went from %s MB to %s MB across the runs; it grows "
                    "during the `readside-uncached` runs, whose distinct `as_of` values each "
                    "become a response-cache entry (the cache is bounded by entry count — 16 "
                    "shards × 4096 — not by bytes, so its size follows the answers' size and "
                    "the number of distinct query strings clients send)." % (fmt(low), fmt(high)))
        w(" ".join(parts))
        w("")

    w("## 2. Direct-query baseline: PostgreSQL 15 over the raw events")
    w("")
    w("PostgreSQL 15 on loopback (initdb in a temp dir, default settings), the same NDJSON file "
      "loaded with `\\copy` into `events(position bigserial, body jsonb)` in file order (= "
      "readside's arrival order), expression indexes on `(organization_id, event_type, "
      "timestamp)` and `(organization_id, data.entity_id, position)`, VACUUM ANALYZE. The "
      "query is `bench/dashboard_direct.sql.in` (one statement returning one row with every "
      "number listed below; the file documents what it covers and what it leaves out), run by "
      "`pgbench -n -M prepared -c C -j C -T %s -f dashboard.sql`." % meta.get("pg_seconds"))
    w("")
    if pg_explain:
        w("Single execution (EXPLAIN ANALYZE, TIMING OFF): %s ms."
          % fmt(pg_explain.get("execution_ms"), 1))
        w("")
    w("| clients | tps | latency avg ms | p50 ms | p99 ms | transactions | readside req/s ÷ tps | readside all-miss req/s ÷ tps |")
    w("|---|---|---|---|---|---|---|---|")
    for r in pgb:
        w("| %s | %s | %s | %s | %s | %s | %s× | %s× |"
          % (r["clients"], fmt(r.get("tps"), 2), fmt(r.get("latency_avg_ms"), 1),
             fmt(r.get("p50_ms"), 1), fmt(r.get("p99_ms"), 1), r.get("transactions"),
             fmt(rs_rps / r["tps"]) if rs_rps and r.get("tps") else "n/a",
             fmt(miss_rps / r["tps"]) if miss_rps and r.get("tps") else "n/a"))
    w("")
    if sqlcheck:
        w("Numbers check (SQL against readside's dashboard for `%s` / `%s`): **%d of %d equal**."
          % (meta.get("org"), meta.get("period"),
             len(sqlcheck["rows"]) - sqlcheck["mismatches"], len(sqlcheck["rows"])))
        w("")
        w("| metric | readside | SQL | equal |")
        w("|---|---|---|---|")
        for r in sqlcheck["rows"]:
            w("| %s | %s | %s | %s |" % (r["metric"], r["readside"], r["sql"],
                                         "yes" if r["equal"] else "**NO**"))
        w("")

    w("## 3. Ingest-to-visible freshness")
    w("")
    w("`freshness_load` posts NDJSON batches to `POST /events` on a fixed open-loop schedule "
      "(batch i due at start + i × batch/rate, from 4 keep-alive sender connections) on top of "
      "the loaded store (readside restarted on the same data directory). For every "
      "acknowledged batch (position p; acknowledged = fsync'd) a watcher connection "
      "immediately sends `GET %s&min_position=p&wait_ms=1000`, which readside answers once "
      "its read models have applied p; ack → visible is the time from the POST's answer to "
      "that GET's answer (so it includes one HTTP round trip and building that response). "
      "Measured after a 3 s warm-up. Live events: `readside generate --seed S --start %s "
      "--tenants %s` (same tenants, new event ids)."
      % (meta.get("fresh_probe"), meta.get("live_start"), meta.get("tenants")))
    w("")
    w("| batch | achieved events/s | measured s | ack→visible p50 / p90 / p99 / max ms | POST (send→ack) p50 / p99 / max ms | send→visible p99 ms | late sends p99 / max ms | probe floor p50 ms | timeouts |")
    w("|---|---|---|---|---|---|---|---|---|")
    for f in fresh:
        a2v, post = f["ack_to_visible_ms"], f["post_ms"]
        w("| %s | %s | %s | %s / %s / %s / %s | %s / %s / %s | %s | %s / %s | %s | %s |"
          % (f["batch"], fmt(f["achieved_events_per_second"]), fmt(f["measured_seconds"], 1),
             fmt(a2v["p50"], 2), fmt(a2v["p90"], 2), fmt(a2v["p99"], 2), fmt(a2v["max"], 2),
             fmt(post["p50"], 2), fmt(post["p99"], 2), fmt(post["max"], 2),
             fmt(f["send_to_visible_ms"]["p99"], 2), fmt(f["send_lateness_ms"]["p99"], 2),
             fmt(f["send_lateness_ms"]["max"], 2), fmt(f["probe_floor_ms"]["p50"], 3),
             f["timeouts"]))
    w("")
    for f in fresh:
        path = f.get("samples_file")
        if not path or not os.path.exists(path):
            continue
        rows = [l.split() for l in open(path).read().splitlines()[1:] if l.strip()]
        if len(rows) < 20:
            continue
        a2v = sorted(float(r[3]) for r in rows)
        cut = a2v[int(0.99 * (len(a2v) - 1))]
        tail = [r for r in rows if float(r[3]) >= cut]
        posts = sorted(float(r[2]) for r in rows)
        w("Batch %s: the %d slowest ack → visible samples (≥ %s ms) came at %s s into the run; "
          "their own POSTs took a median %s ms against %s ms for all POSTs (load average "
          "before the run: %s; per-batch samples in `%s`)."
          % (f["batch"], len(tail), fmt(cut, 1),
             (lambda ts: ", ".join(ts) if len(ts) <= 8 else
              "%d different moments spread over the run (%s, …)" % (len(ts), ", ".join(ts[:5])))(
                 sorted({"%.1f" % (float(r[0]) / 1000) for r in tail}, key=float)),
             fmt(statistics.median(float(r[2]) for r in tail), 1),
             fmt(statistics.median(posts), 1), f.get("load_before", "n/a"), path))
        w("")
    w("Two things to read the table with: the POST column is the durable-ingest part (the "
      "fsync'd group commit) that comes before the acknowledgment and is not part of ack → "
      "visible; and a `min_position` GET that has to wait is answered on the projector's "
      "thread (`Projector::WhenApplied` runs its callback there), so each such probe builds "
      "(or fetches from the cache) its dashboard on the applier thread, between two apply "
      "batches.")
    w("")
    if bugs:
        w("## Bugs found by this benchmark (reproductions)")
        w("")
        for i, b in enumerate(bugs, 1):
            w("%d. %s" % (i, b["text"]))
            w("")
    else:
        w("## HTTP checks")
        w("")
        w("Analytics requests appear in `/metrics` (route `/analytics/dashboard/{org}`), carry "
          "`X-Request-Id`, and `HEAD` on the dashboard sends no body: the checks this script "
          "makes found nothing wrong in this build.")
        w("")
    w("## Commands")
    w("")
    w("```")
    for c in meta.get("commands", []):
        w(c)
    w("```")
    w("")
    open(a.out, "w", encoding="utf-8").write("\n".join(L))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("period"); s.add_argument("file"); s.add_argument("org")
    s.set_defaults(fn=cmd_period)
    s = sub.add_parser("bounds"); s.add_argument("period"); s.set_defaults(fn=cmd_bounds)
    s = sub.add_parser("nextday"); s.add_argument("file"); s.set_defaults(fn=cmd_nextday)
    s = sub.add_parser("freeport"); s.set_defaults(fn=cmd_freeport)
    s = sub.add_parser("runcpu"); s.add_argument("out"); s.add_argument("cmd", nargs=argparse.REMAINDER)
    s.set_defaults(fn=cmd_runcpu)
    s = sub.add_parser("quiet"); s.add_argument("--max-wait", type=float, default=120)
    s.add_argument("--idle", type=float, default=0.8); s.set_defaults(fn=cmd_quiet)
    s = sub.add_parser("headcheck"); s.add_argument("url"); s.add_argument("path")
    s.set_defaults(fn=cmd_headcheck)
    s = sub.add_parser("cpusnap"); s.add_argument("pids", nargs="*"); s.set_defaults(fn=cmd_cpusnap)
    s = sub.add_parser("hist"); s.add_argument("before"); s.add_argument("after")
    s.add_argument("route"); s.set_defaults(fn=cmd_hist)
    s = sub.add_parser("wrkrec")
    for k in ("target", "url", "wrk", "cpu0", "cpu1"):
        s.add_argument("--" + k, required=True)
    s.add_argument("--rep", type=int, required=True)
    s.add_argument("--metrics0"); s.add_argument("--metrics1"); s.add_argument("--wrkcpu")
    s.add_argument("--idle-before", type=float)
    s.add_argument("--route", default="/analytics/dashboard/{org}")
    s.set_defaults(fn=cmd_wrkrec)
    s = sub.add_parser("compare"); s.add_argument("dashboard"); s.add_argument("sql_csv")
    s.set_defaults(fn=cmd_compare)
    s = sub.add_parser("perfshares"); s.add_argument("perf"); s.add_argument("--target", required=True)
    s.set_defaults(fn=cmd_perfshares)
    s = sub.add_parser("pgbench"); s.add_argument("out"); s.add_argument("log_prefix")
    s.add_argument("--clients", type=int, required=True); s.set_defaults(fn=cmd_pgbench)
    s = sub.add_parser("mkdash"); s.add_argument("url"); s.add_argument("org")
    s.add_argument("period"); s.add_argument("file"); s.set_defaults(fn=cmd_mkdash)
    s = sub.add_parser("report"); s.add_argument("results"); s.add_argument("out")
    s.set_defaults(fn=cmd_report)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
