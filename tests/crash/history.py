"""The crash test's checks of a node's history after a restart (tests/crash/crash_test.py):
events exactly once and gap-free, the stored ERP events exactly the ones sent, the duplicates
counters exactly what the re-sent batches explain, read models against a replay, own state
(dashboards and schedule changes: against what was acknowledged, and on the log), report runs,
and a fresh node on a copy of the store.

Own state is checked the same way on both nodes; on Kafka's node its events came back from the
own-state topic (src/kafka/own_state_writer.h), so the checks there also prove that a change
answered is one consumed and stored, and that a change in flight at the kill (produced, not yet
consumed) is stored once at most when the restarted node consumes it.

Report runs are checked on the log itself (the readside.report.run_started / run_finished
events of src/own_state/report_schedule.h, gathered by check_events), not on the run history
(a map keyed by run id, where two runs of one instant would be one entry): one run id per due
instant, one run_started per attempt, attempts 1..k in order, nothing started after a final
outcome (sent, failed, skipped), and each attempt without an outcome is the trace of a kill
(at most one per kill: the scheduler has one thread) that the restart resumed. Each message
the SMTP sink holds belongs to a stored intent (Message-ID), and a run has exactly one copy,
plus at most one per attempt of it cut short by a kill: exactly one more for a kill at
schedule.run.before_outcome, none more for schedule.run.after_intent, zero or one for a kill
elsewhere (kill -9, or a point of another thread that killed the process while the run was
between sending and storing its outcome, e.g. store.commit.* on the run_finished write)."""

import json
import os
import re
import shutil
import signal
import tempfile
import time
import urllib.parse

from workload import ORGS, CheckFailed, check
from server import ANALYTICS_ROUTES, ReadsideServer, encode_body

RUN_STARTED = "readside.report.run_started"
RUN_FINISHED = "readside.report.run_finished"
FINAL = ("sent", "failed", "skipped")  # a run's last outcome; "retrying" is not
DASHBOARD_SAVED, DASHBOARD_DELETED = "readside.dashboard.saved", "readside.dashboard.deleted"
SCHEDULED, UNSCHEDULED = "readside.report.scheduled", "readside.report.unscheduled"
OWN_CHANGES = (DASHBOARD_SAVED, DASHBOARD_DELETED, SCHEDULED, UNSCHEDULED)
SEARCH_CAP = 500  # hits compared per query (paged 100 at a time)


def setup_node(node):
    """Before the first round, without a crash point: the schedules (direct node), and one
    widget on a dashboard of each tenant (both nodes; the workload then changes its title)."""
    node.srv.env = dict(node.clock_env)
    node.srv.start()
    if node.schedules:
        node.create_schedules()
    for org, d in node.dash.items():
        title = "w-first"
        r = node.srv.request("POST", "/dashboards/%s/widgets" % org, encode_body(
            {"widget_type": "metric", "title": title, "data_source": "crm",
             "query_params": {"metric": "contacts_new", "period": "2024-01"}}),
            {"Content-Type": "application/json"})
        check(r.status == 201, "creating a widget: " + r.describe(), node)
        d["widget"], d["acked"] = r.json["widget_id"], title
        d["acked_at"].append((title, r.json["version"]))
        r = node.srv.get("/dashboards/%s" % org)
        check(r.status == 200, "reading the dashboard: " + r.describe(), node)
        d["id"] = r.json["dashboard_id"]
    wait_caught_up(node)
    check_events(node, "setup of " + node.name)
    check(node.srv.stop(signal.SIGTERM, timeout=60) == 0, "SIGTERM after setup", node)


