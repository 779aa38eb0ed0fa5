"""The web app served by readside (../shared/spec/web.md "Serving", docs/web.md): index.html for
every path outside the API, hashed assets cached for good, the API's own 404s kept, no token
needed, traversal refused, the page shown when the app is not built, where the server looks for
the app by default, GET /tenants/{org}/settings for any role, and the demo's sign-in link."""

import gzip
import os
import re
import shutil
import tempfile
import time
import unittest

from server import ServerTestCase, encode_body, make_token, raw_request

INDEX = (b'<!doctype html><html><head><script type="module" src="/assets/index-3fa9c1.js">'
         b'</script><link rel="stylesheet" href="/assets/index-3fa9c1.css"></head>'
         b'<body><div id="root"></div></body></html>')
SCRIPT = b"document.getElementById('root').textContent = 'readside';\n" * 40
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
          "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
          "frame-ancestors 'none'; form-action 'self'")
IMMUTABLE = "public, max-age=31536000, immutable"


def fake_build(root, index=INDEX):
    """A directory shaped like the Vite build: index.html, hashed assets (one also gzip'd),
    and root files from public/."""
    files = {
        "assets/index-3fa9c1.js": SCRIPT,
        "assets/index-3fa9c1.js.gz": gzip.compress(SCRIPT),
        "assets/index-3fa9c1.css": b"#root{font-family:system-ui}",
        "assets/inter-8b1d2e.woff2": b"wOF2\x00\x01",
        "favicon.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        "robots.txt": b"User-agent: *\nDisallow: /\n",
    }
    if index is not None:
        files["index.html"] = index
    for name, data in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return root


class WebTestCase(ServerTestCase):
    def make_dir(self, prefix):
        path = tempfile.mkdtemp(prefix=prefix)
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def get_raw(self, srv, target, headers=None):
        """GET with the request target sent byte for byte (http.client refuses some)."""
        return raw_request(srv.host, srv.port, "GET", target, b"", headers or {})

    def assertIndex(self, resp, what):
        self.assertEqual(resp.status, 200, "%s\n%s" % (what, resp.describe()))
        self.assertEqual(resp.raw, INDEX, what)
        self.assertEqual(resp.headers["content-type"], "text/html; charset=utf-8", what)
        self.assertEqual(resp.headers["cache-control"], "no-cache", what)
        self.assertEqual(resp.headers["content-security-policy"], POLICY, what)
        self.assertEqual(resp.headers["x-content-type-options"], "nosniff", what)
        self.assertEqual(resp.headers["referrer-policy"], "no-referrer", what)
        self.assertIn("etag", resp.headers, what)


