#!/usr/bin/python3
"""Webhooks over HTTP, with a real receiver on loopback (a threaded
http.server): every event signed as API.md says and delivered in order per
comment; retries after errors and timeouts; a receiver that hangs or is
down never slows a POST; events survive kill -9; after 24 hours of failure
an event is dropped and counted; an erasure leaves nothing of the reader in
the waiting events; /metrics shows deliveries and the outbox depth; the
command line refuses a bad set-up.

    /usr/bin/python3 tests/http/test_webhooks.py build/ykien [--only NAME]
"""
import atexit
import hashlib
import hmac
import http.server
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time

import support
from support import (MODERATION_KEYS, RFC3339, Tests, action, free_port, jexpect, new_comment,
                     post, run_cli, wait_until)

tests = Tests()

SECRET = b"whsec-ykien-test-3f9a1c"
WORK = tempfile.mkdtemp(prefix="ykien-webhooks-")
atexit.register(shutil.rmtree, WORK, ignore_errors=True)
SECRET_FILE = os.path.join(WORK, "secret")
with open(SECRET_FILE, "wb") as f:
    f.write(SECRET + b"\n")
PORT = free_port()
URL = f"http://127.0.0.1:{PORT}/hooks/ykien"
HOOK_ARGS = ["--webhook", URL, "--webhook-secret-file", SECRET_FILE]
EVENT_KEYS = {"id", "event", "at", "comment"}


class Receiver:
    """Answers POSTs as told: "ok" (204), "fail" (500), "hang" (answers only
    after hang_seconds).  fail_next > 0 fails that many first; delay
    (seconds) slows every answer.  Keeps what it accepted, and counts every
    attempt.  With whose (a function of the sender's port), each attempt
    is also listed in arrivals as (event id, whose(port), time) when it
    comes in, before any answer.  It listens on PORT (URL), or on port."""

    def __init__(self, mode="ok", whose=None, port=None):
        self.port = port or PORT
        self.mode = mode
        self.fail_next = 0
        self.hang_seconds = 15
        self.delay = 0.0
        self.whose = whose
        self.accepted = []          # (headers, raw body, arrival time)
        self.arrivals = []
        self.attempts = 0
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.whose:
                    sender = receiver.whose(self.client_address[1])
                    with receiver.lock:
                        receiver.arrivals.append((json.loads(raw)["id"], sender, time.time()))
                with receiver.lock:
                    receiver.attempts += 1
                    mode = receiver.mode
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        mode = "fail"
                if mode == "hang":
                    time.sleep(receiver.hang_seconds)
                time.sleep(receiver.delay)
                if mode == "fail":
                    self.send_response(500)
                    self.end_headers()
                    return
                with receiver.lock:
                    receiver.accepted.append((dict(self.headers), raw, time.time()))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def events(self):
        with self.lock:
            return [json.loads(raw) for _h, raw, _t in self.accepted]

    def names(self):
        return [(e["event"], e["comment"]["id"]) for e in self.events()]


def metric(d, name):
    text = d.get("/metrics").text
    m = re.search(r"^" + re.escape(name) + r" (\d+)$", text, re.M)
    assert m, f"{name} not in /metrics"
    return int(m.group(1))


def delivered(d):
    return metric(d, 'ykien_webhook_deliveries_total{outcome="delivered"}')


def failed(d):
    return metric(d, 'ykien_webhook_deliveries_total{outcome="failed"}')


def dropped(d):
    return metric(d, 'ykien_webhook_deliveries_total{outcome="dropped"}')


def depth(d):
    return metric(d, "ykien_webhook_outbox_depth")


