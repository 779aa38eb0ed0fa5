"""The Debian package (`make package`, cmake/Packaging.cmake), installed for real on this machine:

- built by CPack in the build tree of $READSIDE_BIN into a temporary directory (a few seconds:
  the package ships the binary stripped); $READSIDE_DEB names a ready .deb instead (CI's
  release job, or `make package`'s);
- its dependencies were derived from the shared libraries (dpkg-shlibdeps);
- `dpkg -i` installs the binary, the web app where the binary looks for it, the systemd unit
  and /etc/readside/readside.toml (a conffile) as shipped in deploy/, and the postinst made
  the system user `readside`, /var/lib/readside (0750, theirs) and a JWT secret (0640
  root:readside);
- `systemd-analyze verify` accepts the installed unit (systemd need not run as PID 1 for it);
- /usr/bin/readside started exactly as the unit's ExecStart says, as its User= in its
  WorkingDirectory= with a clean environment, on the installed configuration (only --listen
  overridden, to a free loopback port): /health/ready, an authenticated POST and GET with a
  token signed by the installed secret, 401 without one, the web app's index, /metrics; then
  SIGTERM stops it cleanly;
- `dpkg --purge` leaves nothing behind: files, data, secret, user, group, systemd links.

Skipped, saying why, unless root, with dpkg, on a build that is not sanitized, and on a machine
where no `readside` package or user exists yet (the test would otherwise remove them).
"""

import glob
import grp
import json
import os
import pwd
import re
import resource
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import unittest

from server import REPO, _track, _untrack, http_request, make_event, make_token, readside_bin

PACKAGE = "readside"
UNIT = "/lib/systemd/system/readside.service"
CONFIG = "/etc/readside/readside.toml"
SECRET = "/etc/readside/jwt-secret"
DATA = "/var/lib/readside"
WEB_INDEX = "/usr/share/readside/web/index.html"
_LISTEN_RE = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")
ORG = "acme-corp"


def _run(cmd, timeout=120, **kw):
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, **kw)


def _installed():
    r = _run(["dpkg-query", "-W", "-f=${Status}", PACKAGE])
    return r.returncode == 0 and "installed" in r.stdout and "not-installed" not in r.stdout


def _skip_reason():
    if os.environ.get("READSIDE_SANITIZED", "").lower() in ("1", "true", "on"):
        return "sanitized build: the package ships the release build"
    if os.geteuid() != 0:
        return "not root: dpkg -i and a system user need root (CI runs as root)"
    for tool in ("dpkg", "dpkg-deb", "setpriv"):
        if not shutil.which(tool):
            return "%s not installed" % tool
    if _installed() or _run(["dpkg-query", "-W", PACKAGE]).returncode == 0:
        return "a readside package is already on this machine: not replacing nor purging it"
    try:
        pwd.getpwnam(PACKAGE)
        return "a user `readside` exists without the package: purge would remove it"
    except KeyError:
        pass
    return None


