"""Helpers for ykien's own HTTP tests (tests/http/test_*.py).

The real daemon (harness.Daemon), started fresh for each test on a loopback
port with its own data folder, driven over real HTTP with `requests`, or
over raw sockets where a test needs byte-level control.  No mocks, and
nothing from outside the repository.

A test file defines its tests with the decorator of a Tests object and ends
with `sys.exit(tests.main())`; run it as

    /usr/bin/python3 tests/http/test_x.py build/ykien [--only SUBSTRING]

It prints PASS/FAIL per test and ends with 'N passed, M failed'; the exit
status is non-zero when a test failed.  After every test the daemon is
stopped with SIGTERM; each graceful stop in the test must have exited 0 and
the daemon's log must hold no sanitizer report (harness.Daemon.finish), so
a crash or an ASan/UBSan finding fails the test that caused it.
"""
import hashlib
import json
import os
import re
import select
import socket
import subprocess
import sys
import time
import traceback

import requests
import images

from openapi_check import check_response
from harness import (SANITIZER_MARKS, Daemon, error_code, free_port, nfc, nfd,  # noqa: F401
                     one_shot, parse_metrics, png_bytes, sanitizer_report)

HERE = os.path.dirname(os.path.abspath(__file__))

MiB = 1024 * 1024
JSON_CT = "application/json; charset=utf-8"
GOOD = "Bài viết rất hay, cảm ơn tác giả đã chia sẻ những thông tin hữu ích."
ART = "thu-dau-mot-2017"
TOKEN_NAME = "acceptance"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
PUBLIC_KEYS = {"id", "article", "parent_id", "author", "body", "status", "created_at",
               "published_at", "edited", "attachments"}
MODERATION_KEYS = PUBLIC_KEYS | {"email", "original_body", "version", "history", "flags"}


def body_text(i):
    """A distinct, properly accented comment body."""
    return f"Bình luận số {i} về bài báo này, tôi thấy rất hữu ích."


# ---- assertions -----------------------------------------------------------

def jexpect(r, status, code=None, field=None):
    """Asserts status, the exact JSON content type, and for errors the
    API.md error shape with code (and field when given).  Returns the
    decoded JSON body."""
    where = f"{r.request.method} {r.request.url}"
    text = r.text[:400]
    assert r.status_code == status, f"{where}: want {status}, got {r.status_code}: {text}"
    ct = r.headers.get("Content-Type")
    assert ct == JSON_CT, f"{where}: Content-Type {ct!r}, want {JSON_CT!r}"
    body = r.json()
    check_response(r)
    if status >= 400:
        assert isinstance(body, dict) and set(body) == {"error"}, f"{where}: error body {text}"
        err = body["error"]
        assert isinstance(err.get("code"), str) and isinstance(err.get("message"), str) \
            and err["message"], f"{where}: error needs code and message: {text}"
        if code is not None:
            assert err["code"] == code, f"{where}: want code {code!r}, got {err['code']!r}: {text}"
        if field is not None:
            assert err.get("field") == field, \
                f"{where}: want field {field!r}, got {err.get('field')!r}: {text}"
    return body


def expect(r, status, code=None):
    """Asserts the status and, when given, the error code; any error reply
    must be the JSON error shape.  Returns r."""
    where = f"{r.request.method} {r.request.url}"
    text = r.text[:300]
    assert r.status_code == status, f"{where}: want {status}, got {r.status_code}: {text}"
    if code is not None:
        assert error_code(r) == code, f"{where}: want error code {code!r}: {text}"
    if status >= 400:
        assert r.headers.get("Content-Type", "").startswith("application/json"), \
            f"{where}: error reply of type {r.headers.get('Content-Type')!r}"
        err = r.json().get("error", {})
        assert isinstance(err.get("code"), str) and isinstance(err.get("message"), str) \
            and err["message"], f"{where}: error needs code and message: {text}"
    return r


def check_public(c):
    assert set(c) == PUBLIC_KEYS, f"public comment has keys {sorted(c)}"
    assert isinstance(c["id"], int) and c["id"] > 0
    assert RFC3339.match(c["created_at"]), c["created_at"]
    assert c["published_at"] is None or RFC3339.match(c["published_at"]), c["published_at"]
    assert isinstance(c["edited"], bool)
    return c


def check_moderation(m):
    assert set(m) == MODERATION_KEYS, f"moderation form has keys {sorted(m)}"
    assert isinstance(m["version"], int) and m["version"] >= 1
    for h in m["history"]:
        assert set(h) == {"action", "moderator", "at", "reason"}, h
        assert h["action"] in ("created", "edited", "approved", "rejected"), h
        assert RFC3339.match(h["at"]), h
    return m


