#!/usr/bin/env python3
"""Negative controls of the crash test's history checks (history.py, issue 17): a check that
cannot fail proves nothing. A real node stores a few hundred generated events; the checks pass
on its true history, then each runs on a history doctored to hold the one defect it exists to
catch (an acknowledged event lost, one stored twice, a gap in the positions, an event stored
with other bytes, one stored that was never sent, one sent and never stored, a duplicate no
re-sent batch explains, one event at two positions of one scan, a schedule's due instant run
twice, an attempt started twice, or again after its final outcome, or with two outcomes, a report
delivered twice, a dashboard showing an unacknowledged change, an acknowledged dashboard change
lost, one applied twice, analytics differing from a fresh replay, an acknowledged schedule
lost, one listed after its deletion was acknowledged or never created, one created or deleted
twice, the whole log at the end holding an earlier event twice or missing a position) and must
fail with the message naming it.

  READSIDE_BIN=build/readside python3 tests/crash/negative_controls.py  (ctest: crash.negative_controls)
"""
import json
import os
import random
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import history  # noqa: E402
from workload import CHURN_CRON, ORGS, CheckFailed, Node, Pool  # noqa: E402
from server import readside_bin  # noqa: E402  (tests/integration, put on the path by workload)

RUN = {"schedule_id": "s-1", "due_at": "2024-02-01T08:00:00Z"}


