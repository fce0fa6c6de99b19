#!/usr/bin/env python3
"""Nothing answered 201 is ever lost: clients post comments (some with
attachments) while the daemon is killed with SIGKILL at random moments,
again and again; after each restart every acknowledged comment must be
there exactly once, with its attachments, and SQLite's integrity check must
pass.  Also: a kill during an upload leaves the data folder clean.

A SIGKILL cannot tell a 201 sent after the fsync from one sent before it
(the kernel's page cache outlives the process), so one test watches the
syncs themselves: tests/http/syncshim.c, preloaded into the daemon, records
which comments each fsync/fdatasync of the database or its WAL made
durable, and every 201 must find its comment recorded when it arrives.

    python3 tests/http/test_durability.py build/ykien [--kills N] \
        [--sync-shim build/tests/libykien-syncshim.so]
"""
import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import requests

from support import Tests, db_rows, png_bytes, stored_contents, stored_digests

suite = Tests()
KILLS = 20
ART = "do-ben"
SYNC_SHIM = None        # --sync-shim: the built tests/http/syncshim.c
SYNC_MARK = "fsyncmark"


def kill_and_restart(d):
    d.restart_after_kill()


def poster(d, rnd, tid, stop, acked, lock):
    session = requests.Session()
    n = 0
    while not stop.is_set():
        n += 1
        marker = f"{rnd:03d}{tid}{n:06d}"
        body = f"Bình luận kiểm tra độ bền, mã số {marker}."
        url = f"{d.url}/api/v1/articles/{ART}/comments"
        png = None
        try:
            if n % 3 == 0:
                png = png_bytes(2048 + n) + marker.encode()
                r = session.post(url, data={"author": "Người thử", "body": body},
                                 files=[("attachment", (f"a{marker}.png", png, "image/png"))],
                                 timeout=5)
            else:
                r = session.post(url, json={"author": "Người thử", "body": body}, timeout=5)
        except requests.RequestException:
            time.sleep(0.02)
            continue
        if r.status_code == 201:
            with lock:
                acked[marker] = (r.json()["id"], hashlib.sha256(png).hexdigest() if png else None)


@suite.test
def acknowledged_comments_survive_kills(d):
    rng = random.Random(int(os.environ.get("YKIEN_SEED", "0")) or None)
    acked, lock = {}, threading.Lock()
    for rnd in range(KILLS):
        stop = threading.Event()
        threads = [threading.Thread(target=poster, args=(d, rnd, t + 1, stop, acked, lock))
                   for t in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.05, 0.4))
        kill_and_restart(d)
        stop.set()
        for t in threads:
            t.join()
    assert len(acked) > KILLS, f"too few comments acknowledged to prove anything: {len(acked)}"
    d.stop()
    if not d.pg:
        assert db_rows(d, "PRAGMA integrity_check") == [("ok",)]
    rows = db_rows(d, "SELECT id, body FROM comment")
    by_marker = {}
    for cid, body in rows:
        marker = body.rsplit(" ", 1)[1].rstrip(".")
        by_marker.setdefault(marker, []).append(cid)
    lost = [m for m in acked if m not in by_marker]
    assert not lost, f"{len(lost)} acknowledged comments lost, e.g. {lost[:5]}"
    twice = [m for m, ids in by_marker.items() if len(ids) > 1]
    assert not twice, f"stored more than once: {twice[:5]}"
    atts_of = {}
    for cid, sha in db_rows(d, "SELECT comment_id, sha256 FROM attachment"):
        atts_of.setdefault(cid, []).append(sha)
    digests = stored_digests(d)
    for marker, (cid, sha) in acked.items():
        assert by_marker[marker] == [cid], (marker, by_marker[marker], cid)
        atts = atts_of.get(cid, [])
        if sha is None:
            assert atts == [], (marker, atts)
            continue
        assert atts == [sha], (marker, atts)
        assert digests.get(sha) == sha, (marker, "content missing or altered")
    d.start()
    print(f"  {len(acked)} comments acknowledged across {KILLS} kills, all present once",
          flush=True)


class SyncLog:
    """Reads the sync shim's log as it grows: the markers it recorded as
    durable, and the number of syncs of each watched file."""

    def __init__(self, path):
        self.path, self.offset, self.partial = path, 0, b""
        self.marks, self.syncs = set(), {}
        self.lock = threading.Lock()

    def durable(self, marker):
        with self.lock:
            if marker in self.marks:
                return True
            try:
                with open(self.path, "rb") as f:
                    f.seek(self.offset)
                    data = f.read()
            except FileNotFoundError:
                return False
            self.offset += len(data)
            lines = (self.partial + data).split(b"\n")
            self.partial = lines.pop()
            for line in lines:
                kind, _, rest = line.decode().partition(" ")
                if kind == "mark":
                    self.marks.add(rest)
                elif kind == "sync":
                    path = rest.rsplit(" ", 1)[0]
                    self.syncs[path] = self.syncs.get(path, 0) + 1
            return marker in self.marks