def scan(node, after):
    """Events with position > after over ORGS: ({key: [events]}, [positions])."""
    found, positions = {}, []
    for org in ORGS:
        cursor = after
        while True:
            r = node.srv.get("/events/%s?limit=1000&after_position=%d" % (org, cursor))
            check(r.status == 200, "GET /events: " + r.describe(), node)
            for e in r.json["events"]:
                positions.append(e["position"])
                found.setdefault((e["organization_id"], e["event_id"]), []).append(e)
            if r.json["next"] is None:
                break
            check(r.json["next"] > cursor, "GET /events: next did not advance", node)
            cursor = r.json["next"]
    return found, positions


def check_events(node, ctx):
    """New positions gap-free after node.n; acknowledged events there exactly once, as sent."""
    found, positions = scan(node, node.n)
    ps = sorted(positions)
    expected = list(range(node.n + 1, node.n + 1 + len(ps)))
    if ps != expected:
        missing = sorted(set(expected) - set(ps))[:10]
        raise CheckFailed("%s: positions after %d not gap-free (count %d, first missing %s)\n%s"
                          % (ctx, node.n, len(ps), missing, node.srv.logs(8000)))
    for key, evs in found.items():
        check(len(evs) == 1 and key not in node.present,
              "%s: %r stored more than once" % (ctx, key), node)
        ev = dict(evs[0])
        ev.pop("position", None)
        if ev["event_type"].startswith("readside."):
            # readside's own state (dashboards, schedules, report runs)
            node.own_keys.add(key)
            if ev["event_type"] in (RUN_STARTED, RUN_FINISHED):
                node.run_events.append((evs[0]["position"], ev["event_type"],
                                        ev["data"]["payload"]))
            elif ev["event_type"] in OWN_CHANGES:
                node.own_events.append((evs[0]["position"], ev["event_type"],
                                        ev["organization_id"], ev["data"]["payload"]))
            continue
        check(key in node.sent, "%s: stored event %r was never sent" % (ctx, key), node)
        check(ev == json.loads(node.sent[key]), "%s: %r stored differs from sent" % (ctx, key),
              node)
    node.run_events.sort(key=lambda e: e[0])
    node.own_events.sort(key=lambda e: e[0])
    node.present.update(found)
    node.n += len(ps)
    lost = [k for k in node.acked if k not in node.present]
    check(not lost, "%s: %d acknowledged events lost, e.g. %s" % (ctx, len(lost), lost[:3]), node)


def check_whole_log(node, ctx):
    """The whole log once more, from position 1 (check_events checks each round's new positions
    only, so what a later round did to an earlier round's events shows only here): positions
    exactly 1..N with N at least what the rounds checked (report runs may have been stored
    since), every event at one position, every ERP event as sent, every acknowledged one there.
    Returns the scan's {key: [events]}."""
    found, positions = scan(node, 0)
    ps = sorted(positions)
    if ps != list(range(1, len(ps) + 1)) or len(ps) < node.n:
        missing = sorted(set(range(1, max(len(ps), node.n) + 1)) - set(ps))[:10]
        raise CheckFailed("%s: the whole log is not positions 1..%d without gaps (count %d, "
                          "checked before %d, first missing %s)\n%s"
                          % (ctx, len(ps), len(ps), node.n, missing, node.srv.logs(8000)))
    twice = [k for k, evs in found.items() if len(evs) > 1]
    check(not twice, "%s: the whole log holds events stored more than once, e.g. %s"
          % (ctx, twice[:3]), node)
    for key, evs in found.items():
        if evs[0]["event_type"].startswith("readside."):
            continue
        ev = dict(evs[0])
        ev.pop("position", None)
        check(key in node.sent and ev == json.loads(node.sent[key]),
              "%s: %r in the whole log was never sent, or differs from what was" % (ctx, key),
              node)
    lost = [k for k in node.acked if k not in found]
    check(not lost, "%s: %d acknowledged events missing from the whole log, e.g. %s"
          % (ctx, len(lost), lost[:3]), node)
    return found


def wait_stored(node, keys, timeout=90):
    """Kafka: acknowledged means in Kafka; the consumer stores them after the restart."""
    deadline = time.monotonic() + timeout
    while True:
        found, _ = scan(node, 0)
        missing = [k for k in keys if k not in found]
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.5)


