"""The real daemon for ykien's own HTTP suites: started on a loopback port
with a fresh data folder and a moderator token, driven over HTTP, and
checked when it stops.  Nothing here comes from outside the repository.

    with Daemon("build/ykien", extra_args=["--rate-limit", "0"]) as d:
        r = d.post_json("/api/v1/articles/a1/comments", {...})
        ...
        problems = d.finish()       # SIGTERM; [] when it exited 0, cleanly

What finish() checks, for every run of the daemon in the test (a test may
stop and start it again): each stop by SIGTERM or SIGINT through stop()
ended with exit status 0 within the timeout, and the daemon's stderr log
(all runs append to one file) holds no AddressSanitizer, LeakSanitizer or
UndefinedBehaviorSanitizer report.  `ykien token add` is checked the same
way.

PostgreSQL: with YKIEN_TEST_PG set to a libpq key=value connection string
of a maintenance database that may create databases (scripts/pg-cluster
prints one), every Daemon gets a database of its own, created with psql
before the daemon starts and dropped after it stops, and is run with
`--db` naming it beside `--data`.  `d.db_args` is what a command-line call needs to reach the same
storage; `d.pg` is true then.  Daemon(share=other) runs a second daemon on
the first one's database (its own data folder and port): any number of
ykien processes on one PostgreSQL.  Daemon(sqlite=True) stays on SQLite
whatever YKIEN_TEST_PG says (a test that moves data between backends).

The checks are assert statements: importing this module under `python3 -O`
(which strips them) exits with an error instead of passing vacuously.
"""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unicodedata
import zlib

if not __debug__:
    sys.exit("tests/http: these tests are assert statements, which python3 -O strips; "
             "run them without -O (and without PYTHONOPTIMIZE)")

import requests  # noqa: E402

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: UndefinedBehaviorSanitizer", "ThreadSanitizer")
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0


def free_port():
    """A port that was free a moment ago (start() tries another one if the
    daemon then finds it taken)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sanitizer_report(text):
    """The sanitizer marks found in text (a daemon log or a command's
    stderr)."""
    return [m for m in SANITIZER_MARKS if m in text]


def parse_metrics(text):
    """Prometheus text format to {'name{labels}': value}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        assert m, f"not a Prometheus sample: {line!r}"
        samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return samples


