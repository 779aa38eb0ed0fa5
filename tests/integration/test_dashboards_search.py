"""Dashboards and search through a real server (dashboards.md): a dashboard changed over HTTP
survives SIGTERM, SIGKILL and a rebuild with the same widgets, versions and numbers; the search
index is caught up on start from its recorded position and rebuilt by /admin/rebuild; another
tenant's token sees neither."""

import json
import time
import unittest

from server import ServerTestCase, make_event, make_token, ndjson


def contact(org, entity_id, name, email):
    return make_event(org=org, event_type="crm.contact.created", entity_id=entity_id,
                      payload={"name": name, "email": email, "company": "Northwind"})


class DashboardsAndSearchTest(ServerTestCase):
    def post_json(self, srv, method, path, body, token=None, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        kw = {} if token is None else {"token": token}
        return srv.request(method, path, json.dumps(body).encode(), h, **kw)

    def wait_search(self, srv, org, q, total, token=None):
        deadline = time.monotonic() + 30
        kw = {} if token is None else {"token": token}
        while True:
            r = srv.get("/search/%s?q=%s" % (org, q), **kw)
            self.assertEqual(r.status, 200, r.describe())
            if r.json["total"] == total or time.monotonic() > deadline:
                return r
            time.sleep(0.1)

    def test_dashboards_and_search_survive_restarts_kill_and_rebuild(self):
        srv = self.start_server()
        events = [contact("acme-corp", "con-%d" % i, "Grace Hopper %d" % i, "g%d@navy.example" % i)
                  for i in range(5)]
        events.append(contact("beta-inc", "con-b", "Grace Secret", "grace@beta.example"))
        r = srv.post_events(ndjson(events), content_type="application/x-ndjson")
        self.assertEqual(r.status, 200, r.describe())

        ann = make_token(orgs=("acme-corp",), roles=("analyst",), sub="ann")
        w = self.post_json(srv, "POST", "/dashboards/acme-corp/widgets",
                           {"widget_type": "metric", "title": "New contacts", "data_source": "crm",
                            "query_params": {"metric": "contacts_new", "period": "2024-01"}},
                           token=ann)
        self.assertEqual(w.status, 201, w.describe())
        self.assertEqual(w.json["cached_data"]["value"], 5)
        wid = w.json["widget_id"]
        moved = self.post_json(srv, "PUT", "/dashboards/acme-corp/layout",
                               {"positions": [{"widget_id": wid, "x": 6, "y": 20, "w": 6, "h": 2}]},
                               token=ann)
        self.assertEqual(moved.status, 200, moved.describe())
        before = srv.get("/dashboards/acme-corp", token=ann).json
        self.assertEqual(before["version"], moved.json["version"])  # the layout's position
        self.assertGreater(before["version"], w.json["version"])

        def same_dashboard(new_contacts=5):
            after = srv.get("/dashboards/acme-corp", token=ann)
            self.assertEqual(after.status, 200, after.describe())
            a = after.json
            for key in ("dashboard_id", "version", "name", "owner"):
                self.assertEqual(a[key], before[key], "%s\n%s" % (key, srv.logs()))
            volatile = ("as_of", "cache_expires", "position", "cached_data")
            strip = lambda ws: [{k: v for k, v in x.items() if k not in volatile} for x in ws]
            self.assertEqual(strip(a["widgets"]), strip(before["widgets"]))
            mine = [x for x in a["widgets"] if x["widget_id"] == wid][0]
            self.assertEqual(mine["cached_data"]["value"], new_contacts)
            self.assertEqual(mine["grid"], {"x": 6, "y": 20, "w": 6, "h": 2})

        self.assertEqual(self.wait_search(srv, "acme-corp", "hopper", 5).json["total"], 5)
        # min_offsets needs Kafka (this server has none): a 400 naming it, for both routes.
        for path in ("/search/acme-corp?q=hopper", "/search/suggestions/acme-corp?q=hop"):
            r = srv.get(path + "&min_offsets=0:1")
            self.assertEqual(r.status, 400, r.describe())
            self.assertEqual(r.json["errors"][0]["field"], "min_offsets", r.json)
            self.assertIn("needs Kafka", r.json["errors"][0]["message"], r.json)

        # Another tenant's token: 404 on both, never the data.
        beta = make_token(orgs=("beta-inc",), roles=("admin",), sub="ann")
        self.assertEqual(srv.get("/dashboards/acme-corp", token=beta).status, 404)
        self.assertEqual(srv.get("/search/acme-corp?q=hopper", token=beta).status, 404)
        hits = self.wait_search(srv, "beta-inc", "grace", 1, token=beta).json
        self.assertEqual([h["id"] for h in hits["hits"]], ["con-b"])

        srv.restart()  # SIGTERM: snapshot and search position written
        srv.wait_ready()  # the read models loaded (before that, reads are of an empty model)
        same_dashboard()
        self.assertEqual(self.wait_search(srv, "acme-corp", "hopper", 5).json["total"], 5)

        # Events while running, then SIGKILL: the dashboard is in the store; the search index
        # catches up from its recorded position on start.
        more = [contact("acme-corp", "con-k%d" % i, "Grace Killer %d" % i, "k%d@navy.example" % i)
                for i in range(3)]
        self.assertEqual(srv.post_events(ndjson(more), content_type="application/x-ndjson").status, 200)
        srv.kill9()
        srv.start()
        srv.wait_ready()
        same_dashboard(8)
        self.assertEqual(self.wait_search(srv, "acme-corp", "killer", 3).json["total"], 3)

        # A rebuild of every tenant: read models (dashboards included) and search indexes.
        r = srv.request("POST", "/admin/rebuild")
        self.assertIn(r.status, (200, 202), r.describe())
        deadline = time.monotonic() + 60
        while srv.get("/admin/rebuild").json.get("state") not in ("done", "failed"):
            self.assertLess(time.monotonic(), deadline, "the rebuild did not finish")
            time.sleep(0.1)
        self.assertEqual(srv.get("/admin/rebuild").json["state"], "done")
        same_dashboard(8)
        self.assertEqual(self.wait_search(srv, "acme-corp", "grace", 8).json["total"], 8)
        # And a stale write after all that is still refused.
        stale = self.post_json(srv, "PUT", "/dashboards/acme-corp/widgets/" + wid, {"title": "x"},
                               token=ann, headers={"If-Match": '"1"'})
        self.assertProblem(stale, 412)


if __name__ == "__main__":
    unittest.main()