def resend_inflight(node, inflight, ctx):
    """Re-sends the batches without a 200. Those of their events already stored are duplicates
    (counted in node.expected_duplicates): on the direct node the answer says so exactly; on
    Kafka's node (caught up with the partitions: every event produced before the kill is
    stored) the consumer counts them once it reads the second copy."""
    for batch in inflight:
        keys = [node.key_of(line) for line in batch]
        there = [k for k in keys if k in node.present]
        r = node.srv.request("POST", "/events", b"\n".join(batch),
                             {"Content-Type": "application/x-ndjson"})
        check(r.status == 200, "%s: re-sending an in-flight batch: %s" % (ctx, r.describe()), node)
        if not node.kafka:
            check(r.json["accepted"] == len(batch) - len(there)
                  and r.json["duplicates"] == len(there),
                  "%s: re-sent batch: %d of %d stored before, answer %s"
                  % (ctx, len(there), len(batch), r.raw[:300]), node)
        for org, _ in there:
            node.expected_duplicates[org] += 1
        node.acked.update(keys)


def duplicates_counted(srv):
    """{org: the duplicates counter of its data quality} (0 for a tenant without events)."""
    out = {}
    for org in ORGS:
        r = srv.get("/analytics/data-quality/%s" % org)
        assert r.status in (200, 404), r.describe()
        out[org] = r.json["duplicates"] if r.status == 200 else 0
    return out


def check_duplicates(node, ctx, timeout=0.0):
    """Each tenant's duplicates counter is exactly what the re-sent batches explain: a crash
    (kafka.offsets.* included) adds none. On Kafka's node a re-sent copy is counted when the
    consumer reads it: waits up to `timeout` for the counters to get there, never past."""
    deadline = time.monotonic() + timeout
    while True:
        got = duplicates_counted(node.srv)
        over = {o: got[o] for o in ORGS if got[o] > node.expected_duplicates[o]}
        check(not over, "%s: duplicates counted %s, but only %s explained by re-sent batches "
              "(a crash made the store count events again)" % (ctx, got, node.expected_duplicates),
              node)
        if got == node.expected_duplicates or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    check(got == node.expected_duplicates, "%s: duplicates counted %s, expected %s"
          % (ctx, got, node.expected_duplicates), node)


def check_exactly_sent(node, ctx):
    """The stored ERP events are exactly the ones sent (all of them acknowledged by now)."""
    stored = {k for k in node.present if k not in node.own_keys}
    sent = node.sent_keys()
    check(stored == sent, "%s: stored events are not the sent ones: %d stored never sent (e.g. "
          "%s), %d sent not stored (e.g. %s)" % (ctx, len(stored - sent), sorted(stored - sent)[:3],
                                                 len(sent - stored), sorted(sent - stored)[:3]),
          node)


def wait_caught_up(node, timeout=120):
    """Ready, with the read models applied up to the store's end (and at least to what was
    verified); returns the stored position. `node`: a Node or a bare ReadsideServer."""
    srv = getattr(node, "srv", node)
    r = srv.wait_ready(timeout=timeout, caught_up_to=getattr(node, "n", 0))
    return r.json["stored_position"]


def check_consistency(node, ctx):
    for org in ORGS:
        r = node.srv.request("POST", "/admin/consistency/%s?repair=false" % org, timeout=120)
        if r.status == 404:
            continue  # no event of the tenant yet
        check(r.status == 200, "%s: consistency of %s: %s" % (ctx, org, r.describe()), node)
        check(r.json.get("consistent") is True,
              "%s: %s's read models differ from a replay: %s"
              % (ctx, org, json.dumps(r.json.get("differences"))[:2000]), node)


