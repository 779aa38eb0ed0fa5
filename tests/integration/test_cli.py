"""Tests of the `readside generate` and `readside ingest` commands against a running server."""

import json
import os
import re
import subprocess
import tempfile

from server import ServerTestCase, readside_bin

ORG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def run(args, stdin=None, timeout=120):
    return subprocess.run([readside_bin()] + args, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


def generate(*args):
    p = run(["generate"] + [str(a) for a in args], timeout=60)
    if p.returncode != 0:
        raise AssertionError("generate %s exited %d: %s" % (args, p.returncode,
                                                            p.stderr.decode()[-2000:]))
    return p.stdout


def parse_summary(text):
    """Numbers next to accepted/duplicates/conflicts/rejected, last occurrence wins.
    Understands 'accepted 5', 'accepted: 5', 'accepted=5', '"accepted": 5' and '5 accepted'."""
    out = {}
    for key, stem in (("accepted", "accepted"), ("duplicates", "duplicate"),
                      ("conflicts", "conflict"), ("rejected", "rejected")):
        after = re.findall(r"\b%s\w*\"?\s*[:=]?\s*(\d+)" % stem, text, re.I)
        if after:
            out[key] = int(after[-1])
            continue
        before = re.findall(r"(\d+)\s+%s" % stem, text, re.I)
        if before:
            out[key] = int(before[-1])
    return out


def lines_of(data):
    return [l for l in data.decode("utf-8", "replace").split("\n") if l.strip()]


def orgs_in(data):
    orgs = set()
    for line in lines_of(data):
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        org = ev.get("organization_id") if isinstance(ev, dict) else None
        if isinstance(org, str) and ORG_RE.match(org):
            orgs.add(org)
    return orgs


class Generate(ServerTestCase):
    def test_same_seed_same_bytes_other_seed_other_bytes(self):
        a = generate("--seed", 42, "--tenants", "gen-a,gen-b", "--count", 300)
        b = generate("--seed", 42, "--tenants", "gen-a,gen-b", "--count", 300)
        c = generate("--seed", 43, "--tenants", "gen-a,gen-b", "--count", 300)
        self.assertTrue(a, "generate wrote nothing")
        self.assertEqual(a, b, "same seed must give identical bytes")
        self.assertNotEqual(a, c, "different seeds must give different output")
        fr = ["--duplicates", "0.1", "--malformed", "0.05", "--out-of-order", "0.2"]
        d = generate("--seed", 7, "--tenants", "gen-a,gen-b", "--count", 300, *fr)
        e = generate("--seed", 7, "--tenants", "gen-a,gen-b", "--count", 300, *fr)
        self.assertEqual(d, e, "same seed with fractions must give identical bytes")
        self.assertNotEqual(d, a)

    def test_clean_output_is_valid_for_the_server(self):
        data = generate("--seed", 5, "--tenants", "gen-x,gen-y", "--count", 400)
        lines = lines_of(data)
        self.assertEqual(len(lines), 400, "--count 400 without fractions: 400 events")
        events = [json.loads(l) for l in lines]
        self.assertEqual({e["organization_id"] for e in events}, {"gen-x", "gen-y"})
        ids = [(e["organization_id"], e.get("event_id")) for e in events
               if e.get("event_id") is not None]
        self.assertEqual(len(ids), len(set(ids)), "clean output has repeated event ids")
        srv = self.start_server()
        r = srv.post_events(data, "application/x-ndjson")
        self.assertBatch(r, accepted=400, position=400,
                         msg="every clean generated event must be valid")


class Ingest(ServerTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="readside-cli-")
        self.addCleanup(__import__("shutil").rmtree, self.tmp, True)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def ingest(self, srv, source, stdin=None, batch=100):
        args = ["ingest", source, "--url", srv.base_url, "--token", srv.token]
        if batch is not None:
            args += ["--batch", str(batch)]
        p = run(args, stdin=stdin, timeout=180)
        out = p.stdout.decode("utf-8", "replace")
        ctx = "ingest exit %d\nstdout: %s\nstderr: %s" % (
            p.returncode, out[-2000:], p.stderr.decode("utf-8", "replace")[-2000:])
        self.assertEqual(p.returncode, 0, ctx)
        s = parse_summary(out)
        for key in ("accepted", "duplicates", "rejected"):
            self.assertIn(key, s, "summary lacks %r\n%s" % (key, ctx))
        s.setdefault("conflicts", 0)
        return s, ctx

    def stored_total(self, srv, orgs):
        return self.assertGapFree(srv, sorted(orgs))

    def test_ingest_generated_file_with_duplicates_and_malformed(self):
        data = generate("--seed", 11, "--tenants", "cli-a,cli-b,cli-c", "--count", 1000,
                        "--duplicates", "0.1", "--malformed", "0.05", "--out-of-order", "0.1")
        path = self.write("events.ndjson", data)
        n_lines = len(lines_of(data))
        orgs = orgs_in(data)
        self.assertTrue({"cli-a", "cli-b", "cli-c"} <= orgs, orgs)
        srv = self.start_server()
        s, ctx = self.ingest(srv, path)
        self.assertGreater(s["accepted"], 0, ctx)
        self.assertGreater(s["duplicates"], 0, "10%% duplicates were generated\n" + ctx)
        self.assertGreater(s["rejected"], 0, "5%% malformed were generated\n" + ctx)
        self.assertEqual(s["accepted"] + s["duplicates"] + s["conflicts"] + s["rejected"],
                         n_lines, "every line is counted once\n" + ctx)
        total = self.stored_total(srv, orgs)
        self.assertEqual(total, s["accepted"], "stored events vs summary\n" + ctx)
        ready = srv.wait_ready(caught_up_to=total)
        self.assertEqual(ready.json["stored_position"], total)
        # Ingesting the same file again changes nothing.
        # (Lines without event_id get a fresh server-assigned id, so they count again.)
        no_id = 0
        for line in lines_of(data):
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if isinstance(ev, dict) and "event_id" not in ev:
                no_id += 1
        s2, ctx2 = self.ingest(srv, path, batch=37)
        self.assertLessEqual(s2["accepted"], no_id, ctx2)
        if no_id == 0:
            self.assertEqual(s2["accepted"], 0, ctx2)
        self.assertEqual(s2["rejected"], s["rejected"], ctx2)
        self.assertEqual(s2["accepted"] + s2["duplicates"] + s2["conflicts"],
                         s["accepted"] + s["duplicates"] + s["conflicts"], ctx2)
        self.assertEqual(self.stored_total(srv, orgs), total + s2["accepted"])

    def test_ingest_clean_file_from_stdin(self):
        data = generate("--seed", 3, "--tenants", "std-a,std-b", "--count", 250)
        srv = self.start_server()
        s, ctx = self.ingest(srv, "-", stdin=data, batch=None)
        self.assertEqual((s["accepted"], s["duplicates"], s["rejected"], s["conflicts"]),
                         (250, 0, 0, 0), ctx)
        self.assertEqual(self.stored_total(srv, {"std-a", "std-b"}), 250)
        stored = {}
        for org in ("std-a", "std-b"):
            for e in srv.all_events(org):
                e.pop("position")
                stored[(e["organization_id"], e["event_id"])] = e
        for line in lines_of(data):
            ev = json.loads(line)
            if "event_id" in ev:
                self.assertEqual(stored.get((ev["organization_id"], ev["event_id"])), ev)

    def test_ingest_without_server_fails(self):
        srv = self.start_server()
        url = srv.base_url
        srv.stop()
        path = self.write("one.ndjson", generate("--seed", 1, "--tenants", "x-a",
                                                 "--count", 5))
        p = run(["ingest", path, "--url", url], timeout=120)
        self.assertNotEqual(p.returncode, 0, "ingest must fail when nobody listens")
