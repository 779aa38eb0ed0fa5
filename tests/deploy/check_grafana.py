#!/usr/bin/env python3
"""Checks a Grafana dashboard JSON (deploy/grafana/readside-dashboard.json) without Grafana:

    tests/deploy/check_grafana.py deploy/grafana/readside-dashboard.json

- valid JSON, a title, a uid, schemaVersion >= 36;
- panel ids unique (rows and nested panels included);
- every gridPos inside the 24-column grid, with positive size, and no two panels overlapping
  (collapsed rows' inner panels are checked among themselves);
- every target's PromQL expression names only metrics of readside's contract (METRICS below:
  operations.md "Metrics" and the deployment brief) or Prometheus's own `up`;
- every datasource reference (panels, targets, variables) resolves: `${name}`/`$name` to a
  declared variable of type datasource, or a literal uid of the provisioned data source;
- every `$variable` used in an expression is declared (or one of Grafana's `$__…` built-ins).

Prints each problem and exits 1 when there is any; prints a summary and exits 0 otherwise.
`metric_names(expr)` is also used by tests/integration/test_deploy.py on the alert rules.
Python 3 stdlib only.
"""

import json
import re
import sys

# readside's metric names (the contract alert rules and dashboards depend on). Histograms
# also expose <name>_bucket, _sum and _count.
METRICS = {
    "readside_projection_lag_events", "readside_projection_lag_seconds",
    "readside_consistency_drift_total", "readside_dead_letters_total",
    "readside_dependency_up", "readside_data_dir_free_bytes", "readside_data_dir_size_bytes",
    "readside_ingest_events_total", "readside_store_position", "readside_applied_position",
    "readside_ws_connections", "readside_ws_dropped_messages_total", "readside_report_runs_total",
    "readside_kafka_consumer_lag",
    "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
    "process_max_fds", "process_start_time_seconds",
    "readside_rocksdb_live_sst_bytes", "readside_rocksdb_memtable_bytes",
    "readside_rocksdb_pending_compaction_bytes", "readside_rocksdb_write_stalls_total",
}
HISTOGRAMS = {"readside_http_request_duration_seconds"}
# Series Prometheus makes itself for every target.
SYNTHETIC = {"up"}
# Series the alert rules record (deploy/prometheus/readside-rules.yml) may be used too.
RECORDED_PREFIX = "instance:readside_"


def allowed_metrics():
    names = set(METRICS) | SYNTHETIC
    for h in HISTOGRAMS:
        names |= {h + "_bucket", h + "_sum", h + "_count"}
    return names


PROMQL_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
    "unless", "offset", "atan2", "inf", "nan", "start", "end",
}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_IDENT = re.compile(r"(?<![\w.:])([A-Za-z_:][\w:]*)(\s*\()?")


def metric_names(expr):
    """The metric names a PromQL expression selects (functions, keywords, label names,
    strings, durations and Grafana variables left out)."""
    text = _STRING.sub('""', expr)
    text = _VARIABLE.sub("1", text)
    text = _MATCHERS.sub("", text)
    text = _RANGE.sub("", text)
    text = _GROUPING.sub("", text)
    names = set()
    for m in _IDENT.finditer(text):
        name, call = m.group(1), m.group(2)
        if call or name.lower() in PROMQL_KEYWORDS:
            continue
        names.add(name)
    return names


def _variables_in(expr):
    out = set()
    for m in re.finditer(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]", expr):
        out.add(m.group(1) or m.group(2) or m.group(3))
    return out


def _all_panels(panels):
    for p in panels:
        yield p
        yield from _all_panels(p.get("panels", []) or [])


def _overlaps(a, b):
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and
            a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def _check_grid(panels, where, problems):
    boxes = []
    for p in panels:
        g = p.get("gridPos")
        name = "%s panel %s %r" % (where, p.get("id"), p.get("title"))
        if not isinstance(g, dict) or not all(isinstance(g.get(k), int) for k in "xywh"):
            problems.append("%s: gridPos needs integer x, y, w, h" % name)
            continue
        if g["w"] <= 0 or g["h"] <= 0 or g["x"] < 0 or g["y"] < 0 or g["x"] + g["w"] > 24:
            problems.append("%s: gridPos %s outside the 24-column grid" % (name, g))
            continue
        for other_name, other in boxes:
            if _overlaps(g, other):
                problems.append("%s overlaps %s" % (name, other_name))
        boxes.append((name, g))
        if p.get("type") == "row" and p.get("collapsed"):
            _check_grid(p.get("panels", []), "%s (collapsed row)" % where, problems)