def check_dashboards(node, ctx):
    """Each dashboard holds its last acknowledged change, or one that was in flight; and on the
    log (the events gathered by check_events), replayed the way the projection applies them (a
    readside.dashboard.saved applies when its expected_version is the dashboard's version,
    which then becomes its position; src/projection/dashboard_projection.cc):
    - every acknowledged change applied at the position its answer gave (never lost);
    - no change applied twice: each title is unique, so a title applied by two events is one
      change written twice and both won (a produce retried under a new id, a change re-run
      although it had won);
    - the change applied last is the one the live dashboard shows."""
    for org, d in node.dash.items():
        if d["widget"] is None:
            continue
        r = node.srv.get("/dashboards/%s/%s" % (org, d["id"]))
        check(r.status == 200, "%s: dashboard of %s: %s" % (ctx, org, r.describe()), node)
        titles = [w["title"] for w in r.json["widgets"] if w["widget_id"] == d["widget"]]
        allowed = [d["acked"]] + d["pending"]
        check(len(titles) == 1 and titles[0] in allowed,
              "%s: dashboard of %s shows widget title %s, acknowledged %r, in flight %r"
              % (ctx, org, titles, d["acked"], d["pending"]), node)
        version, title_at, applied, stored = 0, {}, {}, {}
        for pos, typ, owner, p in node.own_events:
            if typ not in (DASHBOARD_SAVED, DASHBOARD_DELETED) or owner != org:
                continue
            board = p["dashboard"]["id"] if typ == DASHBOARD_SAVED else p["id"]
            if board != d["id"]:
                continue
            check(typ == DASHBOARD_SAVED, "%s: %s's dashboard deleted at position %d (the "
                  "workload never deletes it)" % (ctx, org, pos), node)
            widget = [w["title"] for w in p["dashboard"]["widgets"] if w["id"] == d["widget"]]
            check(len(widget) == 1, "%s: %s's dashboard saved at %d without the widget"
                  % (ctx, org, pos), node)
            title = widget[0]
            stored.setdefault(title, []).append(pos)
            title_at[pos] = title
            if p["expected_version"] == version:
                version = pos
                applied.setdefault(title, []).append(pos)
        # A title stored twice is legitimate only as the service's re-run of a change whose
        # first event lost to a concurrent one (docs/dashboards.md): applied once at most.
        twice = {t: (stored[t], ps) for t, ps in applied.items() if len(ps) > 1}
        check(not twice, "%s: %s's dashboard: one change applied more than once (title: "
              "(stored at, applied at)) %s" % (ctx, org, twice), node)
        for title, pos in d["acked_at"]:
            check(title_at.get(pos) == title and applied.get(title) == [pos],
                  "%s: %s's acknowledged dashboard change %r (position %d) %s" % (
                      ctx, org, title, pos,
                      "is not in the log there" if title_at.get(pos) != title else
                      "was not applied by a replay of the log"), node)
        check(title_at.get(version) == titles[0],
              "%s: %s's dashboard shows %r, the log's last applied change (position %d) is %r"
              % (ctx, org, titles[0], version, title_at.get(version)), node)
        d["acked"], d["pending"], d["acked_at"] = titles[0], [], []