def verify(headers, raw):
    sig = headers.get("Ykien-Signature", "")
    m = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", sig)
    assert m, f"bad Ykien-Signature {sig!r}"
    want = hmac.new(SECRET, m.group(1).encode() + b"." + raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(want, m.group(2)), "signature does not match the body"
    assert abs(int(m.group(1)) - time.time()) < 120, "t is not now"
    assert headers.get("Content-Type", "").startswith("application/json"), headers


def sql(d, statement, args=()):
    if d.pg:
        return support.db_rows(d, statement, args)
    con = sqlite3.connect(os.path.join(d.data, "ykien.db"), timeout=10)
    try:
        with con:
            return con.execute(statement, args).fetchall()
    finally:
        con.close()


def kill_and_restart(d):
    d.proc.kill()
    d.proc.wait()
    d.log.close()
    d.start()


def with_receiver(mode="ok"):
    """Registers a test that gets a started receiver, stopped afterwards."""
    def register(fn):
        def run(d):
            rcv = Receiver(mode).start()
            try:
                fn(d, rcv)
            finally:
                rcv.stop()
        run.__name__ = fn.__name__
        tests.test(args=HOOK_ARGS)(run)
        return fn
    return register


@with_receiver()
def events_are_signed_and_in_order(d, rcv):
    cid = new_comment(d, email="ban.doc@example.vn")
    jexpect(action(d, cid, "approve", {"body": "Bài viết rất hay, xin cảm ơn!", "note": "sửa"}),
            200)
    jexpect(action(d, cid, "reject", {"reason": "trùng"}), 200)
    other = new_comment(d)
    # Erasure scrubs the events still waiting: the approval's must have
    # gone out with its text first (else the check below races the sender).
    assert wait_until(lambda: ("comment.approved", cid) in rcv.names(), timeout=20), rcv.names()
    jexpect(d.post_json(f"/api/v1/moderation/comments/{cid}/erase", None, mod=True), 200)
    assert wait_until(lambda: len(rcv.accepted) == 6, timeout=20), rcv.names()
    names = rcv.names()
    mine = [e for e, c in names if c == cid]
    assert mine == ["comment.created", "comment.edited", "comment.approved", "comment.rejected",
                    "comment.erased"], names
    assert ("comment.created", other) in names
    ids = set()
    for headers, raw, _t in rcv.accepted:
        verify(headers, raw)
        e = json.loads(raw)
        assert set(e) == EVENT_KEYS, e
        assert re.fullmatch(r"[0-9a-f]{32}", e["id"]) and e["id"] not in ids, e["id"]
        ids.add(e["id"])
        assert RFC3339.match(e["at"]), e["at"]
        assert set(e["comment"]) == MODERATION_KEYS - {"email"}, sorted(e["comment"])
        assert b"ban.doc@example.vn" not in raw, "never the e-mail"
    events = rcv.events()
    assert events[0]["comment"]["status"] == "pending"
    approved = [e for e in events if e["event"] == "comment.approved"][0]["comment"]
    assert approved["body"] == "Bài viết rất hay, xin cảm ơn!" and approved["edited"] is True
    erased = [e for e in events if e["event"] == "comment.erased"][0]["comment"]
    assert erased["author"] == "" and erased["body"] == "" and erased["status"] == "rejected"
    assert wait_until(lambda: delivered(d) == 6 and depth(d) == 0)
    assert failed(d) == 0 and dropped(d) == 0


@with_receiver()
def retries_after_errors_keep_the_order(d, rcv):
    rcv.fail_next = 2
    a = new_comment(d)
    jexpect(d.approve(a), 200)
    b = new_comment(d)
    assert wait_until(lambda: len(rcv.accepted) == 3, timeout=30), rcv.names()
    names = rcv.names()
    assert [e for e, c in names if c == a] == ["comment.created", "comment.approved"], names
    assert rcv.attempts >= 5
    assert wait_until(lambda: failed(d) >= 2 and delivered(d) == 3 and depth(d) == 0)
    assert ("comment.created", b) in names


@with_receiver("hang")
def a_hanging_receiver_never_slows_posts(d, rcv):
    rcv.hang_seconds = 12
    worst = 0.0
    ids = []
    for i in range(30):
        t0 = time.time()
        ids.append(jexpect(post(d, f"Bình luận số {i} trong lúc máy nhận bị treo."), 201)["id"])
        worst = max(worst, time.time() - t0)
    t0 = time.time()
    jexpect(d.approve(ids[0]), 200)
    worst = max(worst, time.time() - t0)
    assert worst < 1.0, f"a POST took {worst:.3f} s while the receiver hung"
    assert depth(d) > 0
    # No answer within 10 seconds is a failure, retried.
    assert wait_until(lambda: failed(d) >= 1, timeout=25), "the 10 s timeout did not fire"
    rcv.mode = "ok"
    assert wait_until(lambda: depth(d) == 0, timeout=40), depth(d)
    assert len({c for _e, c in rcv.names()}) == 30


@tests.test(args=HOOK_ARGS)
def a_receiver_that_is_down_then_up(d):
    a = new_comment(d)
    assert wait_until(lambda: failed(d) >= 1, timeout=20)
    assert depth(d) == 1
    jexpect(d.reject(a), 200)
    rcv = Receiver().start()
    try:
        assert wait_until(lambda: len(rcv.accepted) == 2, timeout=30), rcv.names()
        assert rcv.names() == [("comment.created", a), ("comment.rejected", a)]
        assert wait_until(lambda: depth(d) == 0)
    finally:
        rcv.stop()


@with_receiver("fail")
def delivery_survives_kill_9(d, rcv):
    ids = [new_comment(d) for _ in range(3)]
    jexpect(d.approve(ids[1]), 200)
    assert wait_until(lambda: failed(d) >= 1, timeout=20)
    kill_and_restart(d)
    rcv.mode = "ok"
    assert wait_until(lambda: len(rcv.accepted) == 4, timeout=30), rcv.names()
    names = rcv.names()
    assert sorted(c for e, c in names if e == "comment.created") == ids
    assert [e for e, c in names if c == ids[1]] == ["comment.created", "comment.approved"]
    assert wait_until(lambda: depth(d) == 0)
    # Committed and killed at once, before any attempt: still delivered.
    rcv.mode = "fail"
    last = new_comment(d)
    kill_and_restart(d)
    rcv.mode = "ok"
    assert wait_until(lambda: ("comment.created", last) in rcv.names(), timeout=30)


@with_receiver("fail")
def dropped_after_24_hours(d, rcv):
    new_comment(d)
    assert wait_until(lambda: failed(d) >= 1, timeout=20)
    sql(d, "UPDATE outbox SET created_at = created_at - 86401, next_at = 0")
    assert wait_until(lambda: dropped(d) == 1 and depth(d) == 0, timeout=20)
    assert rcv.accepted == []


@with_receiver("fail")
def erasure_scrubs_waiting_events(d, rcv):
    cid = jexpect(post(d, "Nội dung riêng ZQXHOOKBODY của bạn đọc.", author="ZQXHOOKAUTHOR"),
                  201)["id"]
    assert wait_until(lambda: failed(d) >= 1, timeout=20)
    jexpect(d.post_json(f"/api/v1/moderation/comments/{cid}/erase", None, mod=True), 200)
    for name in ("ykien.db", "ykien.db-wal"):
        p = os.path.join(d.data, name)
        if os.path.exists(p):
            with open(p, "rb") as f:
                data = f.read()
            assert b"ZQXHOOK" not in data, f"erased text left in {name}"
    rcv.mode = "ok"
    assert wait_until(lambda: len(rcv.accepted) == 2, timeout=30), rcv.names()
    created, erased = rcv.events()
    assert created["event"] == "comment.created" and erased["event"] == "comment.erased"
    for e in (created, erased):
        assert e["comment"]["author"] == "" and e["comment"]["body"] == "", e
        assert e["comment"]["original_body"] == ""
    for headers, raw, _t in rcv.accepted:
        verify(headers, raw)


@with_receiver("fail")
def events_for_a_removed_receiver_are_dropped(d, rcv):
    new_comment(d)
    assert wait_until(lambda: failed(d) >= 1, timeout=20)
    d.stop()
    d.extra_args = [a if a != URL else URL + "/v2" for a in d.extra_args]
    d.start()
    assert dropped(d) == 1 and depth(d) == 0
    rcv.mode = "ok"
    cid = new_comment(d)
    assert wait_until(lambda: rcv.names() == [("comment.created", cid)], timeout=20)
    assert rcv.accepted[0][0].get("Host") == f"127.0.0.1:{PORT}"


@tests.test(daemon=False)
def command_line_refuses_bad_set_ups(binary):
    data = os.path.join(WORK, "cli-data")
    listen = ["--listen", f"127.0.0.1:{free_port()}", "--data", data]
    r = run_cli(binary, "serve", *listen, "--webhook", URL)
    assert r.returncode == 2 and b"--webhook-secret-file" in r.stderr, r
    r = run_cli(binary, "serve", *listen, "--webhook", "ftp://example.vn/x",
                "--webhook-secret-file", SECRET_FILE)
    assert r.returncode == 2 and b"--webhook" in r.stderr, r
    many = []
    for i in range(9):
        many += ["--webhook", f"{URL}/{i}"]
    r = run_cli(binary, "serve", *listen, *many, "--webhook-secret-file", SECRET_FILE)
    assert r.returncode == 2, r
    r = run_cli(binary, "serve", *listen, "--webhook", URL, "--webhook-secret-file",
                os.path.join(WORK, "missing"))
    assert r.returncode == 1 and b"missing" in r.stderr, r
    empty = os.path.join(WORK, "empty")
    with open(empty, "wb") as f:
        f.write(b"\n")
    r = run_cli(binary, "serve", *listen, "--webhook", URL, "--webhook-secret-file", empty)
    assert r.returncode == 1 and b"empty" in r.stderr, r
    r = run_cli(binary, "serve", "--help")
    assert b"--webhook URL" in r.stdout and b"--close-after-days" in r.stdout


if __name__ == "__main__":
    sys.exit(tests.main())
