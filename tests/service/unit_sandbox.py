#!/usr/bin/python3
"""The systemd unit's sandbox against what the daemon really does.

dist/ykien.service lets the daemon make only the system calls of
SystemCallFilter (@system-service, less @privileged and @resources) and
open sockets of RestrictAddressFamilies only; a call outside the filter
kills the service (SIGSYS).  No systemd runs here, so this test takes the
filter from the unit file itself, expands it with `systemd-analyze
syscall-filter`, runs the real daemon under strace through a day of work
(start-up, JSON and multipart posts with an image, moderation, bulk,
erasure, word rules, webhooks to a real receiver, public pages, the
console and widget, metrics, a stop on SIGTERM) and checks that every
system call it made is allowed, and every socket family it opened is
listed.  It also runs `systemd-analyze verify` on the unit.

    python3 tests/service/unit_sandbox.py build/ykien [UNIT]

With YKIEN_TEST_PG (tests/with_pg.py) the daemon runs on a database of
that PostgreSQL cluster instead of SQLite.
"""
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "http"))
from harness import free_port, png_bytes  # noqa: E402

TIMEOUT = 10


def not_run(why):
    print(f"not run: {why}", flush=True)
    sys.exit(77)


def unit_settings(path, key):
    """The values of every KEY= line of the unit, in order."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith(key + "="):
                out.append(line[len(key) + 1:])
    return out


def syscall_groups():
    """Every group systemd knows: name -> its entries (names and @groups)."""
    text = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True,
                          text=True, check=True, timeout=30).stdout
    groups, current = {}, None
    for line in text.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif current is not None and line.startswith("    "):
            item = line.strip()
            if item and not item.startswith("#"):
                current.append(item)
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    out = set()
    for n in names:
        if n.startswith("@"):
            if n in seen:
                continue
            seen.add(n)
            assert n in groups, f"the unit names {n}, which systemd does not know"
            out |= expand(groups[n], groups, seen)
        else:
            out.add(n)
    return out


def allowed_calls(unit):
    """SystemCallFilter's lines as systemd reads them: the first is an allow
    list (unless it starts with ~); each later ~ line takes calls away, each
    later plain line adds."""
    groups = syscall_groups()
    allowed = None
    for value in unit_settings(unit, "SystemCallFilter"):
        deny = value.startswith("~")
        names = value.lstrip("~").split()
        calls = expand(names, groups)
        if allowed is None:
            assert not deny, "the unit's filter starts with a deny list"
            allowed = calls
        elif deny:
            allowed -= calls
        else:
            allowed |= calls
    assert allowed, "the unit has no SystemCallFilter"
    return allowed


def verify_unit(unit, binary, tmp):
    """systemd-analyze verify on a copy whose ExecStart names this build."""
    copy = os.path.join(tmp, "ykien.service")
    with open(unit, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"^ExecStart=\S+", f"ExecStart={binary}", text, flags=re.M)
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text)
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", copy],
                       capture_output=True, text=True, timeout=60)
    # verify also reads the units the copy pulls in (network.target ...);
    # only what it says of ours counts.
    ours = [ln for ln in (r.stdout + r.stderr).splitlines() if "ykien.service" in ln]
    assert not ours, "systemd-analyze verify:\n" + "\n".join(ours)


class Receiver(http.server.BaseHTTPRequestHandler):
    events = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Receiver.events.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def start_receiver():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def wait_for(what, fn, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if fn():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def workload(url, token, receiver):
    """What a day of a news site asks of the daemon."""
    s = requests.Session()
    mod = {"Authorization": f"Bearer {token}"}

    def ok(r, status):
        assert r.status_code == status, (r.request.method, r.request.url, r.status_code, r.text)
        return r.json() if r.content and "json" in r.headers.get("Content-Type", "") else r

    art = "/api/v1/articles/bai-viet-1/comments"
    ids = []
    for i in range(5):
        c = ok(s.post(url + art, json={"author": "Bạn đọc", "body": f"Bài viết số {i} rất hay, "
                                       "cảm ơn tác giả."}, timeout=TIMEOUT), 201)
        ids.append(c["id"])
    with_file = ok(s.post(url + art, data={"author": "Minh", "body": "Ảnh chụp hiện trường."},
                          files={"attachment": ("anh.png", png_bytes(3000), "image/png")},
                          timeout=TIMEOUT), 201)
    ids.append(with_file["id"])
    ok(s.post(url + art, json={"author": "Bạn đọc", "body": "Toi dong y voi y kien nay"},
              timeout=TIMEOUT), 422)
    ok(s.post(url + "/api/v1/check-text", json={"text": "Tooi ddi hocj"}, timeout=TIMEOUT), 200)
    ok(s.post(url + "/api/v1/moderation/rules", headers=mod,
              json={"pattern": "lừa đảo", "action": "hold"}, timeout=TIMEOUT), 201)
    for cid in ids[:3]:
        ok(s.post(url + f"/api/v1/moderation/comments/{cid}/approve", headers=mod, json={},
                  timeout=TIMEOUT), 200)
    ok(s.post(url + f"/api/v1/moderation/comments/{ids[5]}/approve", headers=mod, json={},
              timeout=TIMEOUT), 200)
    ok(s.post(url + "/api/v1/moderation/bulk", headers=mod,
              json={"action": "reject", "ids": ids[3:5], "reason": "lạc đề"}, timeout=TIMEOUT),
       200)
    ok(s.post(url + f"/api/v1/moderation/comments/{ids[4]}/erase", headers=mod,
              json={"reason": "yêu cầu của bạn đọc"}, timeout=TIMEOUT), 200)
    page = ok(s.get(url + art, timeout=TIMEOUT), 200)
    assert len(page["comments"]) == 4, page
    ok(s.get(url + art, timeout=TIMEOUT), 200)          # from the page cache
    att = page["comments"][0].get("attachments") or next(
        c["attachments"] for c in page["comments"] if c.get("attachments"))
    got = s.get(att[0]["url"] if att[0]["url"].startswith("http") else url + att[0]["url"],
                timeout=TIMEOUT)
    ok(got, 200)
    ok(s.get(url + "/api/v1/moderation/queue", headers=mod, timeout=TIMEOUT),
       200)
    ok(s.get(url + f"/api/v1/moderation/comments/{ids[0]}", headers=mod, timeout=TIMEOUT), 200)
    ok(s.get(url + "/api/v1/moderation/queue", headers={"Authorization": "Bearer wrong"},
             timeout=TIMEOUT), 401)
    for path in ("/widget.js", "/moderation/", "/api/v1/openapi.json", "/metrics", "/healthz"):
        ok(s.get(url + path, timeout=TIMEOUT), 200)
    ok(s.post(url + art, data=b"{not json", headers={"Content-Type": "application/json"},
              timeout=TIMEOUT), 400)
    wait_for("the webhook events", lambda: len(Receiver.events) >= 6)
    s.close()


def children(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return found


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    unit = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "dist", "ykien.service")
    for tool in ("strace", "systemd-analyze"):
        if not shutil.which(tool):
            not_run(f"{tool} is not installed (scripts/setup installs it)")
    allowed = allowed_calls(unit)
    families = set(" ".join(unit_settings(unit, "RestrictAddressFamilies")).split())
    tmp = tempfile.mkdtemp(prefix="ykien-sandbox-")
    pg_admin = os.environ.get("YKIEN_TEST_PG")
    pg_db = f"ykien_sandbox_{os.getpid()}" if pg_admin else None
    proc = None
    receiver = start_receiver()
    try:
        verify_unit(unit, binary, tmp)
        data = os.path.join(tmp, "data")
        db_args = ["--data", data]
        if pg_db:
            subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", pg_admin, "-c",
                            f'CREATE DATABASE "{pg_db}"'], check=True, capture_output=True,
                           timeout=60)
            db_args += ["--db", f"{pg_admin} dbname={pg_db}"]
        token = subprocess.run([binary, "token", "add", "alice"] + db_args, check=True,
                               capture_output=True, text=True, timeout=30).stdout.strip()
        # The unit runs the daemon as a user systemd makes up (DynamicUser),
        # never as root (as root SQLite also chowns its files: fchown, which
        # the filter forbids).  As root, run it as an unprivileged user who
        # can reach the test's PostgreSQL socket.
        run_as = []
        if os.geteuid() == 0:
            user = "postgres" if pg_db else "nobody"
            subprocess.run(["chown", "-R", user, tmp], check=True, timeout=30)
            run_as = ["-u", user]
        secret = os.path.join(tmp, "secret")
        with open(secret, "w") as f:
            f.write("whsec-sandbox-test\n")
        os.chmod(secret, 0o644)
        port = free_port()
        trace = os.path.join(tmp, "strace.log")
        hook = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
        proc = subprocess.Popen(
            ["strace", "-f", "-qq", "-o", trace] + run_as + ["--", binary, "serve",
             "--listen", f"127.0.0.1:{port}", "--rate-limit", "0",
             "--webhook", hook, "--webhook-secret-file", secret] + db_args,
            cwd=tmp,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "daemon.log"), "wb"))
        url = f"http://127.0.0.1:{port}"

        def healthy():
            try:
                return requests.get(url + "/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False
        wait_for("the daemon to start under strace", healthy, timeout=30)
        workload(url, token, receiver)
        for pid in children(proc.pid):
            os.kill(pid, signal.SIGTERM)
        status = proc.wait(timeout=60)
        proc = None
        assert status == 0, f"the daemon (under strace) exited {status}"

        used, opened = set(), set()
        call = re.compile(r"^\d+\s+([a-z0-9_]+)\(")
        sock = re.compile(r"^\d+\s+socket\((AF_[A-Z0-9]+)")
        with open(trace, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = call.match(line)
                if m:
                    used.add(m.group(1))
                m = sock.match(line)
                if m:
                    opened.add(m.group(1))
        assert len(used) > 20, f"strace saw only {sorted(used)}"
        # execve is strace starting the daemon, which systemd does too.
        outside = sorted(used - allowed - {"execve"})
        print(f"the daemon made {len(used)} kinds of system call; sockets of {sorted(opened)}")
        assert not outside, ("system calls outside the unit's SystemCallFilter "
                             f"(the service would be killed): {outside}")
        assert opened <= families, (f"socket families outside RestrictAddressFamilies "
                                    f"{sorted(families)}: {sorted(opened - families)}")
        print("1 passed, 0 failed")
    finally:
        if proc is not None and proc.poll() is None:
            for pid in children(proc.pid):
                os.kill(pid, signal.SIGKILL)
            proc.kill()
            proc.wait()
        receiver.shutdown()
        if pg_db:
            subprocess.run(["psql", "-X", "-q", pg_admin, "-c",
                            f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)'],
                           capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