# ---- HTTP shortcuts -------------------------------------------------------

def comments_url(article=ART):
    return f"/api/v1/articles/{article}/comments"


def post(d, body=GOOD, article=ART, author="Thu Thảo", headers=None, **extra):
    """POSTs a JSON comment; extra members go into the JSON object."""
    obj = {"author": author, "body": body}
    obj.update(extra)
    return d.post_json(comments_url(article), obj, headers=dict(headers or {}))


def new_comment(d, body=None, article=ART, **extra):
    """Posts a comment and returns its id (201 asserted)."""
    c = jexpect(post(d, body or GOOD, article=article, **extra), 201)
    return c["id"]


def approved_comment(d, body=None, article=ART, **extra):
    cid = new_comment(d, body, article, **extra)
    jexpect(d.approve(cid), 200)
    return cid


def mod_get(d, cid, **kw):
    return d.get(f"/api/v1/moderation/comments/{cid}", mod=True, **kw)


def action(d, cid, verb, obj=None, headers=None, token=None):
    h = dict(headers or {})
    h.update(d.auth(token))
    path = f"/api/v1/moderation/comments/{cid}" + ("" if verb == "edit" else f"/{verb}")
    method = "PATCH" if verb == "edit" else "POST"
    if obj is None:
        return d.request(method, path, headers=h)
    return d.request(method, path, json=obj, headers=h)


def walk(d, path, mod=False, limit=None, order=None, extra="", cursor=None):
    """Follows `next` cursors (from cursor, when given); returns (ids,
    pages, totals)."""
    ids, pages, totals = [], 0, set()
    while True:
        q = []
        if limit:
            q.append(f"limit={limit}")
        if order:
            q.append(f"order={order}")
        if cursor:
            q.append("cursor=" + requests.utils.quote(cursor, safe=""))
        if extra:
            q.append(extra)
        page = jexpect(d.get(path + ("?" + "&".join(q) if q else ""), mod=mod), 200)
        ids += [c["id"] for c in page["comments"]]
        totals.add(page["total"])
        pages += 1
        cursor = page["next"]
        assert cursor is None or isinstance(cursor, str) and cursor, page["next"]
        if not cursor:
            return ids, pages, totals
        assert pages < 1000, "pagination does not end"


def multipart(fields=(), files=(), boundary="ykienTestBoundary7MA4YWxkTrZu0gW"):
    """Builds a multipart/form-data body by hand, so file names and part
    headers go on the wire byte for byte.  fields: (name, value);
    files: (name, filename, content_type, data).  str values are UTF-8."""
    def b(x):
        return x if isinstance(x, bytes) else x.encode("utf-8")
    out = []
    for name, value in fields:
        out.append(b"--" + b(boundary) + b"\r\n")
        out.append(b'Content-Disposition: form-data; name="' + b(name) + b'"\r\n\r\n')
        out.append(b(value) + b"\r\n")
    for name, filename, ctype, data in files:
        out.append(b"--" + b(boundary) + b"\r\n")
        out.append(b'Content-Disposition: form-data; name="' + b(name) + b'"; filename="'
                   + b(filename) + b'"\r\n')
        if ctype:
            out.append(b"Content-Type: " + b(ctype) + b"\r\n")
        out.append(b"\r\n" + b(data) + b"\r\n")
    out.append(b"--" + b(boundary) + b"--\r\n")
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def post_multipart(d, fields=None, files=(), article=ART, headers=None):
    if fields is None:
        fields = [("author", "Thu Thảo"), ("body", GOOD)]
    data, ctype = multipart(fields, files)
    h = {"Content-Type": ctype}
    h.update(headers or {})
    return d.request("POST", comments_url(article), data=data, headers=h)


# ---- file samples (recognised by their first bytes) ------------------------

def jpeg_bytes(size=2048):
    """A JPEG whose header a reader can size (images.py)."""
    return images.jpeg(size=size)


def gif_bytes(size=1024, version=b"89a"):
    return images.gif(size=size, version=version)


def webp_bytes(size=1024):
    return images.webp(size=size)


def pdf_bytes(size=1024):
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    tail = b"\n%%EOF\n"
    return head + b"0" * (size - len(head) - len(tail)) + tail


def random_png(size):
    """A PNG signature followed by bytes that differ from test to test."""
    base = png_bytes(100)
    return base + os.urandom(size - len(base))


