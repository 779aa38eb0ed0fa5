"""Command-side reconciliation through the real binary (docs/consistency.md "Reconciliation").

`readside generate --control-totals` writes, per tenant, the control totals its ERP services
would report for the generated stream (the body of POST /admin/reconcile/{org}). Events are
dropped from the stream on purpose before it is ingested: the reconciliation names exactly
those ids as missing, with the exact differences of count and sum; an event the ERP did not
report shows as extra (or in a month it did not list); bad bodies are problem+json naming the
field and the rule.
"""

import collections
import datetime
import json
import os
import shutil
import subprocess
import tempfile
import unittest
from decimal import Decimal

from server import ServerTestCase, make_event, make_token, readside_bin

ACME, BETA = "acme-co", "beta-co"
AMOUNT_TYPES = {"crm.lead.created": "lead", "crm.opportunity.created": "opportunity",
                "hrm.payroll.processed": "payroll", "finance.invoice.created": "invoice",
                "finance.payment.received": "payment", "finance.transaction.posted": "transaction",
                "inventory.order.created": "order", "project.created": "project"}


def month_of(ts):
    t = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m")


def amount_of(event):
    """The amount docs/consistency.md assigns to a counted event, exactly."""
    p = event["data"]["payload"]
    t = event["event_type"]
    if t == "finance.transaction.posted":
        return sum((Decimal(str(l["debit"])) for l in p["lines"]), Decimal(0))
    if t == "inventory.order.created":
        return sum((Decimal(str(l["quantity"])) * Decimal(str(l["unit_price"]))
                    for l in p["lines"]), Decimal(0))
    field = {"crm.lead.created": "estimated_value", "hrm.payroll.processed": "gross_total",
             "project.created": "budget_amount"}.get(t, "amount")
    return Decimal(str(p.get(field, 0)))


def parse_exact(raw):
    return json.loads(raw, parse_float=Decimal)