class HistoryChecksCatchWhatTheyClaim(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="readside-negative-")
        binary = readside_bin()
        lines = Pool(binary, seed=5, count=600, work=cls.work).lines
        cls.node = node = Node("negative", binary, cls.work, lines)
        node.srv.start()
        for _ in range(3):
            batch = node.take(150)
            r = node.srv.request("POST", "/events", b"\n".join(batch),
                                 {"Content-Type": "application/x-ndjson"})
            assert r.status == 200 and r.json["accepted"] == len(batch), r.describe()
            node.acked.update(node.key_of(line) for line in batch)
        org = ORGS[0]  # one widget on a dashboard, as history.setup_node makes them
        r = node.srv.request("POST", "/dashboards/%s/widgets" % org, json.dumps(
            {"widget_type": "metric", "title": "w-first", "data_source": "crm",
             "query_params": {"metric": "contacts_new", "period": "2024-01"}}).encode(),
            {"Content-Type": "application/json"})
        assert r.status == 201, r.describe()
        cls.widget = (org, r.json["widget_id"], r.json["version"])
        cls.board = node.srv.get("/dashboards/%s" % org).json["dashboard_id"]
        cls.churn = {}  # two churn schedules of the tenant, as workload.schedule_change makes them
        for i in range(2):
            subject = "churn-negative-%d" % i
            r = node.srv.request("POST", "/reports/schedule", json.dumps(
                {"organization_id": org, "report": "financial", "type": "trial_balance",
                 "period": "current_month", "format": "csv", "cron": CHURN_CRON,
                 "timezone": "UTC", "recipients": ["churn@example.com"],
                 "subject": subject}).encode(), {"Content-Type": "application/json"})
            assert r.status == 201, r.describe()
            cls.churn[subject] = r.json["id"]
        history.wait_caught_up(node)
        cls.sent, cls.acked = dict(node.sent), set(node.acked)
        cls.duplicates = {org: 0 for org in ORGS}  # re-posted on purpose (explained)

    @classmethod
    def tearDownClass(cls):
        cls.node.srv.close()

    def fresh(self):
        """The node's bookkeeping as before any check: nothing verified yet."""
        n = self.node
        n.sent, n.acked = dict(self.sent), set(self.acked)
        n.present, n.own_keys, n.n = set(), set(), 0
        n.run_events, n.own_events, n.open_attempts, n.kills = [], [], {}, {}
        n.expected_duplicates = dict(self.duplicates)
        n.schedule_ids = {}
        for o, c in n.churn.items():
            c.update({"alive": {}, "creating": [], "deleting": {}, "deleted": {}, "acked_at": {}})
        n.churn[self.widget[0]]["alive"] = dict(self.churn)
        org, widget, version = self.widget
        for o, d in n.dash.items():
            d.update({"id": None, "widget": None, "acked": None, "pending": [], "acked_at": []})
        n.dash[org].update({"id": self.board, "widget": widget, "acked": "w-first",
                            "acked_at": [("w-first", version)]})
        if not n.srv.running():
            n.srv.start()
        return n

    def assertCaught(self, check, *needles):
        with self.assertRaises(CheckFailed) as caught:
            check()
        first = str(caught.exception).split("\n")[0]
        for needle in needles:
            self.assertIn(needle, first)

    def stored_key(self):
        return sorted(k for k in self.acked)[7]

    # The checks pass on the true history (so each failure below is the doctoring's).
    def test_the_true_history_passes(self):
        n = self.fresh()
        history.check_events(n, "true")
        history.check_exactly_sent(n, "true")
        history.check_duplicates(n, "true")
        history.check_runs(n, None, "true")
        history.check_dashboards(n, "true")
        history.check_schedule_changes(n, "true")
        history.check_whole_log(n, "true")
        self.assertEqual(n.n, 453)  # 450 events, the dashboard's own event and 2 schedules'

    def test_one_event_at_two_positions_in_one_scan(self):
        n = self.fresh()
        real_scan = history.scan

        def scan_with_a_copy(node, after):  # position 300 holds position 200's event
            found, positions = real_scan(node, after)
            at = {e["position"]: (k, e) for k, evs in found.items() for e in evs}
            (k200, e200), (k300, _) = at[200], at[300]
            del found[k300]
            found[k200] = [e200, dict(e200, position=300)]
            return found, positions
        history.scan = scan_with_a_copy
        try:
            self.assertCaught(lambda: history.check_events(n, "copy"), "stored more than once")
        finally:
            history.scan = real_scan

    # The whole log, checked again from position 1 at the end of a run (check_whole_log).
    def whole_log_doctored(self, doctor):
        n = self.fresh()
        history.check_events(n, "before")  # every round's check passed
        real_scan = history.scan
        history.scan = lambda node, after: doctor(*real_scan(node, after))
        return n, real_scan

    def test_the_whole_log_with_an_earlier_event_stored_again(self):
        def copy_at_the_end(found, positions):  # position 100's event again, at a new position
            e = next(evs[0] for evs in found.values() if evs[0]["position"] == 100)
            key = (e["organization_id"], e["event_id"])
            found[key] = found[key] + [dict(e, position=len(positions) + 1)]
            return found, positions + [len(positions) + 1]
        n, real_scan = self.whole_log_doctored(copy_at_the_end)
        try:
            self.assertCaught(lambda: history.check_whole_log(n, "whole"),
                              "stored more than once")
        finally:
            history.scan = real_scan

    def test_the_whole_log_with_an_earlier_position_gone(self):
        def without_100(found, positions):
            found = {k: [e for e in evs if e["position"] != 100] for k, evs in found.items()}
            return {k: v for k, v in found.items() if v}, [p for p in positions if p != 100]
        n, real_scan = self.whole_log_doctored(without_100)
        try:
            self.assertCaught(lambda: history.check_whole_log(n, "whole"),
                              "not positions 1..", "first missing [100]")
        finally:
            history.scan = real_scan

    def dashboard_events(self):
        n = self.fresh()
        history.check_events(n, "before")
        self.assertTrue(n.own_events)
        return n

    def test_a_dashboard_showing_what_was_not_acknowledged(self):
        n = self.dashboard_events()
        n.dash[self.widget[0]]["acked"] = "w-acknowledged-elsewhere"
        self.assertCaught(lambda: history.check_dashboards(n, "shown"), "shows widget title")

    def test_an_acknowledged_dashboard_change_lost(self):
        n = self.dashboard_events()
        n.dash[self.widget[0]]["acked_at"].append(("w-lost", n.n + 5))
        n.dash[self.widget[0]]["pending"].append("w-lost")
        self.assertCaught(lambda: history.check_dashboards(n, "lost"), "is not in the log there")

    def test_a_dashboard_change_applied_twice(self):
        n = self.dashboard_events()
        pos, typ, org, p = [e for e in n.own_events  # the same change written again and winning
                            if e[1] == history.DASHBOARD_SAVED][-1]
        again = json.loads(json.dumps(p))
        again["expected_version"] = pos
        n.own_events.append((pos + 1000, typ, org, again))
        self.assertCaught(lambda: history.check_dashboards(n, "twice"),
                          "one change applied more than once")

    # Schedule changes (check_schedule_changes): the churn schedules listed are exactly the
    # acknowledged ones, each creation stored once and each deletion at most once.
    def schedule_events(self):
        n = self.fresh()
        history.check_events(n, "before")
        self.assertEqual(sum(typ == history.SCHEDULED for _, typ, _, _ in n.own_events), 2)
        return n, n.churn[self.widget[0]]

    def test_an_acknowledged_schedule_lost(self):
        n, c = self.schedule_events()
        c["alive"]["churn-acknowledged-never-stored"] = "s-lost"
        self.assertCaught(lambda: history.check_schedule_changes(n, "lost"),
                          "acknowledged schedules missing", "churn-acknowledged-never-stored")

    def test_a_schedule_listed_after_its_deletion_was_acknowledged(self):
        n, c = self.schedule_events()
        subject = "churn-negative-0"
        c["deleted"][subject] = c["alive"].pop(subject)
        self.assertCaught(lambda: history.check_schedule_changes(n, "back"),
                          "whose deletion was acknowledged are listed", subject)

    def test_a_schedule_listed_that_was_never_created(self):
        n, c = self.schedule_events()
        del c["alive"]["churn-negative-1"]  # listed, but neither acknowledged nor in flight
        self.assertCaught(lambda: history.check_schedule_changes(n, "stray"),
                          "lists churn schedules never created", "churn-negative-1")

    def test_a_schedule_created_twice(self):
        n, _ = self.schedule_events()
        pos, typ, org, p = next(e for e in n.own_events if e[1] == history.SCHEDULED)
        n.own_events.append((n.n + 1, typ, org, dict(p, id="s-second-copy")))
        self.assertCaught(lambda: history.check_schedule_changes(n, "created twice"),
                          "schedules created more than once", p["subject"])

    def test_a_schedule_deleted_twice(self):
        n, _ = self.schedule_events()
        sid = self.churn["churn-negative-0"]
        for k in (1, 2):
            n.own_events.append((n.n + k, history.UNSCHEDULED, self.widget[0], {"id": sid}))
        self.assertCaught(lambda: history.check_schedule_changes(n, "deleted twice"),
                          "schedules deleted more than once", sid)

    def test_analytics_differing_from_a_fresh_replay(self):
        n = self.fresh()
        history.check_events(n, "before")
        real = history.analytics

        def doctored(srv, org, periods):  # the live node's numbers, one of them off by one
            out = real(srv, org, periods)
            if srv is n.srv and org == self.widget[0]:
                body = out[("crm", "2024-01")]
                key = next(k for k, v in sorted(body.items())
                           if isinstance(v, int) and not isinstance(v, bool))
                body[key] += 1
            return out
        history.analytics = doctored
        try:
            self.assertCaught(lambda: history.compare_with_fresh_replay(
                n, self.work, random.Random(1), "replay", ["2024-01"]),
                "analytics differ from a fresh replay")
        finally:
            history.analytics = real
        n.srv.stop()  # compare_with_fresh_replay leaves it running after a failure

    def test_the_same_analytics_as_a_fresh_replay_pass(self):
        n = self.fresh()
        history.check_events(n, "before")
        history.compare_with_fresh_replay(n, self.work, random.Random(1), "replay", ["2024-01"])

    def test_an_acknowledged_event_lost(self):
        n = self.fresh()
        org, _ = self.stored_key()
        n.acked.add((org, "acknowledged-never-stored"))
        self.assertCaught(lambda: history.check_events(n, "lost"), "acknowledged events lost")

    def test_an_event_stored_twice(self):
        n = self.fresh()
        n.present.add(self.stored_key())  # as if verified at an earlier position already
        self.assertCaught(lambda: history.check_events(n, "twice"), "stored more than once")

    def test_a_gap_in_the_positions(self):
        n = self.fresh()
        real_scan = history.scan

        def scan_without_one(node, after):
            found, positions = real_scan(node, after)
            positions.remove(200)
            found = {k: [e for e in evs if e["position"] != 200] for k, evs in found.items()}
            return {k: v for k, v in found.items() if v}, positions
        history.scan = scan_without_one
        try:
            self.assertCaught(lambda: history.check_events(n, "gap"), "not gap-free",
                              "first missing [200]")
        finally:
            history.scan = real_scan

    def test_an_event_stored_with_other_bytes(self):
        n = self.fresh()
        key = self.stored_key()
        n.sent[key] = n.sent[key].replace(b'"organization_id"', b'"x_extra":1,"organization_id"')
        self.assertCaught(lambda: history.check_events(n, "altered"), "stored differs from sent")

    def test_an_event_stored_that_was_never_sent(self):
        n = self.fresh()
        del n.sent[self.stored_key()]
        n.acked.discard(self.stored_key())
        self.assertCaught(lambda: history.check_events(n, "unsent"), "was never sent")

    def test_an_event_sent_and_never_stored(self):
        n = self.fresh()
        history.check_events(n, "before")
        org, _ = self.stored_key()
        n.sent[(org, "sent-never-stored")] = b"{}"
        self.assertCaught(lambda: history.check_exactly_sent(n, "missing"),
                          "stored events are not the sent ones", "1 sent not stored")

    def test_a_duplicate_no_resent_batch_explains(self):
        n = self.fresh()
        history.check_duplicates(n, "before")
        key = self.stored_key()
        r = n.srv.request("POST", "/events", n.sent[key], {"Content-Type": "application/x-ndjson"})
        self.assertEqual(r.json["duplicates"], 1, r.describe())
        self.assertCaught(lambda: history.check_duplicates(n, "duplicate"), "duplicates counted",
                          "only")
        self.duplicates[key[0]] += 1  # explained (a re-sent batch): passes again
        history.check_duplicates(self.fresh(), "explained")

    def runs(self, *events):
        n = self.fresh()
        history.check_events(n, "before")
        n.run_events = [(1000 + i, typ, dict(payload)) for i, (typ, payload) in enumerate(events)]
        return n

    def test_a_due_instant_run_twice(self):
        n = self.runs(
            (history.RUN_STARTED, dict(RUN, run_id="r-1", attempt=1, message_id="<m-1>")),
            (history.RUN_FINISHED, {"run_id": "r-1", "attempts": 1, "status": "sent"}),
            (history.RUN_STARTED, dict(RUN, run_id="r-2", attempt=1, message_id="<m-2>")),
            (history.RUN_FINISHED, {"run_id": "r-2", "attempts": 1, "status": "sent"}))
        self.assertCaught(lambda: history.check_runs(n, None, "twice"),
                          "due instants with several run ids")

    def test_an_attempt_started_after_the_final_outcome(self):
        n = self.runs(
            (history.RUN_STARTED, dict(RUN, run_id="r-1", attempt=1, message_id="<m-1>")),
            (history.RUN_FINISHED, {"run_id": "r-1", "attempts": 1, "status": "sent"}),
            (history.RUN_STARTED, dict(RUN, run_id="r-1", attempt=2, message_id="<m-1>")))
        self.assertCaught(lambda: history.check_runs(n, None, "again"), "started anew")

    def test_an_attempt_started_twice(self):
        n = self.runs(
            (history.RUN_STARTED, dict(RUN, run_id="r-1", attempt=1, message_id="<m-1>")),
            (history.RUN_STARTED, dict(RUN, run_id="r-1", attempt=1, message_id="<m-1>")),
            (history.RUN_FINISHED, {"run_id": "r-1", "attempts": 1, "status": "sent"}))
        self.assertCaught(lambda: history.check_runs(n, None, "started twice"),
                          "attempt 1 started after attempt 1")

    def test_an_attempt_with_two_outcomes(self):
        n = self.runs(
            (history.RUN_STARTED, dict(RUN, run_id="r-1", attempt=1, message_id="<m-1>")),
            (history.RUN_FINISHED, {"run_id": "r-1", "attempts": 1, "status": "retrying"}),
            (history.RUN_FINISHED, {"run_id": "r-1", "attempts": 1, "status": "failed"}))
        self.assertCaught(lambda: history.check_runs(n, None, "outcomes"),
                          "attempts with several outcomes")

    def test_a_report_delivered_twice(self):
        class Sink:  # the SMTP server holds two copies of the run's one message
            def messages(self):
                return [(None, {"Message-ID": "<m-1>"}), (None, {"Message-ID": "<m-1>"})]
        n = self.runs(
            (history.RUN_STARTED, dict(RUN, run_id="r-1", attempt=1, message_id="<m-1>")),
            (history.RUN_FINISHED, {"run_id": "r-1", "attempts": 1, "status": "sent"}))
        self.assertCaught(lambda: history.check_runs(n, Sink(), "delivered"),
                          "delivered 2 times: expected 1 to 1")

    def test_one_run_resumed_after_a_kill_passes(self):
        n = self.runs(
            (history.RUN_STARTED, dict(RUN, run_id="r-1", attempt=1, message_id="<m-1>")),
            (history.RUN_STARTED, dict(RUN, run_id="r-1", attempt=2, message_id="<m-1>")),
            (history.RUN_FINISHED, {"run_id": "r-1", "attempts": 2, "status": "sent"}))
        history.check_runs(n, None, "resumed")  # an attempt cut short by one kill, resumed


if __name__ == "__main__":
    unittest.main()