def asan_runtime(binary):
    """The AddressSanitizer runtime the binary loads, or None."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    except OSError:
        return None
    for line in out.splitlines():
        if "libasan" in line and "=>" in line:
            return line.split("=>")[1].split()[0]
    return None


@suite.test(sqlite_only="the shim watches SQLite's fsyncs; PostgreSQL's durability is its "
                        "own (synchronous_commit), checked by the SIGKILL and restart tests")
def every_201_follows_the_sync_of_its_comment(d):
    """Clients post (JSON and multipart) on 6 connections for 2 s; the sync
    shim delays every sync of the database or WAL by 20 ms and records the
    comments that each one made durable.  A 201 whose comment was not yet
    recorded when the reply arrived was sent before its fsync."""
    assert SYNC_SHIM and os.path.exists(SYNC_SHIM), f"no sync shim: {SYNC_SHIM!r}"
    sync_log = os.path.join(d.tmp, "syncs.log")
    d.stop()
    preload = [SYNC_SHIM]
    runtime = asan_runtime(d.binary)
    if runtime:
        # ASan wants its runtime first in the list of loaded libraries.
        preload.insert(0, runtime)
    d.env.update({
        "LD_PRELOAD": ":".join(preload + [p for p in [os.environ.get("LD_PRELOAD")] if p]),
        "YKIEN_SYNCSHIM_LOG": sync_log,
        "YKIEN_SYNCSHIM_WATCH": os.path.join(d.data, "ykien.db"),
        "YKIEN_SYNCSHIM_MARK": SYNC_MARK,
        "YKIEN_SYNCSHIM_DIGITS": "8",
        "YKIEN_SYNCSHIM_DELAY_US": "20000",
    })
    d.start()
    syncs = SyncLog(sync_log)
    acked, early, lock, stop = [], [], threading.Lock(), threading.Event()

    def post(tid):
        session = requests.Session()
        url = f"{d.url}/api/v1/articles/{ART}/comments"
        n = 0
        while not stop.is_set():
            n += 1
            marker = f"{SYNC_MARK}{tid}{n:07d}"
            body = f"Bình luận kiểm tra đồng bộ đĩa, mã {marker}."
            if n % 4 == 0:
                r = session.post(url, data={"author": "Người thử", "body": body},
                                 files=[("attachment", ("a.png", png_bytes(1000 + n),
                                                        "image/png"))], timeout=30)
            else:
                r = session.post(url, json={"author": "Người thử", "body": body}, timeout=30)
            if r.status_code != 201:
                with lock:
                    early.append(f"{marker}: status {r.status_code} {r.text[:100]}")
                continue
            ok = syncs.durable(marker)
            with lock:
                acked.append(marker)
                if not ok:
                    early.append(f"{marker}: answered 201 before a sync covered it")

    threads = [threading.Thread(target=post, args=(t + 1,)) for t in range(6)]
    for t in threads:
        t.start()
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join()
    assert not early, f"{len(early)} of {len(acked)} replies too early, e.g. {early[:3]}"
    assert len(acked) >= 20, f"too few comments acknowledged to prove anything: {len(acked)}"
    wal = syncs.syncs.get(os.path.join(d.data, "ykien.db-wal"), 0)
    assert 0 < wal, syncs.syncs
    print(f"  {len(acked)} comments answered 201, each after a sync that covered it "
          f"({wal} syncs of the WAL)", flush=True)


@suite.test
def sigterm_under_keep_alive_posting(d):
    """SIGTERM while clients keep posting on keep-alive connections: the
    daemon finishes what it accepted, refuses the rest (503), exits 0, and
    every 201 it gave is stored."""
    for rnd in range(3):
        acked, lock, stop = {}, threading.Lock(), threading.Event()
        threads = [threading.Thread(target=poster, args=(d, 100 + rnd, t + 1, stop, acked, lock))
                   for t in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        d.proc.send_signal(signal.SIGTERM)
        code = d.proc.wait(timeout=40)
        stop.set()
        for t in threads:
            t.join()
        d.log.close()
        assert code == 0, f"exit status {code}: {d.log_tail(800)}"
        assert acked, "nothing was acknowledged before the stop"
        markers = {b.rsplit(" ", 1)[1].rstrip(".") for (b,) in db_rows(d, "SELECT body FROM comment")}
        lost = [m for m in acked if m not in markers]
        assert not lost, f"{len(lost)} acknowledged comments lost"
        d.start()


@suite.test
def kill_during_upload_leaves_folder_clean(d):
    body = png_bytes(4 * 1024 * 1024)
    boundary = "ykienboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"author\"\r\n\r\nAn\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n"
            f"Ảnh chụp hiện trường.\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; "
            f"filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    total = len(head) + len(body) + len(tail)
    s = socket.create_connection(("127.0.0.1", d.port))
    s.sendall((f"POST /api/v1/articles/{ART}/comments HTTP/1.1\r\nHost: x\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
               f"Content-Length: {total}\r\n\r\n").encode() + head + body[:2 * 1024 * 1024])
    deadline = time.time() + 5
    while time.time() < deadline and not os.listdir(os.path.join(d.data, "tmp")):
        time.sleep(0.02)
    assert os.listdir(os.path.join(d.data, "tmp")), "the upload was not being staged"
    kill_and_restart(d)
    s.close()
    assert os.listdir(os.path.join(d.data, "tmp")) == [], "staged upload left after restart"
    assert db_rows(d, "SELECT count(*) FROM comment") == [(0,)]
    assert db_rows(d, "SELECT count(*) FROM attachment") == [(0,)]
    assert stored_contents(d) == 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--kills" in args:
        i = args.index("--kills")
        KILLS = int(args[i + 1])
        del args[i:i + 2]
    if "--sync-shim" in args:
        i = args.index("--sync-shim")
        SYNC_SHIM = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    sys.exit(suite.main(args))
