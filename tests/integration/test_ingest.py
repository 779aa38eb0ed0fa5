"""Whole-server tests of POST /events and GET /events/{org} (api.md "Ingest", events.md)."""

import json
import signal
import urllib.parse

from server import (ServerTestCase, make_event, ndjson, strip_position, unique_id)


def opp(org="acme-corp", **kw):
    payload = kw.pop("payload", {"stage": "qualification", "amount": "1500.25",
                                 "owner_id": "u-1"})
    return make_event(org, event_type="crm.opportunity.created", payload=payload, **kw)


def reformat(event):
    """Same JSON value, different text: keys in reverse order everywhere, odd white space."""
    def rev(v):
        if isinstance(v, dict):
            return {k: rev(v[k]) for k in reversed(list(v.keys()))}
        if isinstance(v, list):
            return [rev(x) for x in v]
        return v
    return "  \n" + json.dumps(rev(event), indent=3, separators=(" ,  ", " :\t")) + "\n\n"


class IngestFormats(ServerTestCase):
    def setUp(self):
        self.srv = self.start_server()

    def test_single_event_object(self):
        ev = make_event("acme-corp")
        r = self.srv.post_events(ev)
        self.assertBatch(r, accepted=1, position=1)
        stored = self.srv.all_events("acme-corp")
        self.assertEqual(len(stored), 1)
        self.assertEqual(stored[0]["position"], 1)
        self.assertEqual(strip_position(stored[0]), ev)

    def test_json_array(self):
        evs = [make_event("acme-corp") for _ in range(3)]
        r = self.srv.post_events(evs)
        self.assertBatch(r, accepted=3, position=3)
        stored = self.srv.all_events("acme-corp")
        self.assertEqual([e["position"] for e in stored], [1, 2, 3])
        self.assertEqual([strip_position(e) for e in stored], evs)

    def test_ndjson(self):
        evs = [make_event("acme-corp") for _ in range(4)]
        r = self.srv.post_events(ndjson(evs), "application/x-ndjson")
        self.assertBatch(r, accepted=4, position=4)
        # Without a trailing newline, too.
        more = [make_event("acme-corp") for _ in range(2)]
        body = "\n".join(json.dumps(e) for e in more)
        r = self.srv.post_events(body, "application/x-ndjson")
        self.assertBatch(r, accepted=2, position=6)
        stored = self.srv.all_events("acme-corp")
        self.assertEqual([strip_position(e) for e in stored], evs + more)
        self.assertEqual([e["position"] for e in stored], list(range(1, 7)))

    def test_empty_json_array_is_harmless(self):
        # An empty array stores nothing; either an empty result or a 400 problem is fine.
        r = self.srv.post_events([])
        if r.status == 200:
            self.assertBatch(r, accepted=0)
        else:
            self.assertProblem(r, 400)
        self.assertEqual(self.srv.all_events("acme-corp"), [])

    def test_content_type_with_charset_parameter(self):
        r = self.srv.post_events(make_event(), "application/json; charset=utf-8")
        self.assertBatch(r, accepted=1, position=1)

    def test_unknown_event_type_is_accepted_and_stored(self):
        ev = make_event("acme-corp", event_type="crm.spaceship.launched",
                        payload={"anything": [1, 2, 3], "nested": {"x": None}})
        r = self.srv.post_events(ev)
        self.assertBatch(r, accepted=1, position=1)
        stored = self.srv.all_events("acme-corp")
        self.assertEqual([strip_position(e) for e in stored], [ev])

    def test_server_assigns_event_id(self):
        ev = make_event("acme-corp", event_id=None)
        self.assertNotIn("event_id", ev)
        # The same content twice without event_id: two distinct events.
        r = self.srv.post_events([ev, ev])
        self.assertBatch(r, accepted=2, position=2)
        stored = self.srv.all_events("acme-corp")
        self.assertEqual(len(stored), 2)
        ids = [e.get("event_id") for e in stored]
        for i in ids:
            self.assertIsInstance(i, str)
            self.assertTrue(i, "assigned event_id is empty")
            self.assertLessEqual(len(i), 128)
        self.assertNotEqual(ids[0], ids[1])
        for e in stored:
            d = strip_position(e)
            d.pop("event_id")
            self.assertEqual(d, ev)
        # The assigned id is the idempotency key from then on.
        again = dict(ev, event_id=ids[0])
        r = self.srv.post_events(again)
        self.assertBatch(r, accepted=0, duplicates=1)

    def test_unknown_extra_fields_preserved(self):
        ev = make_event("acme-corp", payload={
            "name": "Zo\u00eb \u00c5ngstr\u00f6m \U0001F680 \"quoted\" \\ back\nslash",
            "email": "zoe@example.com",
            "x_payload_extra": {"deep": [1, "two", {"three": [None, True, False]}]},
        })
        ev["x_top_extra"] = {"a": [], "b": {}, "c": "", "d": -0.5, "e": 12}
        ev["correlation_id"] = "corr-1"
        ev["causation_id"] = "cause-1"
        ev["data"]["x_data_extra"] = ["kept"]
        ev["data"]["metadata"] = {"user_id": "u-9", "ip_address": "10.0.0.1",
                                  "user_agent": "tests/1.0", "x_meta": 7}
        r = self.srv.post_events(ev)
        self.assertBatch(r, accepted=1, position=1)
        stored = self.srv.all_events("acme-corp")
        self.assertEqual(strip_position(stored[0]), ev)

    def test_extra_field_numbers_keep_their_value(self):
        # Numbers the producer sent must come back with the same value (no float rounding).
        ev = make_event("acme-corp")
        ev["x_numbers"] = {"big": 12345678901234567890, "neg": -9007199254740993,
                           "dec": 0.1, "exp": 1.5e300}
        r = self.srv.post_events(ev)
        self.assertBatch(r, accepted=1)
        stored = self.srv.all_events("acme-corp")
        self.assertEqual(strip_position(stored[0])["x_numbers"], ev["x_numbers"])