class Reconcile(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        from server import ReadsideServer
        cls.dir = tempfile.mkdtemp(prefix="readside-it-reconcile-")
        cls.stream = os.path.join(cls.dir, "events.ndjson")
        cls.totals = os.path.join(cls.dir, "totals-{org}.json")
        subprocess.run([readside_bin(), "generate", "--seed", "21", "--tenants",
                        ACME + "," + BETA, "--count", "20000", "--rate", "0.005",
                        "--out-of-order", "0.05", "--duplicates", "0.01", "--malformed", "0.01",
                        "--out", cls.stream, "--control-totals", cls.totals],
                       check=True, capture_output=True, timeout=300)
        with open(cls.stream, "rb") as f:
            lines = f.read().splitlines()
        # Drop three of acme's events that carry amounts, of three types, every copy of them.
        cls.dropped = {}
        for line in lines:
            try:
                e = json.loads(line, parse_float=Decimal)
            except ValueError:
                continue
            kind = AMOUNT_TYPES.get(e.get("event_type"))
            if (e.get("organization_id") == ACME and
                    kind in ("invoice", "order", "transaction") and
                    kind not in {d["kind"] for d in cls.dropped.values()}):
                cls.dropped[e["event_id"]] = {"kind": kind, "id": e["data"]["entity_id"],
                                              "month": month_of(e["timestamp"]),
                                              "amount": amount_of(e)}
        assert len(cls.dropped) == 3, cls.dropped
        kept = []
        for line in lines:
            try:
                if json.loads(line).get("event_id") in cls.dropped:
                    continue
            except (ValueError, AttributeError):
                pass
            kept.append(line)
        cls.srv = ReadsideServer()
        cls.srv.start()
        path = os.path.join(cls.dir, "kept.ndjson")
        with open(path, "wb") as f:
            f.write(b"\n".join(kept) + b"\n")
        out = subprocess.run([readside_bin(), "ingest", path, "--url", cls.srv.base_url,
                              "--token", cls.srv.token, "--no-progress"],
                             capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr
        position = int(out.stdout.rsplit("last position ", 1)[1].split()[0])
        cls.srv.wait_ready(timeout=120, caught_up_to=position)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def body_of(self, org):
        with open(self.totals.replace("{org}", org), "rb") as f:
            return f.read()

    def reconcile(self, org, body, token=None):
        kw = {} if token is None else {"token": token}
        return self.srv.request("POST", "/admin/reconcile/" + org, body,
                                {"Content-Type": "application/json"}, **kw)

    def test_the_generated_totals_are_the_request_body(self):
        body = parse_exact(self.body_of(ACME))
        self.assertEqual(body["organization_id"], ACME)
        self.assertEqual(body["timezone"], "UTC")
        kinds = {row["entity_type"] for row in body["totals"]}
        self.assertTrue({"invoice", "order", "transaction", "contact", "employee"} <= kinds, kinds)
        for row in body["totals"]:
            self.assertEqual(row["count"], len(row["ids"]), row["entity_type"])
            self.assertEqual(len(set(row["ids"])), len(row["ids"]))
            self.assertEqual("sum" in row, row["entity_type"] in AMOUNT_TYPES.values(), row)
        months = {row["period"] for row in body["totals"]}
        self.assertGreaterEqual(len(months), 2, "the stream spans several months")
        # Same seed, same bytes.
        again = os.path.join(self.dir, "again-{org}.json")
        subprocess.run([readside_bin(), "generate", "--seed", "21", "--tenants",
                        ACME + "," + BETA, "--count", "20000", "--rate", "0.005",
                        "--out-of-order", "0.05", "--duplicates", "0.01", "--malformed", "0.01",
                        "--out", os.path.join(self.dir, "again.ndjson"),
                        "--control-totals", again], check=True, capture_output=True, timeout=300)
        with open(again.replace("{org}", ACME), "rb") as f:
            self.assertEqual(f.read(), self.body_of(ACME))

    def test_the_generated_totals_match_an_independent_count(self):
        """Without invalid lines, every event of a counted type is one entity (once per
        event_id): the file agrees with a count made here from the NDJSON."""
        path = os.path.join(self.dir, "clean.ndjson")
        totals = os.path.join(self.dir, "clean-{org}.json")
        subprocess.run([readside_bin(), "generate", "--seed", "8", "--tenants", ACME, "--count",
                        "5000", "--rate", "0.005", "--duplicates", "0.02", "--out", path,
                        "--control-totals", totals, "--control-totals-ids", "false"],
                       check=True, capture_output=True, timeout=300)
        expected = collections.defaultdict(lambda: [0, Decimal(0)])
        seen = set()
        with open(path, "rb") as f:
            events = [json.loads(line, parse_float=Decimal) for line in f]
        for e in events:
            kind = AMOUNT_TYPES.get(e["event_type"])
            if kind is None or e["event_id"] in seen:
                continue
            seen.add(e["event_id"])
            cell = expected[(kind, month_of(e["timestamp"]))]
            cell[0] += 1
            cell[1] += amount_of(e)
        with open(totals.replace("{org}", ACME), "rb") as f:
            body = parse_exact(f.read())
        got = {(r["entity_type"], r["period"]): [r["count"], Decimal(str(r["sum"]))]
               for r in body["totals"] if r["entity_type"] in AMOUNT_TYPES.values()}
        self.assertEqual(got, dict(expected))
        self.assertTrue(all("ids" not in r for r in body["totals"]))

    def test_dropped_events_are_missing_with_exact_differences(self):
        r = self.reconcile(ACME, self.body_of(ACME))
        self.assertEqual(r.status, 200, r.describe())
        answer = parse_exact(r.raw)
        self.assertFalse(answer["consistent"])
        self.assertEqual(answer["organization_id"], ACME)
        self.assertEqual(answer["unlisted"], [])
        differing = [row for row in answer["totals"] if not row["matches"]]
        self.assertEqual(answer["rows_differing"], len(differing))
        expected = {(d["kind"], d["month"]): d for d in self.dropped.values()}
        self.assertEqual({(row["entity_type"], row["period"]) for row in differing},
                         set(expected), differing)
        for row in differing:
            d = expected[(row["entity_type"], row["period"])]
            self.assertEqual(row["missing"], [d["id"]])
            self.assertEqual(row["missing_total"], 1)
            self.assertEqual(row["extra"], [])
            self.assertEqual(row["difference"]["count"], -1)
            self.assertEqual(Decimal(str(row["difference"]["sum"])), -d["amount"], row)
            self.assertEqual(row["readside"]["count"], row["control"]["count"] - 1)
            self.assertEqual(Decimal(str(row["readside"]["sum"])),
                             Decimal(str(row["control"]["sum"])) - d["amount"])

    def test_an_event_the_erp_did_not_report_is_extra(self):
        # Beta lost nothing: it agrees with its ERP's totals.
        r = self.reconcile(BETA, self.body_of(BETA))
        self.assertEqual(r.status, 200, r.describe())
        self.assertTrue(r.json["consistent"], [t for t in r.json["totals"] if not t["matches"]])
        self.assertEqual(r.json["rows_differing"], 0)
        body = parse_exact(self.body_of(BETA))
        invoices = [row for row in body["totals"] if row["entity_type"] == "invoice"]
        month = invoices[0]["period"]
        extra = make_event(BETA, event_type="finance.invoice.created", entity_id="inv-extra-1",
                           timestamp=month + "-15T12:00:00Z",
                           payload={"customer_id": "c-1", "amount": "12.3456",
                                    "due_date": "2031-01-01"})
        late = make_event(BETA, event_type="finance.invoice.created", entity_id="inv-extra-2",
                          timestamp="2031-05-02T12:00:00Z",
                          payload={"customer_id": "c-1", "amount": 7, "due_date": "2031-06-01"})
        r = self.srv.post_events([extra, late])
        self.assertEqual(r.status, 200, r.describe())
        self.srv.wait_ready(caught_up_to=r.json["position"])
        r = self.reconcile(BETA, self.body_of(BETA))
        self.assertEqual(r.status, 200, r.describe())
        answer = parse_exact(r.raw)
        self.assertFalse(answer["consistent"])
        differing = [row for row in answer["totals"] if not row["matches"]]
        self.assertEqual(len(differing), 1, differing)
        row = differing[0]
        self.assertEqual((row["entity_type"], row["period"]), ("invoice", month))
        self.assertEqual(row["extra"], ["inv-extra-1"])
        self.assertEqual(row["missing"], [])
        self.assertEqual(row["difference"]["count"], 1)
        self.assertEqual(Decimal(str(row["difference"]["sum"])), Decimal("12.3456"))
        self.assertEqual(answer["unlisted"],
                         [{"entity_type": "invoice", "period": "2031-05", "count": 1, "sum": 7}])

    def test_bad_bodies_are_problems_naming_the_field(self):
        cases = [
            (b"not json", 400, "body"),
            (b"[]", 400, "body"),
            (b"{}", 400, "totals"),
            (b'{"totals":[{"entity_type":"widget","period":"2024-01","count":1}]}', 400,
             "totals[0].entity_type"),
            (b'{"totals":[{"entity_type":"contact","period":"2024-13","count":1}]}', 400,
             "totals[0].period"),
            (b'{"totals":[{"entity_type":"contact","period":"2024-01","count":-3}]}', 400,
             "totals[0].count"),
            (b'{"totals":[{"entity_type":"invoice","period":"2024-01","count":1,"sum":"1.23456"}]}',
             400, "totals[0].sum"),
            (b'{"totals":[{"entity_type":"invoice","period":"2024-01","count":1}]}', 400,
             "totals[0].sum"),
            (b'{"totals":[{"entity_type":"contact","period":"2024-01","count":1,"ids":["a","a"]}]}',
             400, "totals[0].ids[1]"),
            (b'{"totals":[{"entity_type":"contact","period":"2024-01","count":2,"ids":["a"]}]}',
             422, "totals[0].count"),
            (b'{"timezone":"Asia/Tokyo","totals":[]}', 422, "timezone"),
        ]
        for body, status, field in cases:
            r = self.reconcile(ACME, body)
            self.assertProblem(r, status, body)
            self.assertEqual(r.json["errors"][0]["field"], field, r.describe())
            self.assertTrue(r.json["errors"][0]["message"], r.describe())
        r = self.srv.request("POST", "/admin/reconcile/" + ACME, b"x", {"Content-Type": "text/plain"})
        self.assertProblem(r, 415)
        # Another tenant's admin: 404 as for an organization that does not exist; 403 for a role
        # that is not admin.
        acme_admin = make_token(orgs=(ACME,))
        beta = self.reconcile(BETA, b'{"totals":[]}', token=acme_admin)
        nobody = self.reconcile("nobody-co", b'{"totals":[]}', token=acme_admin)
        self.assertProblem(beta, 404)
        self.assertProblem(nobody, 404)
        self.assertEqual(beta.json["detail"].replace(BETA, "X"),
                         nobody.json["detail"].replace("nobody-co", "X"))
        self.assertProblem(self.reconcile(ACME, b'{"totals":[]}',
                                          token=make_token(orgs=(ACME,), roles=("finance",))), 403)
        # An organization without events, for an operator.
        self.assertProblem(self.reconcile("nobody-co", b'{"totals":[]}'), 404)


if __name__ == "__main__":
    unittest.main()