class WebServingTest(WebTestCase):
    @classmethod
    def setUpClass(cls):
        cls.web = fake_build(tempfile.mkdtemp(prefix="readside-it-web-"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.web, ignore_errors=True)

    def setUp(self):
        self.srv = self.start_server(extra_args=["--web-dir", self.web])

    def test_the_app_and_its_client_routes_answer_index_html_without_a_token(self):
        for path in ("/", "/dashboard/whatever", "/reports-page/2024-Q1", "/search-results",
                     "/crm?period=2024-01", "/index.html", "/dashboard/", "/docsx"):
            self.assertIndex(self.srv.get(path, token=None), path)
        # A token, even a bad one, changes nothing.
        self.assertIndex(self.srv.get("/dashboard/x", token="not-a-jwt"), "bad token")
        head = self.srv.request("HEAD", "/dashboard/whatever", token=None)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.raw, b"")
        self.assertEqual(int(head.headers["content-length"]), len(INDEX))

    def test_hashed_assets_are_immutable_and_a_missing_one_is_404(self):
        r = self.srv.get("/assets/index-3fa9c1.js", token=None)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.raw, SCRIPT)
        self.assertEqual(r.headers["content-type"], "text/javascript; charset=utf-8")
        self.assertEqual(r.headers["cache-control"], IMMUTABLE)
        self.assertEqual(r.headers["content-security-policy"], POLICY)
        self.assertEqual(r.headers["x-content-type-options"], "nosniff")
        self.assertEqual(r.headers["vary"], "Accept-Encoding")
        self.assertNotIn("content-encoding", r.headers)
        css = self.srv.get("/assets/index-3fa9c1.css", token=None)
        self.assertEqual(css.headers["content-type"], "text/css; charset=utf-8")
        self.assertEqual(css.headers["cache-control"], IMMUTABLE)
        font = self.srv.get("/assets/inter-8b1d2e.woff2", token=None)
        self.assertEqual(font.headers["content-type"], "font/woff2")
        for path in ("/assets/missing.js", "/assets/index-000000.js", "/assets/",
                     "/assets/sub/index-3fa9c1.js"):
            self.assertProblem(self.srv.get(path, token=None), 404, path)

    def test_gzip_variant_and_revalidation(self):
        r = self.srv.request("GET", "/assets/index-3fa9c1.js",
                             headers={"Accept-Encoding": "gzip, deflate, br"}, token=None)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-encoding"], "gzip")
        self.assertEqual(gzip.decompress(r.raw), SCRIPT)
        self.assertLess(len(r.raw), len(SCRIPT))
        etag = r.headers["etag"]
        again = self.srv.request("GET", "/assets/index-3fa9c1.js",
                                 headers={"Accept-Encoding": "gzip", "If-None-Match": etag},
                                 token=None)
        self.assertEqual(again.status, 304, again.describe())
        self.assertEqual(again.raw, b"")
        index = self.srv.get("/", token=None)
        revalidated = self.srv.request("GET", "/dashboard/x",
                                       headers={"If-None-Match": index.headers["etag"]},
                                       token=None)
        self.assertEqual(revalidated.status, 304)

    def test_root_files_have_a_short_cache(self):
        r = self.srv.get("/favicon.svg", token=None)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "image/svg+xml")
        self.assertEqual(r.headers["cache-control"], "public, max-age=3600")
        robots = self.srv.get("/robots.txt", token=None)
        self.assertEqual(robots.headers["content-type"], "text/plain; charset=utf-8")
        self.assertEqual(robots.raw, b"User-agent: *\nDisallow: /\n")

    def test_the_api_keeps_its_answers(self):
        # Unknown paths under the API's prefixes: the API's problem+json, never HTML.
        for path in ("/analytics/nope", "/dashboards", "/reports/nope/x/y", "/docs/x",
                     "/openapi.json/x", "/tenants/acme-corp"):
            self.assertProblem(self.srv.get(path), 404, path)
            self.assertProblem(self.srv.get(path, token=None), 401, path)
        self.assertProblem(self.srv.get("/health/nope", token=None), 404)  # /health/* is public
        # API answers keep their headers (no caching, the API's policy).
        r = self.srv.get("/analytics/dashboard/acme-corp")
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.headers["cache-control"], "no-store")
        self.assertIn("default-src 'none'", r.headers["content-security-policy"])
        self.assertEqual(self.srv.get("/docs", token=None).status, 200)
        self.assertEqual(self.srv.get("/openapi.json", token=None).status, 200)
        # Other methods on the app's paths are not the app's.
        self.assertProblem(self.srv.request("POST", "/dashboard/x", b"{}",
                                            {"Content-Type": "application/json"}), 404)
        self.assertProblem(self.srv.request("POST", "/", b"{}",
                                            {"Content-Type": "application/json"}), 405)
        self.assertProblem(self.srv.request("DELETE", "/dashboard/x", token=None), 401)

    def test_traversal_never_leaves_the_directory(self):
        secret = os.path.join(os.path.dirname(self.web), "readside-it-secret.txt")
        with open(secret, "w") as f:
            f.write("TOP-SECRET")
        self.addCleanup(os.unlink, secret)
        for target in ("/../etc/passwd", "/../readside-it-secret.txt",
                       "/%2e%2e/readside-it-secret.txt", "/%2E%2E/%2e%2e/etc/passwd",
                       "/assets/..%2f..%2freadside-it-secret.txt",
                       "/assets/%2e%2e/index.html", "/assets/../../../../etc/passwd",
                       "/..%5creadside-it-secret.txt", "/assets%5cindex-3fa9c1.js",
                       "/%00", "/index.html%00.js", "/./index.html", "/%2e/favicon.svg"):
            for token in (None, self.srv.token):
                headers = {"Authorization": "Bearer " + token} if token else {}
                r = self.get_raw(self.srv, target, headers)
                self.assertProblem(r, 404, target)
                self.assertNotIn(b"TOP-SECRET", r.raw, target)
                self.assertNotIn(b"root:", r.raw, target)
        # A raw backslash is not a valid request target at all.
        r = self.get_raw(self.srv, "/..\\readside-it-secret.txt")
        self.assertIn(r.status, (400, 404), r.describe())
        self.assertNotIn(b"TOP-SECRET", r.raw)