class PerEventResults(ServerTestCase):
    def setUp(self):
        self.srv = self.start_server()

    def test_rejections_beside_accepted(self):
        good0 = make_event("acme-corp")
        bad1 = opp(payload={"stage": "new", "owner_id": "u-1"})          # amount missing
        good2 = make_event("acme-corp", event_type="custom.unknown.type")
        bad3 = make_event("Acme Corp")                                     # bad organization_id
        good4 = opp()
        bad5 = make_event("acme-corp", event_type="finance.invoice.created",
                          payload={"customer_id": "c-1", "amount": 0,
                                   "due_date": "2024-02-01"})           # amount must be > 0
        bad6 = make_event("acme-corp", version="2.0")                      # MAJOR must be 1
        batch = [good0, bad1, good2, bad3, good4, bad5, bad6]
        r = self.srv.post_events(batch)
        body = self.assertBatch(r, accepted=3, rejected=[1, 3, 5, 6], position=3)
        by_index = {item["index"]: item for item in body["rejected"]}
        expect_field = {1: "data.payload.amount", 3: "organization_id",
                        5: "data.payload.amount", 6: "version"}
        for idx, field in expect_field.items():
            with self.subTest(index=idx):
                fields = [e["field"] for e in by_index[idx]["errors"]]
                self.assertIn(field, fields, r.describe())
                if "event_id" in by_index[idx]:
                    self.assertEqual(by_index[idx]["event_id"], batch[idx]["event_id"])
        stored = self.srv.all_events("acme-corp")
        self.assertEqual([strip_position(e) for e in stored], [good0, good2, good4])
        self.assertEqual([e["position"] for e in stored], [1, 2, 3])

    def test_field_rules(self):
        """Each invalid event is rejected naming the field; valid boundary cases pass."""
        long_id = "x" * 128
        cases = [
            # (description, event, expected field or None when it must be accepted)
            ("event_type missing", _without(make_event(), "event_type"), "event_type"),
            ("organization_id missing", _without(make_event(), "organization_id"),
             "organization_id"),
            ("organization_id underscore", make_event("acme_corp"), "organization_id"),
            ("organization_id leading dash", make_event("-acme"), "organization_id"),
            ("organization_id uppercase", make_event("ACME"), "organization_id"),
            ("organization_id 65 chars", make_event("a" * 65), "organization_id"),
            ("organization_id trailing dash", make_event("acme-"), "organization_id"),
            ("organization_id 64 chars ok", make_event("a" * 64), None),
            ("organization_id one char ok", make_event("7"), None),
            ("timestamp without zone", make_event(timestamp="2024-01-15T10:00:00"),
             "timestamp"),
            ("timestamp garbage", make_event(timestamp="yesterday"), "timestamp"),
            ("timestamp missing", _without(make_event(), "timestamp"), "timestamp"),
            ("timestamp with offset ok", make_event(timestamp="2024-01-15T10:00:00+05:30"),
             None),
            ("timestamp fractional ok", make_event(timestamp="2024-01-15T10:00:00.123456Z"),
             None),
            ("version 2.0", make_event(version="2.0"), "version"),
            ("version without minor", make_event(version="1"), "version"),
            ("version as number", make_event(version=1.0), "version"),
            ("version 1.7 ok", make_event(version="1.7"), None),
            ("source_service empty", make_event(source_service=""), "source_service"),
            ("data missing", _without(make_event(), "data"), "data"),
            ("data.entity_id empty", _data(make_event(), entity_id=""), "data.entity_id"),
            ("data.entity_id 129 chars", _data(make_event(), entity_id="e" * 129),
             "data.entity_id"),
            ("data.entity_id 128 chars ok", _data(make_event(), entity_id="e" * 128), None),
            ("data.entity_type missing", _data(make_event(), entity_type=_DEL),
             "data.entity_type"),
            ("data.action missing", _data(make_event(), action=_DEL), "data.action"),
            ("data.payload missing", _data(make_event(), payload=_DEL), "data.payload"),
            ("data.payload array", _data(make_event(), payload=[1]), "data.payload"),
            ("event_id 129 chars", make_event(event_id="i" * 129), "event_id"),
            ("event_id number", make_event(event_id=5), "event_id"),
            ("event_id 128 chars ok", make_event(event_id=long_id), None),
            ("event_id 128 four-byte chars ok", make_event(event_id="\U0001F600" * 128), None),
            ("event_id 129 two-byte chars", make_event(event_id="\u00e9" * 129), "event_id"),
            ("contact name wrong type", make_event(payload={"name": 42}), "data.payload.name"),
            ("contact name missing", make_event(payload={"email": "a@b.c"}),
             "data.payload.name"),
            ("opportunity 5 decimals", opp(payload={"stage": "s", "owner_id": "u",
                                                    "amount": "12.34567"}),
             "data.payload.amount"),
            ("opportunity 5 decimals, trailing zeros", opp(payload={
                "stage": "s", "owner_id": "u", "amount": "12.50000"}), "data.payload.amount"),
            ("opportunity 5 decimals number", opp(payload={
                "stage": "s", "owner_id": "u", "amount": 12.34567}), "data.payload.amount"),
            ("timestamp leap second ok", make_event(timestamp="2016-12-31T23:59:60Z"), None),
            ("timestamp second 60 on a day without one",
             make_event(timestamp="2024-01-15T23:59:60Z"), "timestamp"),
            ("opportunity negative", opp(payload={"stage": "s", "owner_id": "u",
                                                  "amount": -1}), "data.payload.amount"),
            ("opportunity 1e13", opp(payload={"stage": "s", "owner_id": "u",
                                              "amount": 10000000000000}),
             "data.payload.amount"),
            ("opportunity amount bool", opp(payload={"stage": "s", "owner_id": "u",
                                                     "amount": True}),
             "data.payload.amount"),
            ("opportunity amount 0 ok", opp(payload={"stage": "s", "owner_id": "u",
                                                     "amount": 0}), None),
            ("opportunity amount 4 decimals ok", opp(payload={"stage": "s", "owner_id": "u",
                                                              "amount": "12.3456"}), None),
            ("invoice amount 0", make_event(event_type="finance.invoice.created", payload={
                "customer_id": "c", "amount": 0, "due_date": "2024-02-01"}),
             "data.payload.amount"),
            ("invoice due_date garbage", make_event(event_type="finance.invoice.created",
                                                    payload={"customer_id": "c", "amount": 5,
                                                             "due_date": "soon"}),
             "data.payload.due_date"),
            ("leave days 0", make_event(event_type="hrm.leave.requested", payload={
                "employee_id": "e", "leave_type": "vacation", "days": 0}),
             "data.payload.days"),
            ("time hours 24.5", make_event(event_type="project.time.logged", payload={
                "project_id": "p", "employee_id": "e", "hours": 24.5, "billable": True}),
             "data.payload.hours"),
            ("time hours 24 ok", make_event(event_type="project.time.logged", payload={
                "project_id": "p", "employee_id": "e", "hours": 24, "billable": True}), None),
            ("time billable string", make_event(event_type="project.time.logged", payload={
                "project_id": "p", "employee_id": "e", "hours": 2, "billable": "yes"}),
             "data.payload.billable"),
            ("payroll employee_count fraction", make_event(
                event_type="hrm.payroll.processed",
                payload={"gross_total": 10, "net_total": 8, "employee_count": 1.5}),
             "data.payload.employee_count"),
            ("account type invalid", make_event(event_type="finance.account.created",
                                                payload={"code": "1000", "name": "Cash",
                                                         "type": "cash"}),
             "data.payload.type"),
            ("transaction unbalanced", make_event(
                event_type="finance.transaction.posted",
                payload={"lines": [{"account_code": "1000", "debit": "10.00", "credit": 0},
                                   {"account_code": "4000", "debit": 0, "credit": "9.99"}]}),
             "data.payload.lines*"),
            ("transaction one line", make_event(
                event_type="finance.transaction.posted",
                payload={"lines": [{"account_code": "1000", "debit": 0, "credit": 0}]}),
             "data.payload.lines*"),
            ("transaction balanced ok", make_event(
                event_type="finance.transaction.posted",
                payload={"lines": [{"account_code": "1000", "debit": "10.0001", "credit": 0},
                                   {"account_code": "4000", "debit": 0,
                                    "credit": "10.0001"}]}), None),
            ("order without lines", make_event(event_type="inventory.order.created",
                                               payload={"lines": []}),
             "data.payload.lines*"),
            ("order quantity 0", make_event(event_type="inventory.order.created", payload={
                "lines": [{"product_id": "p", "quantity": 0, "unit_price": 1}]}),
             "data.payload.lines*"),
        ]
        batch = []
        where = []   # (case index in batch)
        for desc, ev, _field in cases:
            batch.append(make_event("acme-corp"))   # a valid neighbour before every case
            where.append(len(batch))
            batch.append(ev)
        r = self.srv.post_events(batch)
        self.assertEqual(r.status, 200, r.describe())
        body = r.json
        rejected = {item["index"]: item for item in body.get("rejected", [])}
        accepted_expected = 0
        for (desc, ev, field), idx in zip(cases, where):
            with self.subTest(case=desc, index=idx):
                if field is None:
                    accepted_expected += 1
                    self.assertNotIn(idx, rejected, "valid event rejected: %s" %
                                     json.dumps(rejected.get(idx)))
                    continue
                self.assertIn(idx, rejected, "invalid event (%s) not rejected" % desc)
                fields = [e.get("field") for e in rejected[idx]["errors"]]
                if field.endswith("*"):
                    prefix = field[:-1]
                    self.assertTrue(any(f == prefix or f.startswith(prefix + ".")
                                        or f.startswith(prefix + "[") for f in fields),
                                    "expected field %s*, got %r" % (prefix, fields))
                else:
                    self.assertIn(field, fields)
        neighbours = [i for i in range(len(batch)) if i not in where]
        for i in neighbours:
            self.assertNotIn(i, rejected, "valid neighbour %d rejected" % i)
        self.assertEqual(body.get("accepted"), len(neighbours) + accepted_expected,
                         r.describe())

    def test_ndjson_broken_line_rejected_alone(self):
        a, c = make_event("acme-corp"), make_event("acme-corp")
        body = json.dumps(a) + "\n" + '{"event_type": "crm.contact.created", oops\n' + \
            json.dumps(c) + "\n"
        r = self.srv.post_events(body, "application/x-ndjson")
        self.assertBatch(r, accepted=2, rejected=[1], position=2)
        self.assertEqual([strip_position(e) for e in self.srv.all_events("acme-corp")], [a, c])

    def test_event_over_64_kib_rejected_alone(self):
        a, c = make_event("acme-corp"), make_event("acme-corp")
        huge = make_event("acme-corp")
        huge["x_padding"] = "p" * (70 * 1024)
        r = self.srv.post_events([a, huge, c])
        self.assertBatch(r, accepted=2, rejected=[1], position=2)
        self.assertEqual(len(self.srv.all_events("acme-corp")), 2)

    def test_rejected_event_does_not_claim_its_key(self):
        eid = unique_id("claim")
        bad = opp(event_id=eid, payload={"stage": "s", "owner_id": "u"})
        r = self.srv.post_events(bad)
        self.assertBatch(r, accepted=0, rejected=[0])
        good = opp(event_id=eid)
        r = self.srv.post_events(good)
        self.assertBatch(r, accepted=1, position=1)