def check_schedule_changes(node, ctx):
    """The churn schedules (workload.Node.schedule_change) are exactly what was acknowledged:
    each acknowledged creation listed (unless its deletion was in flight), each acknowledged
    deletion gone, the rest (in flight at the kill, or 503) either way; each creation stored
    once (its subject in one readside.report.scheduled event) and each deletion at most once.
    Then what is listed becomes the acknowledged state for the next round."""
    created, deleted = {}, {}
    for pos, typ, _, p in node.own_events:
        if typ == SCHEDULED and p.get("subject", "").startswith("churn-"):
            created.setdefault(p["subject"], []).append((pos, p["id"]))
        elif typ == UNSCHEDULED:
            deleted.setdefault(p["id"], []).append(pos)
    twice = {k: v for k, v in created.items() if len(v) > 1}
    check(not twice, "%s: schedules created more than once (subject: [(position, id)]) %s"
          % (ctx, twice), node)
    twice = {k: v for k, v in deleted.items() if len(v) > 1}
    check(not twice, "%s: schedules deleted more than once (id: positions) %s" % (ctx, twice),
          node)
    for org, c in node.churn.items():
        r = node.srv.get("/reports/scheduled/%s" % org)
        check(r.status in (200, 404), "%s: schedules of %s: %s" % (ctx, org, r.describe()), node)
        listed = [s for s in (r.json or {}).get("schedules", [])
                  if s.get("subject", "").startswith("churn-")]
        subjects = [s["subject"] for s in listed]
        check(len(subjects) == len(set(subjects)), "%s: %s lists a churn schedule twice: %s"
              % (ctx, org, sorted(subjects)), node)
        ids = {s["subject"]: s["id"] for s in listed}
        lost = [x for x in c["alive"] if ids.get(x) != c["alive"][x]]
        check(not lost, "%s: %s: acknowledged schedules missing (or with another id): %s"
              % (ctx, org, lost), node)
        back = [x for x in c["deleted"] if x in ids]
        check(not back, "%s: %s: schedules whose deletion was acknowledged are listed: %s"
              % (ctx, org, back), node)
        stray = [x for x in ids if x not in c["alive"] and x not in c["creating"]
                 and x not in c["deleting"]]
        check(not stray, "%s: %s lists churn schedules never created: %s" % (ctx, org, stray),
              node)
        for x in c["creating"]:
            if x in ids:
                check(created.get(x, [(0, None)])[0][1] == ids[x],
                      "%s: %s: schedule %r listed with id %s, stored as %s"
                      % (ctx, org, x, ids[x], created.get(x)), node)
        for x, sid in c["deleting"].items():
            if x not in ids:
                c["deleted"][x] = sid
        c["alive"] = {x: ids[x] for x in sorted(ids, key=lambda x: created.get(x, [(0,)])[0][0])}
        c["creating"], c["deleting"] = [], {}