class WebDirectoryTest(WebTestCase):
    def test_without_index_html_the_app_paths_say_how_to_build_it(self):
        web = fake_build(self.make_dir("readside-it-web-"), index=None)
        srv = self.start_server(env={"READSIDE_WEB_DIR": web})
        for path in ("/", "/dashboard/whatever"):
            r = srv.get(path, token=None)
            self.assertEqual(r.status, 200, r.describe())
            self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
            self.assertEqual(r.headers["cache-control"], "no-cache")
            page = r.raw.decode("utf-8")
            self.assertIn("The web app is not built. Install Node.js 20 and npm, then run "
                          "<code>make build</code>.", page)
            self.assertIn('href="/docs"', page)
            self.assertIn('href="/openapi.json"', page)
            self.assertNotIn("<script", page)
            self.assertIn("default-src 'none'", r.headers["content-security-policy"])
        self.assertProblem(srv.get("/assets/index-000000.js", token=None), 404)
        self.assertEqual(srv.get("/favicon.svg", token=None).status, 200)
        self.assertIn("the web app is not built", srv.stderr_text())

    def test_a_web_dir_that_does_not_exist_stops_the_start(self):
        missing = os.path.join(self.make_dir("readside-it-web-"), "nope")
        with self.assertRaises(RuntimeError) as ctx:
            self.start_server(extra_args=["--web-dir", missing])
        self.assertIn(missing, str(ctx.exception))

    def test_the_default_is_web_beside_the_executable_else_share_readside_web(self):
        from server import readside_bin
        prefix = self.make_dir("readside-it-install-")
        binary = os.path.join(prefix, "bin", "readside")
        os.makedirs(os.path.dirname(binary))
        try:
            os.link(readside_bin(), binary)
        except OSError:
            shutil.copy2(readside_bin(), binary)
        installed = b"<!doctype html><title>installed</title>"
        fake_build(os.path.join(prefix, "share", "readside", "web"), index=installed)
        srv = self.start_server(binary=binary)
        self.assertEqual(srv.get("/", token=None).raw, installed)
        srv.stop()
        beside = b"<!doctype html><title>build tree</title>"
        os.makedirs(os.path.join(prefix, "bin", "web"))
        with open(os.path.join(prefix, "bin", "web", "index.html"), "wb") as f:
            f.write(beside)
        srv.start()
        self.assertEqual(srv.get("/", token=None).raw, beside)