_DEL = object()


def _without(ev, key):
    ev = dict(ev)
    del ev[key]
    return ev


def _data(ev, **changes):
    ev = json.loads(json.dumps(ev))
    for k, v in changes.items():
        if v is _DEL:
            ev["data"].pop(k, None)
        else:
            ev["data"][k] = v
    return ev


class Idempotency(ServerTestCase):
    def setUp(self):
        self.srv = self.start_server()

    def test_duplicate_with_other_key_order_and_white_space(self):
        ev = opp("acme-corp")
        self.assertBatch(self.srv.post_events(ev), accepted=1, position=1)
        r = self.srv.post_events(reformat(ev))
        self.assertBatch(r, accepted=0, duplicates=1)
        r = self.srv.post_events([json.loads(reformat(ev))])
        self.assertBatch(r, accepted=0, duplicates=1)
        r = self.srv.post_events(json.dumps(ev) + "\n", "application/x-ndjson")
        self.assertBatch(r, accepted=0, duplicates=1)
        stored = self.srv.all_events("acme-corp")
        self.assertEqual([strip_position(e) for e in stored], [ev])

    def test_duplicate_within_one_batch(self):
        e, x = opp("acme-corp"), make_event("acme-corp")
        r = self.srv.post_events("[" + json.dumps(e) + "," + json.dumps(x) + "," +
                                 reformat(e) + "]")
        self.assertBatch(r, accepted=2, duplicates=1, position=2)
        stored = self.srv.all_events("acme-corp")
        self.assertEqual([strip_position(s) for s in stored], [e, x])

    def test_conflict_first_one_wins(self):
        original = make_event("acme-corp", payload={"name": "Original"})
        self.assertBatch(self.srv.post_events(original), accepted=1, position=1)
        changed = json.loads(json.dumps(original))
        changed["data"]["payload"]["name"] = "Changed"
        y, z = make_event("acme-corp"), make_event("acme-corp")
        r = self.srv.post_events([y, changed, z])
        self.assertBatch(r, accepted=2, conflicts=[(1, original["event_id"])], position=3)
        # An extra field is a content difference too.
        extra = dict(original, x_more=1)
        r = self.srv.post_events(extra)
        self.assertBatch(r, accepted=0, conflicts=[(0, original["event_id"])])
        stored = self.srv.all_events("acme-corp")
        self.assertEqual([strip_position(s) for s in stored], [original, y, z])
        self.assertEqual([s["position"] for s in stored], [1, 2, 3])

    def test_conflict_within_one_batch(self):
        a = make_event("acme-corp", payload={"name": "A"})
        b = json.loads(json.dumps(a))
        b["data"]["payload"]["name"] = "B"
        r = self.srv.post_events([a, b])
        self.assertBatch(r, accepted=1, conflicts=[(1, a["event_id"])], position=1)
        stored = self.srv.all_events("acme-corp")
        self.assertEqual([strip_position(s) for s in stored], [a])

    def test_same_event_id_in_two_organizations(self):
        eid = unique_id("shared")
        a = make_event("org-a", event_id=eid)
        b = make_event("org-b", event_id=eid)
        self.assertBatch(self.srv.post_events(a), accepted=1, position=1)
        self.assertBatch(self.srv.post_events(b), accepted=1, position=2)
        # And in one batch, for two more organizations.
        c = make_event("org-c", event_id=eid)
        d = make_event("org-d", event_id=eid)
        self.assertBatch(self.srv.post_events([c, d]), accepted=2, position=4)
        for org, ev in (("org-a", a), ("org-b", b), ("org-c", c), ("org-d", d)):
            self.assertEqual([strip_position(s) for s in self.srv.all_events(org)], [ev])