def check(dashboard, datasource_uids=("prometheus",)):
    """The list of problems of a dashboard (a parsed JSON object)."""
    problems = []
    if not isinstance(dashboard, dict):
        return ["the dashboard is not a JSON object"]
    for key in ("title", "uid"):
        if not dashboard.get(key):
            problems.append("dashboard has no %s" % key)
    if not isinstance(dashboard.get("schemaVersion"), int) or dashboard["schemaVersion"] < 36:
        problems.append("schemaVersion %r: expected >= 36" % dashboard.get("schemaVersion"))
    variables = {}
    for v in (dashboard.get("templating") or {}).get("list", []):
        if v.get("name") in variables:
            problems.append("variable %r declared twice" % v.get("name"))
        variables[v.get("name")] = v
    ds_variables = {n for n, v in variables.items() if v.get("type") == "datasource"}
    builtins = {"__rate_interval", "__interval", "__range", "__range_s", "__interval_ms",
                "__dashboard", "__from", "__to"}

    def check_ds(ref, where):
        if ref is None:
            problems.append("%s: no datasource" % where)
            return
        uid = ref.get("uid") if isinstance(ref, dict) else ref
        if isinstance(ref, dict) and ref.get("type") == "grafana":
            return
        if isinstance(ref, dict) and ref.get("type") not in (None, "prometheus"):
            problems.append("%s: datasource type %r is not prometheus" % (where, ref.get("type")))
        if not isinstance(uid, str) or not uid:
            problems.append("%s: datasource without uid" % where)
            return
        used = _variables_in(uid)
        if used:
            for name in used:
                if name not in ds_variables:
                    problems.append("%s: datasource variable $%s is not a declared datasource "
                                    "variable (declared: %s)" % (where, name, sorted(ds_variables)))
        elif uid not in datasource_uids:
            problems.append("%s: datasource uid %r is neither a variable nor provisioned %s"
                            % (where, uid, list(datasource_uids)))

    for name, v in variables.items():
        if v.get("type") == "query":
            check_ds(v.get("datasource"), "variable %s" % name)
            q = v.get("query")
            q = q.get("query", "") if isinstance(q, dict) else (q or "")
            m = re.match(r"\s*label_values\((.*),\s*\w+\)\s*$", q)
            inner = m.group(1) if m else ""
            for metric in metric_names(inner) - allowed_metrics():
                problems.append("variable %s: unknown metric %r" % (name, metric))

    panels = dashboard.get("panels")
    if not isinstance(panels, list) or not panels:
        problems.append("dashboard has no panels")
        return problems
    ids = {}
    allowed = allowed_metrics()
    n_targets = 0
    for p in _all_panels(panels):
        pid = p.get("id")
        where = "panel %s %r" % (pid, p.get("title"))
        if not isinstance(pid, int):
            problems.append("%s: id is not an integer" % where)
        elif pid in ids:
            problems.append("%s: id %d also used by %r" % (where, pid, ids[pid]))
        else:
            ids[pid] = p.get("title")
        if not p.get("title"):
            problems.append("%s: no title" % where)
        if p.get("type") == "row":
            continue
        check_ds(p.get("datasource"), where)
        targets = p.get("targets") or []
        if not targets:
            problems.append("%s: no targets" % where)
        ref_ids = set()
        for t in targets:
            n_targets += 1
            tw = "%s target %s" % (where, t.get("refId"))
            if t.get("refId") in ref_ids:
                problems.append("%s: refId repeated" % tw)
            ref_ids.add(t.get("refId"))
            if "datasource" in t:
                check_ds(t["datasource"], tw)
            expr = t.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.append("%s: no expr" % tw)
                continue
            if expr.count("(") != expr.count(")") or expr.count("{") != expr.count("}"):
                problems.append("%s: unbalanced brackets in %r" % (tw, expr))
            names = metric_names(expr)
            if not names:
                problems.append("%s: selects no metric: %r" % (tw, expr))
            for metric in sorted(names):
                if metric not in allowed and not metric.startswith(RECORDED_PREFIX):
                    problems.append("%s: unknown metric %r" % (tw, metric))
            for var in _variables_in(expr):
                if var not in variables and var not in builtins:
                    problems.append("%s: undeclared variable $%s" % (tw, var))
    _check_grid(panels, "top level", problems)
    if n_targets == 0:
        problems.append("no panel has a query")
    return problems


def main(argv):
    if len(argv) != 2:
        print("usage: check_grafana.py DASHBOARD.json", file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            dashboard = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: %s" % (argv[1], e))
        return 1
    problems = check(dashboard)
    for p in problems:
        print("%s: %s" % (argv[1], p))
    if problems:
        return 1
    panels = list(_all_panels(dashboard["panels"]))
    print("%s: OK (%d panels, %d queries)" % (
        argv[1], len(panels), sum(len(p.get("targets") or []) for p in panels)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