def check_runs(node, sink, ctx, round_no=None, kill=None, timeout=60):
    """No due instant ran twice (see the module's docstring); waits until no run is left
    `running` (resumed after the restart). `kill`: the point that killed round `round_no`
    (None: kill -9, or not reached). Returns {org: runs of the history}."""
    deadline = time.monotonic() + timeout
    while True:
        runs = {org: node.runs(org) for org in node.schedule_ids}
        running = [r for rs in runs.values() for r in rs if r["status"] == "running"]
        if not running or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    check(not running, "%s: runs still running %ds after the restart: %s"
          % (ctx, timeout, running[:3]), node)
    for org, rs in runs.items():
        dues = [r["due_at"] for r in rs]
        check(len(dues) == len(set(dues)), "%s: a due instant of %s has two runs: %s"
              % (ctx, org, sorted(d for d in dues if dues.count(d) > 1)[:5]), node)
    check_events(node, ctx + " (report runs)")  # the run events appended since

    # The log: attempts and outcomes per run id.
    starts, outcomes, final, instants, message = {}, {}, {}, {}, {}
    last_attempt = {}
    for pos, typ, p in node.run_events:
        rid = p["run_id"]
        if typ == RUN_STARTED:
            k = p["attempt"]
            check(rid not in final, "%s: run %s started anew (attempt %d at position %d) after "
                  "its final outcome %s" % (ctx, rid, k, pos, final.get(rid)), node)
            check(k == last_attempt.get(rid, 0) + 1, "%s: run %s: attempt %d started after "
                  "attempt %d" % (ctx, rid, k, last_attempt.get(rid, 0)), node)
            last_attempt[rid] = k
            starts[(rid, k)] = starts.get((rid, k), 0) + 1
            due = p["due_at"]
            instants.setdefault((p["schedule_id"], due), set()).add(rid)
            message.setdefault(rid, set()).add(p["message_id"].strip("<>"))
        else:
            k = p["attempts"]
            outcomes.setdefault((rid, k), []).append(p["status"])
            if p["status"] != "skipped":
                check((rid, k) in starts, "%s: run %s: outcome %s of attempt %d never started"
                      % (ctx, rid, p["status"], k), node)
            if p["status"] in FINAL:
                final[rid] = "%s (attempt %d, position %d)" % (p["status"], k, pos)
    twice = {a: n for a, n in starts.items() if n != 1}
    check(not twice, "%s: attempts started more than once: %s" % (ctx, sorted(twice)[:5]), node)
    twice = {a: o for a, o in outcomes.items() if len(o) != 1}
    check(not twice, "%s: attempts with several outcomes: %s" % (ctx, sorted(twice.items())[:5]),
          node)
    two_ids = {i: sorted(r) for i, r in instants.items() if len(r) != 1}
    check(not two_ids, "%s: due instants with several run ids: %s" % (ctx, sorted(two_ids)[:5]),
          node)
    two_ids = {r: sorted(m) for r, m in message.items() if len(m) != 1}
    check(not two_ids, "%s: runs with several Message-IDs: %s" % (ctx, sorted(two_ids)[:5]), node)

    # Attempts without an outcome: each the trace of a kill, resumed by the next attempt.
    open_now = [a for a in starts if a not in outcomes]
    for rid, k in open_now:
        check((rid, k + 1) in starts, "%s: run %s attempt %d has no outcome and was not resumed"
              % (ctx, rid, k), node)
    new = [a for a in open_now if a not in node.open_attempts]
    check(len(new) <= 1, "%s: %d attempts cut short by one kill (the scheduler has one thread): "
          "%s" % (ctx, len(new), new), node)
    for a in new:
        node.open_attempts[a] = round_no
    if round_no is not None:
        node.kills[round_no] = kill

    if sink is None:
        return runs
    copies = {}
    for _, m in sink.messages():
        mid = str(m["Message-ID"]).strip().strip("<>")
        copies[mid] = copies.get(mid, 0) + 1
    run_of = {next(iter(m)): rid for rid, m in message.items()}
    stray = sorted(mid for mid in copies if mid not in run_of)
    check(not stray, "%s: messages without a stored intent: %s" % (ctx, stray[:5]), node)
    node.resends = set()
    for rid, mids in message.items():
        mid = next(iter(mids))
        sent = 1 if any(o == ["sent"] for (r, _), o in outcomes.items() if r == rid) else 0
        sure = maybe = 0
        for (r, k), rnd in node.open_attempts.items():
            if r != rid:
                continue
            how = node.kills.get(rnd)
            if how == "schedule.run.before_outcome":
                sure += 1  # killed after the SMTP server took it
            elif how != "schedule.run.after_intent":
                maybe += 1  # killed anywhere else: sent or not
        n = copies.get(mid, 0)
        check(sent + sure <= n <= sent + sure + maybe,
              "%s: run %s (final %s) delivered %d times: expected %d to %d (sent %d, attempts cut "
              "short at schedule.run.before_outcome %d, elsewhere %d)"
              % (ctx, rid, final.get(rid), n, sent + sure, sent + sure + maybe, sent, sure,
                 maybe), node)
        if n > 1:
            node.resends.add(rid)
    return runs


def analytics(srv, org, periods):
    out = {}
    for period in periods:
        for domain, route in sorted(ANALYTICS_ROUTES.items()):
            r = srv.get(route % org + "?period=" + period)
            if r.status == 404:
                out[(domain, period)] = 404
                continue
            assert r.status == 200, r.describe()
            body = r.json
            body.pop("last_updated", None)
            body.pop("stale", None)
            body.pop("stale_seconds", None)  # a Kafka node still catching up says how far
            out[(domain, period)] = body
    r = srv.get("/analytics/data-quality/%s" % org)
    if r.status == 200:
        q = r.json
        q.pop("last_updated", None)
        q.pop("stale", None)
        q.pop("stale_seconds", None)
        out["quality"] = q
    return out