class Positions(ServerTestCase):
    def setUp(self):
        self.srv = self.start_server()

    def test_positions_gap_free_and_result_position(self):
        orgs = ["pos-a", "pos-b", "pos-c"]
        order = []      # accepted events in store order
        first = {}      # (org, event_id) -> event
        rnd = __import__("random").Random(1234)
        for round_no in range(12):
            batch = []
            expect_acc = expect_dup = 0
            expect_conf, expect_rej = [], []
            acc_this = []
            for i in range(rnd.randint(1, 15)):
                org = rnd.choice(orgs)
                kind = rnd.random()
                if kind < 0.15 and first:
                    (o, eid), ev = rnd.choice(sorted(first.items(), key=lambda kv: kv[0]))
                    batch.append(ev)
                    expect_dup += 1
                elif kind < 0.25 and first:
                    (o, eid), ev = rnd.choice(sorted(first.items(), key=lambda kv: kv[0]))
                    ev = json.loads(json.dumps(ev))
                    ev["data"]["payload"]["name"] = "conflicting %d" % rnd.randint(0, 1 << 30)
                    expect_conf.append((len(batch), eid))
                    batch.append(ev)
                elif kind < 0.35:
                    expect_rej.append(len(batch))
                    batch.append(make_event(org, version="9.0"))
                else:
                    ev = make_event(org)
                    first[(org, ev["event_id"])] = ev
                    batch.append(ev)
                    acc_this.append(ev)
                    expect_acc += 1
            r = self.srv.post_events(batch)
            order.extend(acc_this)
            self.assertBatch(r, accepted=expect_acc, duplicates=expect_dup,
                             conflicts=expect_conf, rejected=expect_rej,
                             position=len(order) if acc_this else None,
                             msg="round %d" % round_no)
        n = self.assertGapFree(self.srv, orgs, expected_total=len(order))
        by_pos = {}
        for org in orgs:
            for s in self.srv.all_events(org):
                by_pos[s["position"]] = strip_position(s)
        self.assertEqual([by_pos[p] for p in range(1, n + 1)], order)
        ready = self.srv.wait_ready(caught_up_to=n)
        self.assertEqual(ready.json["stored_position"], n)