def unit_values(text):
    """{key: [values]} of a systemd unit file's assignments (all sections)."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;[" or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out.setdefault(k.strip(), []).append(v.strip())
    return out


class PackageTest(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        reason = _skip_reason()
        if reason:
            self.skipTest(reason)
        self.tmp = tempfile.mkdtemp(prefix="readside-it-pkg-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.proc = None
        # Whatever happens below, the machine is left as it was.
        self.addCleanup(self._purge_quietly)

    def _purge_quietly(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            _untrack(self.proc)
            self.proc.stdout.close()
        if _installed() or _run(["dpkg-query", "-W", PACKAGE]).returncode == 0:
            _run(["dpkg", "--purge", PACKAGE])

    # -- the package --------------------------------------------------------------------------

    def build_deb(self):
        given = os.environ.get("READSIDE_DEB")
        if given:
            return given
        build_dir = os.path.dirname(os.path.abspath(readside_bin()))
        config = os.path.join(build_dir, "CPackConfig.cmake")
        self.assertTrue(os.path.exists(config),
                        "%s missing: configure the build tree (cmake) with cmake/Packaging.cmake"
                        % config)
        out = os.path.join(self.tmp, "deb")
        start = time.monotonic()
        r = _run(["cpack", "-G", "DEB", "--config", config, "-B", out], timeout=300,
                 cwd=build_dir)
        self.assertEqual(r.returncode, 0, "cpack failed:\n" + r.stdout[-4000:])
        debs = glob.glob(os.path.join(out, "readside_*.deb"))
        self.assertEqual(len(debs), 1, "cpack made %s\n%s" % (debs, r.stdout[-2000:]))
        print("cpack took %.1f s" % (time.monotonic() - start))
        return debs[0]

    def check_control(self, deb):
        r = _run(["dpkg-deb", "-f", deb, "Package", "Depends"])
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("Package: readside", r.stdout)
        # dpkg-shlibdeps found the libraries the binary links.
        for dep in ("adduser", "libc6", "libstdc++6", "librocksdb"):
            self.assertIn(dep, r.stdout, "Depends lacks %s:\n%s" % (dep, r.stdout))
        r = _run(["dpkg-deb", "--ctrl-tarfile", deb])
        self.assertEqual(r.returncode, 0)

    # -- after dpkg -i ------------------------------------------------------------------------

    def check_files(self):
        self.assertTrue(os.access("/usr/bin/readside", os.X_OK))
        with open(os.path.join(REPO, "deploy", "systemd", "readside.service")) as f:
            shipped_unit = f.read()
        with open(UNIT) as f:
            self.assertEqual(f.read(), shipped_unit, "installed unit differs from deploy/")
        with open(os.path.join(REPO, "deploy", "readside.toml")) as f:
            shipped_config = f.read()
        with open(CONFIG) as f:
            self.assertEqual(f.read(), shipped_config, "installed config differs from deploy/")
        r = _run(["dpkg-query", "-W", "-f=${Conffiles}", PACKAGE])
        self.assertIn(CONFIG, r.stdout, "readside.toml is not a conffile")
        web_built = os.path.exists(os.path.join(os.path.dirname(readside_bin()), "web",
                                                "index.html"))
        if web_built:
            self.assertTrue(os.path.isfile(WEB_INDEX), "web app not installed")

    def check_user_and_dirs(self):
        user = pwd.getpwnam(PACKAGE)
        group = grp.getgrnam(PACKAGE)
        self.assertLess(user.pw_uid, 1000, "not a system user")
        self.assertEqual(user.pw_gid, group.gr_gid)
        self.assertEqual(user.pw_dir, DATA)
        self.assertIn(user.pw_shell, ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false"))
        st = os.stat(DATA)
        self.assertEqual((st.st_uid, st.st_gid), (user.pw_uid, group.gr_gid))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o750)
        st = os.stat(SECRET)
        self.assertEqual((st.st_uid, st.st_gid), (0, group.gr_gid))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        with open(SECRET) as f:
            secret = f.read().strip()
        self.assertGreaterEqual(len(secret), 32, "JWT secret shorter than 32 bytes")
        return user, secret

    def check_unit(self):
        with open(UNIT) as f:
            values = unit_values(f.read())
        analyze = shutil.which("systemd-analyze")
        if analyze:
            r = _run([analyze, "verify", UNIT])
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertNotIn("readside.service", r.stdout,
                             "systemd-analyze verify complained:\n" + r.stdout)
        else:
            print("systemd-analyze not installed: unit not verified")
        return values

    # -- the service --------------------------------------------------------------------------

    def start_as_unit(self, values, user):
        """Starts ExecStart as the unit would: User=, WorkingDirectory=, UMask=, LimitNOFILE=,
        NoNewPrivileges=, an environment of PATH alone; --listen on a free loopback port is the
        one flag added. (The unit's filesystem sandboxing is systemd's: checked by
        `systemd-analyze verify`/`security` in test_deploy.py, not applied here.)"""
        argv = shlex.split(values["ExecStart"][0]) + ["--listen", "127.0.0.1:0"]
        self.assertEqual(argv[:2], ["/usr/bin/readside", "serve"])
        self.assertEqual(values["User"], [PACKAGE])
        umask = int(values.get("UMask", ["0022"])[0], 8)
        nofile = int(values.get("LimitNOFILE", ["1024"])[0])
        cmd = ["setpriv", "--reuid", PACKAGE, "--regid", PACKAGE, "--init-groups"]
        if values.get("NoNewPrivileges", ["no"])[0] == "yes":
            cmd.append("--no-new-privs")
        cmd += ["--"] + argv

        def as_the_unit():  # in the child, before setpriv: inherited by readside
            os.umask(umask)
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]  # a container may cap it
            n = nofile if hard == resource.RLIM_INFINITY else min(nofile, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
        self.log = open(os.path.join(self.tmp, "stderr.log"), "w+b")
        self.proc = subprocess.Popen(cmd, cwd=values.get("WorkingDirectory", ["/"])[0],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.log, env=env, preexec_fn=as_the_unit)
        self.addCleanup(self.log.close)
        _track(self.proc)
        found = {}

        def reader():
            for raw in iter(self.proc.stdout.readline, b""):
                m = _LISTEN_RE.search(raw.decode("utf-8", "replace"))
                if m and "port" not in found:
                    found["port"] = int(m.group(1))

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        deadline = time.monotonic() + 30
        while "port" not in found and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if "port" not in found:
            self.log.seek(0)
            self.fail("installed readside did not start:\n%s"
                      % self.log.read().decode("utf-8", "replace")[-4000:])
        with open("/proc/%d/status" % self.proc.pid) as f:
            uid_line = next(line for line in f if line.startswith("Uid:"))
        self.assertEqual(int(uid_line.split()[1]), user.pw_uid, "not running as readside")
        return found["port"]

    def exercise(self, port, secret):
        deadline = time.monotonic() + 30
        while True:
            r = http_request("127.0.0.1", port, "GET", "/health/ready", timeout=5)
            if r.status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(r.status, 200, r.describe())
        token = make_token(orgs=(ORG,), roles=("admin",), secret=secret)
        auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        event = make_event(org=ORG)

        r = http_request("127.0.0.1", port, "POST", "/events", json.dumps(event).encode(), auth)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json.get("accepted"), 1, r.describe())
        r = http_request("127.0.0.1", port, "GET", "/events/%s" % ORG,
                         None, auth)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual([e["event_id"] for e in r.json["events"]], [event["event_id"]])
        r = http_request("127.0.0.1", port, "GET", "/events/%s" % ORG)
        self.assertEqual(r.status, 401, r.describe())
        r = http_request("127.0.0.1", port, "GET", "/")
        self.assertEqual(r.status, 200, r.describe())
        self.assertTrue(r.headers.get("content-type", "").startswith("text/html"), r.describe())
        if os.path.isfile(WEB_INDEX):
            with open(WEB_INDEX, "rb") as f:
                self.assertEqual(r.raw, f.read(), "/ is not the installed web app's index")
        r = http_request("127.0.0.1", port, "GET", "/metrics")
        self.assertEqual(r.status, 200)
        self.assertIn(b"readside_store_position", r.raw)
        # The store is in the data directory, written by the service's user.
        owners = {os.stat(os.path.join(DATA, n)).st_uid for n in os.listdir(DATA)}
        self.assertEqual(owners, {pwd.getpwnam(PACKAGE).pw_uid})

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)  # the unit's TimeoutStopSec
        _untrack(self.proc)
        self.proc.stdout.close()
        self.log.seek(0)
        self.assertEqual(code, 0, self.log.read().decode("utf-8", "replace")[-3000:])

    # -- purge --------------------------------------------------------------------------------

    def purge_and_check_clean(self):
        r = _run(["dpkg", "--purge", PACKAGE])
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertFalse(_installed())
        self.assertNotEqual(_run(["dpkg-query", "-W", PACKAGE]).returncode, 0,
                            "dpkg still knows the package (config-files?)")
        for path in ("/usr/bin/readside", "/usr/share/readside", "/usr/share/doc/readside",
                     UNIT, "/etc/readside", DATA,
                     "/etc/systemd/system/readside.service",
                     "/etc/systemd/system/multi-user.target.wants/readside.service",
                     "/var/lib/systemd/deb-systemd-helper-enabled/readside.service.dsh-also"):
            self.assertFalse(os.path.lexists(path), "%s left after purge" % path)
        with self.assertRaises(KeyError):
            pwd.getpwnam(PACKAGE)
        with self.assertRaises(KeyError):
            grp.getgrnam(PACKAGE)

    def test_install_run_purge(self):
        deb = self.build_deb()
        self.check_control(deb)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = _run(["dpkg", "-i", deb], env=env)
        self.assertEqual(r.returncode, 0, "dpkg -i failed:\n" + r.stdout)
        self.assertTrue(_installed())
        self.check_files()
        user, secret = self.check_user_and_dirs()
        values = self.check_unit()
        port = self.start_as_unit(values, user)
        self.exercise(port, secret)
        self.stop()
        # UMask=0027: nothing the service wrote is readable by other users.
        readable = []
        for root, dirs, files in os.walk(DATA):
            for name in dirs + files:
                path = os.path.join(root, name)
                if not os.path.islink(path) and os.stat(path).st_mode & 0o007:
                    readable.append(path)
        self.assertEqual(readable, [], "written readable by others despite UMask=0027")
        self.purge_and_check_clean()


if __name__ == "__main__":
    unittest.main()