# ---- storage ------------------------------------------------------------------

def db_rows(d, sql, args=()):
    """Rows of a query on the daemon's database, whichever it is: SQLite's
    file in the data folder, or its PostgreSQL database through psql.  `?`
    marks parameters (SQLite's style); on PostgreSQL values that look like
    integers come back as int, NULL as None."""
    if d.pg:
        def lit(v):
            if isinstance(v, bool):
                return "true" if v else "false"
            if v is None:
                return "NULL"
            return str(int(v)) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
        parts = sql.split("?")
        assert len(parts) == len(args) + 1, (sql, args)
        text = parts[0] + "".join(lit(a) + p for a, p in zip(args, parts[1:]))
        out = d.psql(text, dbname=d.pg_db_name())
        rows = []
        for line in out.splitlines():
            rows.append(tuple(int(v) if re.fullmatch(r"-?\d+", v) else v
                              for v in line.split("|")))
        return rows
    import sqlite3
    con = sqlite3.connect(os.path.join(d.data, "ykien.db"))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def stored_content(d, sha):
    """The bytes stored for an attachment content, or None."""
    if d.pg:
        rows = db_rows(d, "SELECT encode(data, 'hex') FROM blob_chunk WHERE sha256 = ?"
                          " ORDER BY seq", (sha,))
        return bytes.fromhex("".join(str(r[0]) for r in rows)) if rows else None
    path = os.path.join(d.data, "files", sha[:2], sha)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


def stored_digests(d):
    """{sha256 named: SHA-256 of the bytes actually stored} for every
    stored attachment content, in one pass."""
    if d.pg:
        rows = db_rows(d, "SELECT sha256, encode(sha256(string_agg(data, ''::bytea ORDER BY seq)),"
                          " 'hex') FROM blob_chunk GROUP BY sha256")
        return {str(k): str(v) for k, v in rows}
    out = {}
    for path in files_in(d, "files"):
        with open(path, "rb") as f:
            out[os.path.basename(path)] = hashlib.sha256(f.read()).hexdigest()
    return out


def stored_contents(d):
    """How many attachment contents are stored."""
    if d.pg:
        return db_rows(d, "SELECT count(*) FROM blob")[0][0]
    return len(files_in(d, "files"))