class TenantSettingsTest(ServerTestCase):
    def test_any_role_of_the_tenant_reads_its_settings(self):
        srv = self.start_server()
        put = srv.request("PUT", "/admin/tenants/acme-corp",
                          encode_body({"timezone": "Europe/Berlin", "currency": "EUR",
                                       "name": "Acme Corp"}),
                          {"Content-Type": "application/json"})
        self.assertEqual(put.status, 200, put.describe())
        expected = {"organization_id": "acme-corp", "name": "Acme Corp",
                    "timezone": "Europe/Berlin", "currency": "EUR"}
        for role in ("sales", "hr", "finance", "ingest", "admin"):
            token = make_token(orgs=("acme-corp",), roles=(role,))
            r = srv.get("/tenants/acme-corp/settings", token=token)
            self.assertEqual(r.status, 200, "%s\n%s" % (role, r.describe()))
            self.assertEqual(r.json, expected, role)
            self.assertIn("x-readside-position", r.headers)
        sales = make_token(orgs=("acme-corp",), roles=("sales",))
        self.assertProblem(srv.get("/admin/tenants/acme-corp", token=sales), 403)
        # Another tenant: 404, the same as for one that does not exist.
        other = srv.get("/tenants/beta-inc/settings", token=sales)
        self.assertProblem(other, 404)
        none = srv.get("/tenants/no-such-org/settings", token=sales)
        self.assertEqual(other.raw.replace(b"beta-inc", b"X"),
                         none.raw.replace(b"no-such-org", b"X"))
        unauthenticated = srv.get("/tenants/acme-corp/settings", token=None)
        self.assertProblem(unauthenticated, 401)
        self.assertIn("www-authenticate", unauthenticated.headers)
        self.assertProblem(srv.get("/tenants/Not_An_Org/settings"), 400)


class DemoSignInTest(WebTestCase):
    def test_the_demo_prints_the_sign_in_link_first_and_it_opens_a_full_dashboard(self):
        web = fake_build(self.make_dir("readside-it-web-"))
        srv = self.start_server(command="demo", extra_args=[
            "--history-days", "2", "--history-events", "500", "--rate", "5", "--seed", "7",
            "--web-dir", web])
        deadline = time.monotonic() + 10
        while not any("Ctrl-C stops." in l for l in srv._stdout_lines):
            self.assertLess(time.monotonic(), deadline, srv.logs())
            time.sleep(0.05)
        lines = list(srv._stdout_lines)
        # Nothing comes before the banner on the terminal either: the server's own "web app
        # from …" line is not printed by the demo (stderr is a separate pipe, so the test asks
        # that it is still empty once the banner is complete).
        self.assertEqual(srv.stderr_text(), "", srv.logs())
        link = [i for i, l in enumerate(lines) if "Open the web app:" in l]
        self.assertEqual(len(link), 1, "\n".join(lines))
        first_example = min(i for i, l in enumerate(lines)
                            if "curl " in l or "export TOKEN" in l or "listening on" in l)
        self.assertLess(link[0], first_example, "\n".join(lines))
        m = re.search(r"Open the web app: (http://127\.0\.0\.1:(\d+))/#token=([\w.-]+)$",
                      lines[link[0]])
        self.assertIsNotNone(m, lines[link[0]])
        self.assertEqual(int(m.group(2)), srv.port)
        token = m.group(3)
        self.assertIn("acme-corp, beta-inc, gamma-llc for 24 h", lines[link[0] + 1])
        self.assertEqual(srv.get("/", token=None).raw, INDEX)
        # The link's token is an admin of every demo tenant, for a day.
        for org in ("acme-corp", "beta-inc", "gamma-llc"):
            r = srv.get("/tenants/%s/settings" % org, token=token)
            self.assertEqual(r.status, 200, r.describe())
        # The first screen: the organization's default dashboard, the executive template.
        r = srv.get("/dashboards/acme-corp", token=token)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json["dashboard_id"], "default")
        self.assertEqual(r.json["name"], "Executive overview")
        self.assertEqual(len(r.json["widgets"]), 10)
        self.assertTrue(all(not w.get("forbidden") for w in r.json["widgets"]))
        # The operator's link opens the operations page with a token for every tenant, which
        # the dead letters need; the admin's token is refused there.
        op = [l for l in lines if "As the operator" in l]
        self.assertEqual(len(op), 1, "\n".join(lines))
        m = re.search(r": (http://127\.0\.0\.1:\d+)/o/acme-corp/operations#token=([\w.-]+)$", op[0])
        self.assertIsNotNone(m, op[0])
        self.assertEqual(srv.get("/admin/dead-letters?limit=1", token=m.group(2)).status, 200)
        self.assertEqual(srv.get("/admin/dead-letters?limit=1", token=token).status, 403)


if __name__ == "__main__":
    unittest.main()