class Queries(ServerTestCase):
    def setUp(self):
        self.srv = self.start_server()

    def post_ok(self, events):
        r = self.srv.post_events(events)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json["accepted"], len(events), r.describe())
        return r

    def ids(self, resp):
        self.assertEqual(resp.status, 200, resp.describe())
        return [e["event_id"] for e in resp.json["events"]]

    def test_filter_by_aggregate_id_and_event_type(self):
        evs = []
        for i in range(12):
            et = ["crm.contact.created", "crm.contact.updated", "x.custom.thing"][i % 3]
            evs.append(make_event("acme-corp", event_type=et, entity_id="agg-%d" % (i % 4),
                                  payload={"name": "n%d" % i}))
        self.post_ok(evs)
        r = self.srv.events("acme-corp", aggregate_id="agg-1")
        self.assertEqual(self.ids(r), [e["event_id"] for e in evs
                                       if e["data"]["entity_id"] == "agg-1"])
        self.assertIsNone(r.json["next"])
        r = self.srv.events("acme-corp", event_type="crm.contact.updated")
        self.assertEqual(self.ids(r), [e["event_id"] for e in evs
                                       if e["event_type"] == "crm.contact.updated"])
        r = self.srv.events("acme-corp", event_type="x.custom.thing", aggregate_id="agg-2")
        self.assertEqual(self.ids(r), [e["event_id"] for e in evs
                                       if e["event_type"] == "x.custom.thing"
                                       and e["data"]["entity_id"] == "agg-2"])
        r = self.srv.events("acme-corp", aggregate_id="no-such-aggregate")
        self.assertEqual(self.ids(r), [])
        self.assertIsNone(r.json["next"])
        for e in self.srv.events("acme-corp", aggregate_id="agg-3").json["events"]:
            self.assertIn("position", e)

    def test_ids_of_128_multibyte_characters(self):
        """Ids are limited to 128 characters, not bytes: ids of 128 characters of 2, 3 and 4
        bytes (up to 512 bytes), sent as raw UTF-8, are stored whole and found by
        aggregate_id."""
        evs = [make_event("acme-corp", event_id=c * 128, entity_id=c * 128)
               for c in ("\u00e9", "\u20ac", "\U0001F600")]
        r = self.srv.post_events(json.dumps(evs, ensure_ascii=False))
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json["accepted"], 3, r.describe())
        for e in evs:
            r = self.srv.events("acme-corp", aggregate_id=e["data"]["entity_id"])
            self.assertEqual(self.ids(r), [e["event_id"]])
        r = self.srv.events("acme-corp", aggregate_id="\u00e9" * 129)
        self.assertEqual(r.status, 400, r.describe())

    def test_filter_by_time_range(self):
        ts = {
            "t0": "2024-01-15T09:59:59.999Z",
            "t1": "2024-01-15T10:00:00Z",           # == from: included
            "t2": "2024-01-15T12:30:00+02:00",      # 10:30Z: included
            "t3": "2024-01-15T10:59:59.5Z",         # included
            "t4": "2024-01-15T11:00:00Z",           # == to: excluded
            "t5": "2024-01-15T06:00:00-05:00",      # 11:00Z: excluded
            "t6": "2023-12-31T23:59:59Z",
        }
        evs = {k: make_event("acme-corp", timestamp=v) for k, v in ts.items()}
        # Post in an order that is not timestamp order.
        post_order = ["t4", "t1", "t6", "t2", "t0", "t5", "t3"]
        self.post_ok([evs[k] for k in post_order])
        r = self.srv.events("acme-corp", **{"from": "2024-01-15T10:00:00Z",
                                            "to": "2024-01-15T11:00:00Z"})
        self.assertEqual(self.ids(r), [evs[k]["event_id"] for k in post_order
                                       if k in ("t1", "t2", "t3")],
                         "from inclusive, to exclusive, compared as instants, store order")
        positions = [e["position"] for e in r.json["events"]]
        self.assertEqual(positions, sorted(positions))
        r = self.srv.events("acme-corp", **{"from": "2024-01-15T11:00:00Z"})
        self.assertEqual(sorted(self.ids(r)), sorted([evs["t4"]["event_id"],
                                                      evs["t5"]["event_id"]]))
        r = self.srv.events("acme-corp", to="2024-01-01T00:00:00Z")
        self.assertEqual(self.ids(r), [evs["t6"]["event_id"]])
        # Bounds given with an offset mean the same instants.
        r = self.srv.events("acme-corp", **{"from": "2024-01-15T11:00:00+01:00",
                                            "to": "2024-01-15T12:00:00+01:00"})
        self.assertEqual(self.ids(r), [evs[k]["event_id"] for k in post_order
                                       if k in ("t1", "t2", "t3")])

    def test_paging_with_after_position_and_next(self):
        evs = [make_event("acme-corp", payload={"name": "n%d" % i}) for i in range(25)]
        self.post_ok(evs)
        r1 = self.srv.events("acme-corp", limit=10)
        self.assertEqual(self.ids(r1), [e["event_id"] for e in evs[:10]])
        self.assertEqual(r1.json["next"], 10)
        r2 = self.srv.events("acme-corp", limit=10, after_position=r1.json["next"])
        self.assertEqual(self.ids(r2), [e["event_id"] for e in evs[10:20]])
        self.assertEqual(r2.json["next"], 20)
        r3 = self.srv.events("acme-corp", limit=10, after_position=r2.json["next"])
        self.assertEqual(self.ids(r3), [e["event_id"] for e in evs[20:]])
        self.assertIsNone(r3.json["next"])
        r = self.srv.events("acme-corp", after_position=23)
        self.assertEqual(self.ids(r), [e["event_id"] for e in evs[23:]])
        r = self.srv.events("acme-corp", after_position=25)
        self.assertEqual(self.ids(r), [])
        self.assertIsNone(r.json["next"])
        r = self.srv.events("acme-corp", after_position=10 ** 12)
        self.assertEqual(self.ids(r), [])
        self.assertIsNone(r.json["next"])

    def test_paging_exact_multiple_terminates(self):
        evs = [make_event("acme-corp") for _ in range(20)]
        self.post_ok(evs)
        got = [e["event_id"] for e in self.srv.all_events("acme-corp", limit=10)]
        self.assertEqual(got, [e["event_id"] for e in evs])
        got = [e["event_id"] for e in self.srv.all_events("acme-corp", limit=1)]
        self.assertEqual(got, [e["event_id"] for e in evs])

    def test_paging_with_filter(self):
        evs = []
        for i in range(30):
            evs.append(make_event("acme-corp", event_type="crm.contact.updated"
                                  if i % 3 == 0 else "crm.contact.created"))
        self.post_ok(evs)
        want = [e["event_id"] for e in evs if e["event_type"] == "crm.contact.updated"]
        pages = []
        after = None
        for _ in range(20):
            r = self.srv.events("acme-corp", limit=3, after_position=after,
                                event_type="crm.contact.updated")
            page = r.json["events"]
            self.assertLessEqual(len(page), 3)
            self.assertTrue(all(e["event_type"] == "crm.contact.updated" for e in page))
            pages.append([e["event_id"] for e in page])
            if r.json["next"] is None:
                break
            self.assertEqual(r.json["next"], page[-1]["position"],
                             "next is the after_position of the following page")
            after = r.json["next"]
        self.assertEqual(sum(pages, []), want)
        self.assertEqual(pages[0], want[:3])

    def test_default_and_maximum_limit(self):
        evs = [make_event("acme-corp", payload={"name": "n%d" % i}) for i in range(1001)]
        self.post_ok(evs)
        r = self.srv.events("acme-corp")
        self.assertEqual(self.ids(r), [e["event_id"] for e in evs[:100]])
        self.assertEqual(r.json["next"], 100)
        r = self.srv.events("acme-corp", limit=1000)
        self.assertEqual(len(self.ids(r)), 1000)
        self.assertEqual(r.json["next"], 1000)
        r = self.srv.events("acme-corp", limit=1000, after_position=1000)
        self.assertEqual(self.ids(r), [evs[1000]["event_id"]])
        self.assertIsNone(r.json["next"])

    def test_bad_query_parameters(self):
        self.post_ok([make_event("acme-corp")])
        bad = [{"limit": 1001}, {"limit": 0}, {"limit": -5}, {"limit": "abc"},
               {"after_position": "abc"}, {"from": "not-a-time"},
               {"to": "2024-13-45T99:00:00Z"}]
        for params in bad:
            with self.subTest(params=params):
                path = "/events/acme-corp?" + urllib.parse.urlencode(params)
                self.assertProblem(self.srv.get(path), 400, "GET " + path)
        self.assertEqual(self.srv.events("acme-corp", limit=1).status, 200)

    def test_tenant_isolation(self):
        a = [make_event("tenant-a", entity_id="shared-agg", event_id="same-%d" % i)
             for i in range(5)]
        b = [make_event("tenant-b", entity_id="shared-agg", event_id="same-%d" % i,
                        payload={"name": "B%d" % i}) for i in range(3)]
        mixed = [a[0], b[0], a[1], a[2], b[1], a[3], b[2], a[4]]
        r = self.srv.post_events(mixed)
        self.assertBatch(r, accepted=8, position=8)
        got_b = self.srv.all_events("tenant-b")
        self.assertEqual([strip_position(e) for e in got_b], b)
        self.assertTrue(all(e["organization_id"] == "tenant-b" for e in got_b))
        got_a = self.srv.all_events("tenant-a")
        self.assertEqual([strip_position(e) for e in got_a], a)
        for org, own in (("tenant-a", a), ("tenant-b", b)):
            r = self.srv.events(org, aggregate_id="shared-agg", event_type="crm.contact.created")
            self.assertEqual(self.ids(r), [e["event_id"] for e in own])
            # Paging one org never steps onto the other org's events.
            self.assertEqual([e["event_id"] for e in self.srv.all_events(org, limit=1)],
                             [e["event_id"] for e in own])
        self.assertEqual(sorted(e["position"] for e in got_a + got_b), list(range(1, 9)))
        r = self.srv.events("tenant-c")
        if r.status == 200:
            self.assertEqual(r.json["events"], [])
            self.assertIsNone(r.json["next"])
        else:
            self.assertProblem(r, 404)