def sanitized(binary):
    """True when binary is built with AddressSanitizer, whose quarantine
    keeps freed memory resident: resident-size bounds then measure ASan,
    not ykien (the release build checks them)."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "libasan" in out


# ---- data folder ----------------------------------------------------------

def files_in(d, sub):
    """Regular files anywhere under DATA/sub."""
    found = []
    for root, _dirs, names in os.walk(os.path.join(d.data, sub)):
        found += [os.path.join(root, n) for n in names]
    return found


def wait_until(pred, timeout=5.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def queue_total(d, status="pending"):
    return jexpect(d.get(f"/api/v1/moderation/queue?status={status}", mod=True), 200)["total"]


def read_log(d):
    return d.log_text()


# ---- raw sockets ----------------------------------------------------------

def connect(d, timeout=5.0):
    return socket.create_connection(("127.0.0.1", d.port), timeout=timeout)


def read_all(s, timeout=5.0):
    """Reads until the peer closes or timeout passes.  Returns (data,
    closed): closed is False when the timeout passed with the connection
    still open; a reset counts as closed."""
    data = b""
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0:
            return data, False
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return data, False
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, ConnectionAbortedError):
            return data, True
        if not chunk:
            return data, True
        data += chunk


def read_response(s, timeout=5.0, data=b""):
    """Reads until one whole response has arrived (or the peer closed);
    returns it (a RawResponse) or None."""
    deadline = time.time() + timeout
    while True:
        rs, _ = parse_responses(data)
        if rs:
            return rs[0]
        left = deadline - time.time()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            return None
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, ConnectionAbortedError):
            chunk = b""
        if not chunk:
            rs, _ = parse_responses(data)
            return rs[0] if rs else None
        data += chunk


def exchange(d, payload, timeout=5.0):
    s = connect(d, timeout)
    try:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_all(s, timeout)
    finally:
        s.close()


class RawResponse:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"<{self.status} {self.reason} {self.body[:120]!r}>"


def parse_responses(data, head_requests=()):
    """Splits a byte stream into HTTP/1.1 responses (Content-Length bodies;
    the i-th response has no body when i is in head_requests).  Returns
    (responses, leftover bytes)."""
    out = []
    while data:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            break
        lines = data[:end].decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3}) ?(.*)", lines[0])
        assert m, f"not an HTTP response: {data[:200]!r}"
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = 0 if len(out) in head_requests or m.group(1) in ("204", "304") \
            else int(headers.get("content-length", "0"))
        if len(data) < end + 4 + n:
            break
        out.append(RawResponse(int(m.group(1)), m.group(2), headers, data[end + 4:end + 4 + n]))
        data = data[end + 4 + n:]
    return out, data


def raw_request(method, path, headers=(), body=b"", host="127.0.0.1"):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"] + list(headers)
    if body and not any(h.lower().startswith(("content-length", "transfer-encoding"))
                        for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def alive(d):
    r = requests.get(d.url + "/healthz", timeout=5)
    return r.status_code == 200 and r.json() == {"status": "ok"}


# ---- command line ---------------------------------------------------------

def run_cli(binary, *args, input=None, timeout=30):
    """Runs the binary; a sanitizer report on its stderr fails the test."""
    r = subprocess.run([binary] + list(args), input=input, capture_output=True,
                       timeout=timeout)
    err = r.stderr.decode("utf-8", "replace")
    assert not sanitizer_report(err), f"{args[:2]}: sanitizer report:\n{err[-3000:]}"
    return r


# ---- runner ---------------------------------------------------------------

class Tests:
    """Registers tests; main() runs them.  Each test gets a fresh daemon
    (with --rate-limit 0 unless it says otherwise), or, with daemon=False,
    the path of the binary."""

    def __init__(self):
        self.tests = []

    def test(self, fn=None, *, args=(), daemon=True, rate_limit="0", sqlite_only=None,
             pg_only=None):
        """sqlite_only: why the test means nothing on PostgreSQL (it is
        skipped there, with that reason printed); pg_only: why it means
        nothing on SQLite (skipped there)."""
        def register(f):
            self.tests.append((f, list(args), daemon, rate_limit, sqlite_only, pg_only))
            return f
        return register(fn) if fn else register

    def _run_one(self, binary, fn, args, daemon, rate_limit):
        if not daemon:
            try:
                fn(binary)
            except Exception:
                raise AssertionError(traceback.format_exc(limit=-4))
            return
        extra = (["--rate-limit", rate_limit] if rate_limit is not None else []) + args
        with Daemon(binary, extra_args=extra, token_name=TOKEN_NAME) as d:
            try:
                fn(d)
            except Exception:
                failure = traceback.format_exc(limit=-4)
                tail = d.log_tail(1500)
                problems = d.finish()
                raise AssertionError(failure + "\n--- daemon log tail ---\n" + tail
                                     + "".join("\n--- also: " + p for p in problems))
            problems = d.finish()
            assert not problems, "\n".join(problems)

    def main(self, argv=None):
        import argparse
        ap = argparse.ArgumentParser()
        ap.add_argument("binary")
        ap.add_argument("--only", help="run only tests whose name contains this")
        a = ap.parse_args(argv)
        binary = os.path.abspath(a.binary)
        passed = failed = skipped = skipped_pg_only = 0
        started = time.time()
        pg = bool(os.environ.get("YKIEN_TEST_PG"))
        for fn, args, daemon, rate_limit, sqlite_only, pg_only in self.tests:
            if a.only and a.only not in fn.__name__:
                continue
            if pg and sqlite_only:
                skipped += 1
                print(f"SKIP {fn.__name__} on PostgreSQL: {sqlite_only}", flush=True)
                continue
            if not pg and pg_only:
                skipped_pg_only += 1
                print(f"SKIP {fn.__name__} on SQLite: {pg_only}", flush=True)
                continue
            t0 = time.time()
            try:
                self._run_one(binary, fn, args, daemon, rate_limit)
                passed += 1
                print(f"PASS {fn.__name__} ({time.time() - t0:.2f}s)", flush=True)
            except Exception as e:  # noqa: BLE001 - every failure is reported
                failed += 1
                print(f"FAIL {fn.__name__} ({time.time() - t0:.2f}s): {e}", flush=True)
        print(f"# {os.path.basename(sys.argv[0])}: {time.time() - started:.1f}s"
              + (f", {skipped} skipped on PostgreSQL" if skipped else "")
              + (f", {skipped_pg_only} skipped on SQLite" if skipped_pg_only else ""),
              flush=True)
        if skipped and not passed and not failed:
            print("not run: SQLite only", flush=True)
            return 77
        print(f"{passed} passed, {failed} failed", flush=True)
        return 1 if failed or (not passed and not a.only) else 0