def search_terms(node, org, rng, k=6):
    names = []
    keys = sorted(k for k in node.present if k[0] == org and k in node.sent)
    for key in rng.sample(keys, min(3000, len(keys))):
        ev = json.loads(node.sent[key])
        name = ev.get("data", {}).get("payload", {}).get("name")
        if isinstance(name, str):
            names.extend(w for w in re.findall(r"[A-Za-z]{4,}", name))
    return sorted(set(rng.sample(names, min(k, len(names))))) if names else ["smith"]


def search(srv, org, q, position):
    """(total, the hits in rank order): up to SEARCH_CAP hits, paged 100 at a time, as
    (score, [ids of that score, sorted]) groups so that ties may come in any order; a group
    the cap cuts is left out."""
    hits, offset, total = [], 0, None
    while True:
        r = srv.get("/search/%s?q=%s&limit=100&offset=%d&min_position=%d&wait_ms=30000"
                    % (org, urllib.parse.quote(q), offset, position), timeout=60)
        if r.status != 200:
            raise CheckFailed("search %s %r offset %d on %s: %s\n%s" % (
                org, q, offset, srv.data_dir, r.describe(), srv.logs(6000)))
        assert total in (None, r.json["total"]), "search total changed while paging"
        total = r.json["total"]
        hits += [(float("%.9g" % h["score"]), h["id"]) for h in r.json["hits"]]
        offset += 100
        if not r.json["hits"] or offset >= min(total, SEARCH_CAP):
            break
    groups = []
    for score, hid in hits:
        if groups and groups[-1][0] == score:
            groups[-1][1].append(hid)
        else:
            groups.append((score, [hid]))
    if total > len(hits) and groups:
        groups.pop()
    return total, [(score, sorted(ids)) for score, ids in groups]


def strip_dashboard(body):
    volatile = ("as_of", "cache_expires", "position", "cached_data")
    body = dict(body)
    for k in volatile:
        body.pop(k, None)
    body["widgets"] = [{k: v for k, v in w.items() if k not in volatile}
                       for w in body.get("widgets", [])]
    return body


def own_state(node, srv):
    """The node's dashboards, every tenant's schedules (running and churn) and the runs."""
    out = {}
    for org, d in node.dash.items():
        if d["id"]:
            r = srv.get("/dashboards/%s/%s" % (org, d["id"]))
            out["dashboard " + org] = strip_dashboard(r.json) if r.status == 200 else r.status
    for org in ORGS:
        r = srv.get("/reports/scheduled/%s" % org)
        out["schedules " + org] = r.json if r.status == 200 else r.status
    for org, sid in node.schedule_ids.items():
        r = srv.get("/reports/history/%s?schedule_id=%s" % (org, sid))
        out["runs " + org] = r.json["runs"] if r.status == 200 else r.status
    return out