class BodyErrors(ServerTestCase):
    def setUp(self):
        self.srv = self.start_server()

    def assertNothingStored(self):
        self.assertEqual(self.srv.all_events("acme-corp"), [])

    def test_not_json(self):
        for ctype in ("application/json", "application/x-ndjson"):
            with self.subTest(ctype=ctype):
                r = self.srv.post_events(b"this is not json at all", ctype)
                if ctype == "application/x-ndjson" and r.status == 200:
                    # NDJSON: a broken line may be rejected on its own.
                    self.assertBatch(r, accepted=0, rejected=[0])
                else:
                    self.assertProblem(r, 400, ctype)
        r = self.srv.post_events(b"\xff\xfe{not utf8", "application/json")
        self.assertProblem(r, 400)
        self.assertNothingStored()

    def test_empty_body(self):
        for ctype, body in (("application/json", b""), ("application/json", b"  \n "),
                            ("application/x-ndjson", b"")):
            with self.subTest(ctype=ctype, body=body):
                self.assertProblem(self.srv.post_events(body, ctype), 400)
        self.assertNothingStored()

    def test_array_with_syntax_error_is_rejected_whole(self):
        good = json.dumps(make_event("acme-corp"))
        for body in ("[" + good + ",", "[" + good + "," + good + "}", "[" + good + ",,]",
                     "[" + good + "] trailing"):
            with self.subTest(body=body[-20:]):
                self.assertProblem(self.srv.post_events(body), 400)
        self.assertNothingStored()

    def test_truncated_single_object(self):
        body = json.dumps(make_event("acme-corp"))[:-7]
        self.assertProblem(self.srv.post_events(body), 400)
        self.assertNothingStored()

    def test_wrong_content_type(self):
        body = json.dumps(make_event("acme-corp"))
        for ctype in ("text/plain", "application/xml", "application/x-www-form-urlencoded",
                      None):
            with self.subTest(ctype=ctype):
                self.assertProblem(self.srv.post_events(body, ctype), 415)
        self.assertNothingStored()

    def test_body_over_16_mib(self):
        pad = "p" * 60000
        events = []
        size = 0
        while size <= 16 * 1024 * 1024 + 1024:
            ev = make_event("acme-corp", x_pad=pad)
            events.append(ev)
            size += len(json.dumps(ev)) + 1
        body = json.dumps(events).encode()
        self.assertGreater(len(body), 16 * 1024 * 1024)
        r = self.srv.post_raw(body, "application/json")
        self.assertProblem(r, 413)
        r = self.srv.post_raw(ndjson(events), "application/x-ndjson")
        self.assertProblem(r, 413)
        self.assertNothingStored()
        # The server is still fine afterwards.
        self.assertBatch(self.srv.post_events(make_event("acme-corp")), accepted=1, position=1)

    def test_more_than_10000_events(self):
        events = [make_event("acme-corp", event_id="many-%d" % i, payload={"name": "n"})
                  for i in range(10001)]
        r = self.srv.post_raw(json.dumps(events).encode(), "application/json")
        self.assertIn(r.status, (400, 413), r.describe())
        self.assertProblem(r, r.status)
        r = self.srv.post_raw(ndjson(events), "application/x-ndjson")
        self.assertIn(r.status, (400, 413), r.describe())
        self.assertProblem(r, r.status)
        self.assertNothingStored()

    def test_exactly_10000_events_accepted(self):
        events = [make_event("acme-corp", event_id="many-%d" % i, payload={"name": "n"})
                  for i in range(10000)]
        r = self.srv.post_events(ndjson(events), "application/x-ndjson", timeout=120)
        self.assertBatch(r, accepted=10000, position=10000)
        self.assertEqual(len(self.srv.all_events("acme-corp")), 10000)

    def test_wrong_method(self):
        for method in ("PUT", "DELETE", "PATCH"):
            with self.subTest(method=method):
                r = self.srv.request(method, "/events", b"{}",
                                     {"Content-Type": "application/json"})
                self.assertProblem(r, 405)