def one_shot(port, method, path, headers=(), body=b"", source=None, timeout=10.0):
    """One request on its own connection with `Connection: close`, read
    until the daemon closes it.  Returns (status, raw headers, body), or
    None when the connection was refused, reset or closed without a reply.

    ykien's libmicrohttpd runs with MHD_USE_TURBO, which closes a socket
    only after the connection has been cleaned up (its close notification
    included), so when this returns the connection no longer counts
    against any limit, nor in the ykien_open_connections gauge."""
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    head += list(headers)
    if body:
        head.append(f"Content-Length: {len(body)}")
    payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                     source_address=(source, 0) if source else None)
    except OSError:
        return None
    data = b""
    try:
        s.sendall(payload)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        if not data:
            return None
    finally:
        s.close()
    end = data.find(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    if end < 0 or not m:
        return None
    return int(m.group(1)), data[:end].decode("latin-1"), data[end + 4:]


class Daemon:
    """One daemon with its own temporary folder (removed on exit):
    tmp/data is its --data folder, tmp/daemon.log its stderr (appended to
    by every start).  Attributes the suites use: binary, extra_args (read
    by every start()), env (extra environment for the daemon), tmp, data,
    port, url, token, proc (the running Popen or None), log (its open log
    file), session (a requests.Session)."""

    def __init__(self, binary, extra_args=(), token_name="acceptance", env=None, share=None,
                 sqlite=False):
        self.binary = os.path.abspath(binary)
        self.extra_args = list(extra_args)
        self.token_name = token_name
        self.env = dict(env or {})
        self.tmp = tempfile.mkdtemp(prefix="ykien-test-")
        self.data = os.path.join(self.tmp, "data")
        self.log_path = os.path.join(self.tmp, "daemon.log")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log = None
        self.token = None
        self.session = requests.Session()
        self.db_args = ["--data", self.data]
        self.stops = []         # (signal, exit status, exited in time) per stop()
        self.pg_admin = None if sqlite else os.environ.get("YKIEN_TEST_PG")
        self.pg = bool(self.pg_admin)
        self.pg_db = None       # the database this Daemon created (and drops)
        self.pg_url = None
        self.share = share
        if share is not None:
            assert share.pg_url, "only a PostgreSQL daemon's database can be shared"
            self.pg_url = share.pg_url
            self.db_args += ["--db", self.pg_url]
            self.token = share.token

    def pg_db_name(self):
        return self.pg_url.rsplit("dbname=", 1)[1]

    def psql(self, sql, dbname=None):
        """Runs sql with psql on the maintenance database (or dbname);
        returns its output (unaligned, tuples only)."""
        conn = self.pg_admin + (f" dbname={dbname}" if dbname else "")
        r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", conn, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"psql failed: {r.stderr.strip()}"
        return r.stdout

    # ---- life cycle --------------------------------------------------------

    def __enter__(self):
        try:
            if self.pg and self.share is None:
                self.pg_db = "ykien_t_" + os.path.basename(self.tmp).replace("-", "_").lower()
                self.psql(f'CREATE DATABASE "{self.pg_db}"')
                self.pg_url = f"{self.pg_admin} dbname={self.pg_db}"
                self.db_args += ["--db", self.pg_url]
            if self.share is None:
                self.token = self.add_token(self.token_name)
            self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        self.session.close()
        if self.pg_db:
            try:
                self.psql(f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')
            except (AssertionError, OSError, subprocess.SubprocessError):
                pass
            self.pg_db = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def add_token(self, name):
        """`ykien token add NAME`; returns the token it printed."""
        r = subprocess.run([self.binary, "token", "add", name] + self.db_args,
                           capture_output=True, text=True, timeout=30)
        marks = sanitizer_report(r.stderr)
        assert not marks, f"token add: sanitizer report:\n{r.stderr[-3000:]}"
        assert r.returncode == 0, f"token add exited {r.returncode}: {r.stderr.strip()}"
        lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
        assert len(lines) == 1, f"token add printed {len(lines)} lines, want 1"
        return lines[0].strip()

    def start(self):
        """Starts the daemon (again) and returns once /healthz answered 200.
        A port that another process took meanwhile is replaced by a new
        one (and url follows)."""
        for attempt in range(5):
            before = self._log_size()
            self.log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}"]
                + self.db_args + self.extra_args,
                stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                env=dict(os.environ, **self.env) if self.env else None)
            if self._wait_healthy():
                return
            code = self.proc.returncode
            self.proc = None
            self.log.close()
            tail = self._log_from(before)
            if code is not None and "cannot listen" in tail and attempt < 4:
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
                continue
            raise RuntimeError(f"the daemon did not start (exit status {code}); log:\n"
                               + tail[-2000:])

    def _wait_healthy(self):
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            # One-shot probe, so that no probe connection is left open
            # to count against --max-connections when the test begins.
            got = one_shot(self.port, "GET", "/healthz", timeout=2)
            if got and got[0] == 200:
                return True
            time.sleep(0.02)
        self.proc.kill()
        self.proc.wait()
        return False

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Stops the daemon with sig (killed after timeout seconds) and
        returns its exit status; None when it was not running."""
        code = None
        if self.proc:
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
                in_time = True
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    in_time = False
                    self.proc.kill()
                    self.proc.wait()
                self.stops.append((sig, self.proc.returncode, in_time))
            code = self.proc.returncode
        self.proc = None
        if self.log and not self.log.closed:
            self.log.close()
        return code

    def kill(self):
        """SIGKILL, as a crash or a power cut would stop it."""
        return self.stop(signal.SIGKILL)

    def restart_after_kill(self):
        self.kill()
        self.start()

    def finish(self):
        """Stops the daemon with SIGTERM when it still runs, and returns
        what went wrong in any of its runs (an empty list when nothing):
        a graceful stop that did not end with exit status 0 in time, or a
        sanitizer report in the log."""
        self.stop()
        problems = []
        for sig, code, in_time in self.stops:
            if sig not in (signal.SIGTERM, signal.SIGINT):
                continue
            name = signal.Signals(sig).name
            if not in_time:
                problems.append(f"still running {STOP_TIMEOUT:.0f} s after {name}")
            elif code != 0:
                problems.append(f"exit status {code} after {name}")
        log = self.log_text()
        if sanitizer_report(log):
            problems.append("sanitizer report in the daemon log:\n" + log[-3000:])
        elif problems:
            problems.append("daemon log tail:\n" + log[-1500:])
        return problems

    # ---- the log ------------------------------------------------------------

    def _log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def _log_from(self, offset):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_text(self):
        return self._log_from(0)

    def log_tail(self, n=2000):
        return self.log_text()[-n:]

    def wait_log(self, needle, timeout=5.0):
        """Waits until needle appears in the log; returns the log."""
        deadline = time.time() + timeout
        while True:
            log = self.log_text()
            if needle in log:
                return log
            assert time.time() < deadline, f"{needle!r} not in the log after {timeout} s:\n" \
                + log[-1000:]
            time.sleep(0.02)

    # ---- metrics --------------------------------------------------------------

    def metrics(self, source=None):
        """The /metrics samples, fetched on a connection of their own; None
        when the daemon refused that connection (e.g. at its limit)."""
        got = one_shot(self.port, "GET", "/metrics", source=source)
        if not got or got[0] != 200:
            return None
        return parse_metrics(got[2].decode("utf-8"))

    def metric(self, name, source=None):
        m = self.metrics(source)
        assert m is not None, "/metrics did not answer"
        return m.get(name, 0.0)

    def open_connections(self, source=None):
        """Connections open besides the one asking; None when that one was
        refused."""
        m = self.metrics(source)
        if m is None:
            return None
        return int(m["ykien_open_connections"]) - 1

    def wait_connections(self, n, timeout=10.0, source=None):
        """Waits until the daemon holds exactly n connections besides the
        one asking (so a closed connection has been cleaned up).  The
        connection that self.session keeps alive is closed first; the
        session opens a new one when it is used again."""
        self.session.close()
        deadline = time.time() + timeout
        while True:
            got = self.open_connections(source)
            if got == n:
                return
            assert time.time() < deadline, \
                f"the daemon holds {got} connections after {timeout} s, want {n}"
            time.sleep(0.02)

    # ---- HTTP -------------------------------------------------------------------

    def auth(self, token=None):
        return {"Authorization": f"Bearer {token or self.token}"}

    def _headers(self, kw, mod):
        headers = dict(kw.pop("headers", None) or {})
        if mod:
            headers.update(self.auth())
        return headers

    def get(self, path, mod=False, **kw):
        headers = self._headers(kw, mod)
        return self.session.get(self.url + path, headers=headers, timeout=30, **kw)

    def post_json(self, path, obj, mod=False, **kw):
        headers = self._headers(kw, mod)
        return self.session.post(self.url + path, json=obj, headers=headers, timeout=60, **kw)

    def request(self, method, path, mod=False, **kw):
        headers = self._headers(kw, mod)
        return self.session.request(method, self.url + path, headers=headers, timeout=60, **kw)

    def post_comment(self, article, body, author="Bạn đọc", **extra):
        obj = {"author": author, "body": body}
        obj.update(extra)
        return self.post_json(f"/api/v1/articles/{article}/comments", obj)

    def approve(self, cid, **body):
        return self.post_json(f"/api/v1/moderation/comments/{cid}/approve", body or None,
                              mod=True)

    def reject(self, cid, **body):
        return self.post_json(f"/api/v1/moderation/comments/{cid}/reject", body or None,
                              mod=True)


# ---- small helpers -------------------------------------------------------------

def _png_1x1():
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)      # 1x1, 8-bit RGBA
    idat = zlib.compress(b"\x00\x00\x00\x00\x00")           # filter 0, one pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) \
        + chunk(b"IEND", b"")


PNG_1X1 = _png_1x1()


def png_bytes(size):
    """A valid 1x1 PNG followed by zero bytes up to size."""
    assert size >= len(PNG_1X1), size
    return PNG_1X1 + bytes(size - len(PNG_1X1))


def nfc(s):
    return unicodedata.normalize("NFC", s)


def nfd(s):
    return unicodedata.normalize("NFD", s)


def error_code(r):
    """The API error code of a requests response, or None."""
    try:
        return r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