def compare_with_fresh_replay(node, work, rng, ctx, periods):
    """SIGTERM the node; a fresh node on a copy of its store alone replays everything; both
    (started with the real clock: no report run falls due) must answer the same."""
    code = node.srv.stop(signal.SIGTERM, timeout=60)
    check(code == 0, "%s: SIGTERM exit code %s" % (ctx, code), node)
    fresh_dir = tempfile.mkdtemp(prefix="fresh-", dir=work)
    shutil.copytree(os.path.join(node.srv.data_dir, "events"), os.path.join(fresh_dir, "events"))
    plain = [a for a in node.extra_args]
    fresh = ReadsideServer(data_dir=fresh_dir, binary=node.binary,
                           extra_args=[a for a in strip_kafka(plain)])
    node.srv.env = {}
    node.srv.start()
    try:
        fresh.start()
        n_live = wait_caught_up(node)
        n_fresh = wait_caught_up(fresh)
        check(n_live == n_fresh == node.n, "%s: stored positions %s (live) and %s (fresh) but %d "
              "verified" % (ctx, n_live, n_fresh, node.n), node)
        for org in ORGS:
            a, b = analytics(node.srv, org, periods), analytics(fresh, org, periods)
            diff = [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
            check(not diff, "%s: %s's analytics differ from a fresh replay: %s\nlive %s\nfresh %s"
                  % (ctx, org, diff[:5], str(a.get(diff[0]) if diff else "")[:800],
                     str(b.get(diff[0]) if diff else "")[:800]), node)
            for q in search_terms(node, org, rng):
                a, b = search(node.srv, org, q, n_live), search(fresh, org, q, n_fresh)
                check(a == b, "%s: search %s %r: live %s, fresh replay %s" % (ctx, org, q, a, b),
                      node)
        a, b = own_state(node, node.srv), own_state(node, fresh)
        diff = [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
        check(not diff, "%s: %s differ from a fresh replay:\nlive  %s\nfresh %s"
              % (ctx, diff, json.dumps(a.get(diff[0]) if diff else None)[:1500],
                 json.dumps(b.get(diff[0]) if diff else None)[:1500]), node)
    finally:
        fresh.close()
        shutil.rmtree(fresh_dir, ignore_errors=True)
    check(node.srv.stop(signal.SIGTERM, timeout=60) == 0, "%s: SIGTERM exit code" % ctx, node)


def strip_kafka(args):
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a.startswith("--kafka-"):
            skip = True
            continue
        out.append(a)
    return out


def fresh_fed_node(node, binary, periods, rng):
    """A node given the crashed node's ERP events over HTTP, exported from its store in position
    order (one entity's events apply in arrival order), answers the same analytics and search
    results (an independent path: ingest again, not the store's files)."""
    fed = ReadsideServer(binary=binary, extra_args=["--access-log", "off"])
    node.srv.env = {}
    node.srv.start()
    try:
        wait_caught_up(node)
        found = check_whole_log(node, "final")
        keys = [k for k, evs in sorted(found.items(), key=lambda kv: kv[1][0]["position"])
                if not evs[0]["event_type"].startswith("readside.")]
        fed.start()
        for i in range(0, len(keys), 1000):
            r = fed.request("POST", "/events", b"\n".join(node.sent[k] for k in keys[i:i + 1000]),
                            {"Content-Type": "application/x-ndjson"})
            check(r.status == 200 and r.json["accepted"] == len(keys[i:i + 1000]),
                  "feeding the fresh node: " + r.describe())
        n = wait_caught_up(fed)
        for org in ORGS:
            a, b = analytics(node.srv, org, periods), analytics(fed, org, periods)
            # The duplicates counters differ by exactly the re-sent batches' events that were
            # stored before: the crashed node counted those; the fed node got each event once.
            dups = [(q or {}).pop("duplicates", 0) for q in (a.get("quality"), b.get("quality"))]
            check(dups == [node.expected_duplicates[org], 0],
                  "final: %s duplicates counted %d (crashed) and %d (fed), expected %d and 0"
                  % (org, dups[0], dups[1], node.expected_duplicates[org]), node)
            diff = [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
            check(not diff, "final: %s's analytics differ from a node fed its events over HTTP: "
                  "%s\ncrashed %s\nfed     %s" % (org, diff[:5], str(a.get(diff[0]) if diff else "")[:1500],
                                                 str(b.get(diff[0]) if diff else "")[:1500]), node)
            for q in search_terms(node, org, rng):
                a, b = search(node.srv, org, q, node.n), search(fed, org, q, n)
                check(a == b, "final: search %s %r: %s vs fed node %s" % (org, q, a, b), node)
        node.srv.stop(signal.SIGTERM, timeout=60)
    finally:
        fed.close()
