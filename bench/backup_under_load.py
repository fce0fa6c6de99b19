#!/usr/bin/env python3
"""Times `ykien backup` of a large database while the daemon takes posts.

    python3 bench/backup_under_load.py build/ykien build/bench/ykien-seed \\
        [--comments 1000000] [--posters 4] [--work /tmp/ykien-backup-bench]

Seeds a data folder (ykien-seed: 1,000 articles), starts `ykien serve` on
a free loopback port, keeps POSTer threads going, takes the backup, and
prints its time, the posts answered 201 during it, whether every comment
answered before it is in the copy, and integrity_check of the copy.  Every
loop is bounded; everything goes to loopback only.
"""
import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ykien")
    ap.add_argument("seed")
    ap.add_argument("--comments", type=int, default=1000000)
    ap.add_argument("--posters", type=int, default=4)
    ap.add_argument("--work", default="/tmp/ykien-backup-bench")
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    data, dest = os.path.join(a.work, "data"), os.path.join(a.work, "copy")
    t0 = time.time()
    subprocess.run([a.seed, data, "1000", str(a.comments // 1000)], check=True)
    print(f"seeded {a.comments} comments in {time.time() - t0:.1f} s; "
          f"database {os.path.getsize(os.path.join(data, 'ykien.db')) / 1e6:.0f} MB")
    port = free_port()
    log = open(os.path.join(a.work, "serve.log"), "wb")
    proc = subprocess.Popen([a.ykien, "serve", "--listen", f"127.0.0.1:{port}", "--data", data,
                             "--rate-limit", "0"], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    acked, stop = [], threading.Event()

    def poster(n):
        body = json.dumps({"author": "Bạn đọc", "body": "Bình luận trong lúc sao lưu, rất hay."})
        for i in range(200000):
            if stop.is_set():
                return
            req = urllib.request.Request(url + f"/api/v1/articles/a{i % 1000}/comments",
                                         data=body.encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    acked.append((time.monotonic(), json.load(r)["id"]))
            except OSError:
                pass

    threads = [threading.Thread(target=poster, args=(n,)) for n in range(a.posters)]
    for t in threads:
        t.start()
    time.sleep(2)
    started = time.monotonic()
    before = [cid for t, cid in list(acked) if t < started]
    r = subprocess.run([a.ykien, "backup", dest, "--data", data], capture_output=True, text=True)
    ended = time.monotonic()
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join()
    proc.terminate()
    proc.wait(timeout=60)
    during = sum(1 for t, _ in acked if started <= t <= ended)
    print(r.stdout.strip() or r.stderr.strip())
    print(f"backup: {ended - started:.2f} s wall; {during} posts answered 201 during it "
          f"({during / (ended - started):.0f}/s); {len(acked)} in all")
    con = sqlite3.connect(os.path.join(dest, "ykien.db"))
    ids = {row[0] for row in con.execute("SELECT id FROM comment")}
    print(f"copy: {len(ids)} comments; integrity_check "
          f"{con.execute('PRAGMA integrity_check').fetchone()[0]}; every comment answered "
          f"before the backup in it: {set(before) <= ids} ({len(before)} checked)")
    con.close()
    shutil.rmtree(a.work, ignore_errors=True)


if __name__ == "__main__":
    main()