class Health(ServerTestCase):
    def test_live_and_ready(self):
        srv = self.start_server()
        r = srv.get("/health/live")
        self.assertEqual(r.status, 200, r.describe())
        self.assertIsInstance(r.json, dict, r.describe())
        r = srv.wait_ready()
        for key in ("status", "applied_position", "stored_position"):
            self.assertIn(key, r.json)
        self.assertEqual(r.json["stored_position"], 0)
        self.assertBatch(srv.post_events([make_event("acme-corp") for _ in range(5)]),
                         accepted=5, position=5)
        r = srv.wait_ready(caught_up_to=5)
        self.assertEqual(r.json["stored_position"], 5)
        self.assertEqual(r.json["applied_position"], 5)


class Restart(ServerTestCase):
    def test_restart_reads_back_identically(self):
        srv = self.start_server()
        orgs = ["r-one", "r-two", "r-three"]
        batch = []
        for i in range(60):
            org = orgs[i % 3]
            if i % 7 == 0:
                ev = make_event(org, event_id=None)
            elif i % 5 == 0:
                ev = make_event(org, event_type="custom.thing.done", payload={"k": i})
            else:
                ev = opp(org, timestamp="2024-02-%02dT08:00:00+01:00" % (1 + i % 28))
            ev["x_extra"] = {"i": i, "s": "\u00fcml\u00e4ut \U0001F600"}
            batch.append(ev)
        batch.append(make_event("r-one", version="3.0"))    # rejected
        batch.append(batch[1])                              # duplicate
        r = srv.post_events(batch)
        self.assertBatch(r, accepted=60, duplicates=1, rejected=[60], position=60)
        before = self.all_stored(srv, orgs)
        self.assertEqual(sum(len(v) for v in before.values()), 60)
        code = srv.stop(signal.SIGTERM)
        self.assertEqual(code, 0, "SIGTERM must exit 0\n" + srv.logs())
        srv.start()
        after = self.all_stored(srv, orgs)
        self.assertEqual(after, before)
        self.assertGapFree(srv, orgs, expected_total=60)
        srv.wait_ready(caught_up_to=60)
        # Idempotency keys survive the restart (including server-assigned ids).
        assigned = [e for e in before["r-one"] if e["event_id"] not in
                    {b.get("event_id") for b in batch}]
        self.assertTrue(assigned)
        r = srv.post_events([batch[1], strip_position(assigned[0])])
        self.assertBatch(r, accepted=0, duplicates=2)
        changed = json.loads(json.dumps(batch[2]))
        changed["x_extra"]["i"] = -1
        r = srv.post_events(changed)
        self.assertBatch(r, accepted=0, conflicts=[(0, batch[2]["event_id"])])
        # Positions continue after the last stored one.
        r = srv.post_events(make_event("r-two"))
        self.assertBatch(r, accepted=1, position=61)

    def test_several_restarts_keep_positions_gap_free(self):
        srv = self.start_server()
        orgs = ["m-a", "m-b"]
        total = 0
        for rnd in range(4):
            evs = [make_event(orgs[i % 2]) for i in range(7 + rnd)]
            r = srv.post_events(evs)
            total += len(evs)
            self.assertBatch(r, accepted=len(evs), position=total)
            self.assertEqual(srv.stop(signal.SIGTERM), 0, srv.logs())
            srv.start()
            self.assertGapFree(srv, orgs, expected_total=total)
        self.assertEqual(srv.wait_ready(caught_up_to=total).json["stored_position"], total)


class BackPressure(ServerTestCase):
    """POST /events while the read models trail the store by more than --ingest-max-lag:
    refused as a whole with 503, Retry-After and problem+json (nothing of it stored); a client
    that retries gets every event stored exactly once, and ingest goes on by itself."""

    def test_ingest_waits_for_the_read_models(self):
        import threading
        import time
        # A bound of 1 event: right after a batch is stored, the next request is refused until
        # the projector applied it.
        srv = self.start_server(extra_args=["--ingest-max-lag", "1"])
        srv.wait_ready()
        lock = threading.Lock()
        refused, problems, ids, sent = [], [], [], [0]

        def client():
            while True:
                with lock:
                    if sent[0] >= 400 or (refused and sent[0] >= 40):
                        return
                    sent[0] += 1
                batch = [make_event("bp-org") for _ in range(200)]
                while True:
                    r = srv.post_events(ndjson(batch), "application/x-ndjson")
                    if r.status == 200:
                        with lock:
                            ids.extend(e["event_id"] for e in batch)
                            if r.json.get("accepted") != len(batch):
                                problems.append(r.describe())
                        break
                    with lock:
                        refused.append(r)
                    if r.status != 503:
                        with lock:
                            problems.append(r.describe())
                        return
                    time.sleep(0.02)  # sooner than Retry-After: the test need not wait 1 s

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(problems, [])
        self.assertTrue(refused, "4 clients posting 200-event batches never found the read "
                                 "models more than 1 event behind")
        for r in refused[:20]:
            self.assertProblem(r, 503)
            self.assertEqual(r.json["title"], "Read models behind", r.describe())
            self.assertIn("--ingest-max-lag (1)", r.json["detail"], r.describe())
            self.assertEqual(r.headers.get("retry-after"), "1", r.describe())
        # Every acknowledged event stored exactly once, and nothing of a refused request.
        stored = srv.all_events("bp-org")
        self.assertEqual(sorted(e["event_id"] for e in stored), sorted(ids))
        self.assertEqual([e["position"] for e in stored], list(range(1, len(ids) + 1)))
        metrics = srv.get("/metrics").raw.decode()
        self.assertIn("readside_ingest_backpressure_total %d\n" % len(refused), metrics)
        # Caught up: let in again without any intervention.
        srv.wait_ready(caught_up_to=len(ids))
        self.assertBatch(srv.post_events([make_event("bp-org")]), accepted=1,
                         position=len(ids) + 1)
